import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event for one endpoint, with its attempts. `next_attempt_at` is the retry schedule (and
 * the lease of an attempt in flight), so the deliveries survive a crash or a Redis loss.
 */
@Entity('webhook_deliveries')
export class WebhookDelivery {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  endpointId!: string;

  @Column('uuid')
  eventId!: string;

  @Column('text')
  eventType!: string;

  @Column('uuid', { nullable: true })
  subscriberId!: string | null;

  @Column('jsonb')
  data!: Record<string, unknown>;

  @Column('timestamptz')
  occurredAt!: Date;

  @Column('text')
  status!: DeliveryStatus;

  @Column('integer')
  attempts!: number;

  @Column('timestamptz', { nullable: true })
  nextAttemptAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  lastAttemptAt!: Date | null;

  @Column('integer', { nullable: true })
  lastResponseCode!: number | null;

  @Column('text', { nullable: true })
  lastError!: string | null;

  @Column('timestamptz', { nullable: true })
  deliveredAt!: Date | null;

  @Column('uuid', { nullable: true })
  replayOf!: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
