import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const CONSENT_ACTIONS = [
  'opt_in',
  'confirm',
  'opt_out',
  'frequency_change',
  'data_use_grant',
  'data_use_withdrawal',
  'pause',
  'resume',
] as const;
export type ConsentAction = (typeof CONSENT_ACTIONS)[number];

/** Where the change came from. `one_click` is RFC 8058 unsubscribe; `system` is bounces/complaints. */
export const CONSENT_SOURCES = [
  'form',
  'api',
  'import',
  'preference_center',
  'one_click',
  'system',
] as const;
export type ConsentSource = (typeof CONSENT_SOURCES)[number];

/**
 * Append-only record of what a subscriber agreed to. A database trigger refuses UPDATE and
 * allows DELETE only inside an erasure (see the Foundation migration).
 */
@Entity('consent_events')
export class ConsentEvent {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column('uuid')
  subscriberId!: string;

  @Column('text')
  action!: ConsentAction;

  /** Null for changes that concern every topic (unsubscribe from all, pause, data use). */
  @Column('uuid', { nullable: true })
  topicId!: string | null;

  /** The exact text the person saw or the action that was taken. */
  @Column('text')
  wording!: string;

  @Column('text')
  wordingVersion!: string;

  @Column('text')
  source!: ConsentSource;

  /** Frequencies, pause end, the API key that made the change, and so on. */
  @Column('jsonb', { default: {} })
  details!: Record<string, unknown>;

  @Column('timestamptz', { default: () => 'now()' })
  occurredAt!: Date;
}
