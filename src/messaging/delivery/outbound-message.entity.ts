import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Locale } from '../../platform/locale';

export const MESSAGE_KINDS = ['transactional', 'notice', 'editorial', 'promotional'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export const MESSAGE_STATUSES = [
  'queued',
  'sending',
  'sent',
  'failed',
  'skipped',
  'suppressed',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * The send ledger: one row per intended message, delivered on its `channel` (email unless the
 * producer names another; see channels.ts). The unique dedupe key makes "send this" idempotent;
 * the status moves queued → sending (atomic claim) → sent | failed | skipped | suppressed.
 */
@Entity('outbound_messages')
export class OutboundMessage {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** `welcome:<subscriber>`, `rule:<rule>:<subscriber>:<date>`, ... */
  @Column('text', { unique: true })
  dedupeKey!: string;

  @Column('uuid')
  subscriberId!: string;

  @Column('uuid', { nullable: true })
  topicId!: string | null;

  /** How it reaches the subscriber (`email`); the transport registered for it delivers it. */
  @Column('text', { default: 'email' })
  channel!: string;

  @Column('text')
  template!: string;

  /** The published version of the template it was (last) rendered with; null until claimed. */
  @Column({ type: 'integer', nullable: true })
  templateVersion!: number | null;

  @Column('text')
  kind!: MessageKind;

  @Column('text', { default: 'queued' })
  status!: MessageStatus;

  @Column('text', { nullable: true })
  skipReason!: string | null;

  @Column('jsonb', { default: {} })
  data!: Record<string, unknown>;

  /** The locale it is rendered in; null: the subscriber's at send time. */
  @Column('text', { nullable: true })
  locale!: Locale | null;

  @Column('int', { default: 0 })
  attempts!: number;

  @Column('text', { nullable: true })
  lastError!: string | null;

  @Column('text', { nullable: true })
  providerMessageId!: string | null;

  @Column('timestamptz', { default: () => 'now()' })
  sendAfter!: Date;

  @Column('timestamptz', { nullable: true })
  deadlineAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  enqueuedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  claimedAt!: Date | null;

  /** The delivery lease holding a `sending` row (see delivery-lease.ts). */
  @Column('int', { nullable: true })
  claimedBy!: number | null;

  /** When the send-time checks last passed and the message was handed to SMTP. */
  @Column('timestamptz', { nullable: true })
  handedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  sentAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
