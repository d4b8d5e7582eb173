import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryColumn,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

export const LEGAL_BASES = ['consent', 'contract', 'legitimate_interest'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/**
 * A reason the subscriber's data is used: which attributes, dates and event types it covers, why,
 * what the subscriber gains, and on what legal basis. A `consent` purpose is used only for
 * subscribers who granted it (data_use_grants).
 */
@Entity('data_purposes')
export class DataPurpose {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text', { unique: true })
  key!: string;

  /** The default locale's name. */
  @Column('text')
  name!: string;

  @Column('jsonb', { default: {} })
  names!: Record<string, string>;

  /** Why the data is used, per locale. */
  @Column('jsonb', { default: {} })
  explanations!: Record<string, string>;

  /** What the subscriber gains, per locale ("we warn you 30 days before your renewal"). */
  @Column('jsonb', { default: {} })
  benefits!: Record<string, string>;

  /** What stops when the grant is withdrawn, per locale. */
  @Column('jsonb', { default: {} })
  withdrawalConsequences!: Record<string, string>;

  @Column('text', { array: true, default: [] })
  attributes!: string[];

  @Column('text', { array: true, default: [] })
  dates!: string[];

  @Column('text', { array: true, default: [] })
  eventTypes!: string[];

  @Column('text')
  legalBasis!: LegalBasis;

  /** Withdrawing the grant deletes the attributes and dates the purpose covers. */
  @Column('boolean', { default: false })
  deleteOnWithdrawal!: boolean;

  /** Raised on every change of what the purpose says: a grant records the version it was given for. */
  @Column('int', { default: 1 })
  version!: number;

  @Column('timestamptz', { nullable: true })
  archivedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}

/** A subscriber's current answer for one consent-based purpose (history: consent_events). */
@Entity('data_use_grants')
export class DataUseGrant {
  @PrimaryColumn('uuid')
  subscriberId!: string;

  @PrimaryColumn('uuid')
  purposeId!: string;

  @Column('boolean')
  granted!: boolean;

  @Column('text')
  wordingVersion!: string;

  @Column('timestamptz')
  changedAt!: Date;
}
