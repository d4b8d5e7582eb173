import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { ContentKind } from '../content/content-item.entity';
import type { Segment } from './segment';

/**
 * scheduled → running (fanning out) → sent (every ledger row written) | cancelled | failed (the
 * fan-out cannot go on; resume puts it back to running).
 */
export const CAMPAIGN_STATUSES = ['scheduled', 'running', 'sent', 'cancelled', 'failed'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

@Entity('campaigns')
export class Campaign {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text', { nullable: true, unique: true })
  idempotencyKey!: string | null;

  @Column('text')
  requestHash!: string;

  @Column('text')
  name!: string;

  @Column('uuid')
  topicId!: string;

  @Column('uuid', { nullable: true })
  contentItemId!: string | null;

  @Column('text')
  template!: string;

  /** Template data for template campaigns (content campaigns take theirs from the item). */
  @Column('jsonb', { default: {} })
  data!: Record<string, unknown>;

  @Column('text')
  kind!: ContentKind;

  @Column('jsonb', { default: {} })
  segment!: Segment;

  /** Keys of the data-use purposes its segment relies on; null when it declares none. */
  @Column('text', { array: true, nullable: true })
  purposes!: string[] | null;

  @Column('text')
  status!: CampaignStatus;

  @Column('timestamptz')
  sendAt!: Date;

  /** Counted when the fan-out starts. */
  @Column('int', { nullable: true })
  audienceSize!: number | null;

  /** Ledger rows written so far. */
  @Column('int', { default: 0 })
  fannedOut!: number;

  /** The last subscriber id fanned out (keyset position). */
  @Column('uuid', { nullable: true })
  fanoutCursor!: string | null;

  @Column('timestamptz', { nullable: true })
  heartbeatAt!: Date | null;

  /** The delivery lease of the worker running the fan-out (see delivery/delivery-lease.ts). */
  @Column('int', { nullable: true })
  fanoutLease!: number | null;

  /** The current fan-out job's attempt number (its job id, see fanoutJobId()). */
  @Column('int', { default: 0 })
  fanoutAttempt!: number;

  /** Fan-out restarts since the cursor last moved (fanoutRestartCursor: the cursor then). */
  @Column('int', { default: 0 })
  fanoutRestarts!: number;

  @Column('uuid', { nullable: true })
  fanoutRestartCursor!: string | null;

  @Column('timestamptz', { nullable: true })
  failedAt!: Date | null;

  @Column('text', { nullable: true })
  failureReason!: string | null;

  @Column('timestamptz', { nullable: true })
  startedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  finishedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  cancelledAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
