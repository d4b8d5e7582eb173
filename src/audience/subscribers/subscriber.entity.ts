import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Locale } from '../../platform/locale';

export const SUBSCRIBER_STATUSES = [
  'pending',
  'active',
  'unsubscribed',
  'bounced',
  'complained',
  'erased',
] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

@Entity('subscribers')
export class Subscriber {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Normalised (trimmed, lower case), unique; null once erased. */
  @Column('text', { nullable: true, unique: true })
  email!: string | null;

  @Column('text', { nullable: true })
  name!: string | null;

  @Column('text', { default: 'en' })
  locale!: Locale;

  /** IANA zone; send windows are computed in it. */
  @Column('text', { default: 'UTC' })
  timezone!: string;

  @Column('text', { default: 'active' })
  status!: SubscriberStatus;

  /** Customer (may carry notice-bearing dates) or prospect. */
  @Column('boolean', { default: false })
  isCustomer!: boolean;

  /** Free attributes (plan, vehicle_age_years, ...). Dates live in subscriber_dates. */
  @Column('jsonb', { default: {} })
  attributes!: Record<string, unknown>;

  /** While set and in the future, marketing sends skip with reason `paused`. */
  @Column('timestamptz', { nullable: true })
  pausedUntil!: Date | null;

  /**
   * At most this many regular emails in any 7 days, across topics (checked at send time by the
   * overall cap in src/programmes/cadence). Null: the marketer's default, OVERALL_WEEKLY_CAP.
   */
  @Column('smallint', { nullable: true })
  weeklyCap!: number | null;

  @Column('timestamptz', { nullable: true })
  confirmedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  erasedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
