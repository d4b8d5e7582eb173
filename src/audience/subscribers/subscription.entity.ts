import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Frequency } from '../topics/topic.entity';

export const SUBSCRIPTION_STATUSES = ['pending', 'active', 'unsubscribed'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

@Entity('subscriptions')
export class Subscription {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  subscriberId!: string;

  @Column('uuid')
  topicId!: string;

  @Column('text')
  status!: SubscriptionStatus;

  @Column('text')
  frequency!: Frequency;

  @Column('timestamptz', { nullable: true })
  lastDeliveredAt!: Date | null;

  /** When this subscriber's next message for the topic may go out (their period's start). */
  @Column('timestamptz', { nullable: true })
  nextDueAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  unsubscribedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
