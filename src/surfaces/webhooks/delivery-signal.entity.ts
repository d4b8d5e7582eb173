import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { SignalType } from './report-parser';
import type { SignalOutcome } from './webhook-reports.service';

/** What one report said about one recipient, and what Tidings did about it. */
@Entity('delivery_signals')
export class DeliverySignal {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column('uuid')
  reportId!: string;

  @Column('text')
  type!: SignalType;

  @Column('text')
  outcome!: SignalOutcome;

  @Column('text')
  matchedBy!: 'message' | 'recipient' | 'none';

  @Column('uuid', { nullable: true })
  messageId!: string | null;

  @Column('uuid', { nullable: true })
  subscriberId!: string | null;

  /** Keyed hash of the address (as on the suppression list); never the address itself. */
  @Column('text', { nullable: true })
  addressHash!: string | null;

  @Column('text', { nullable: true })
  statusCode!: string | null;

  @Column('text', { nullable: true })
  action!: string | null;

  /** The remote server's answer with addresses masked. */
  @Column('text', { nullable: true })
  diagnostic!: string | null;

  @Column('timestamptz')
  occurredAt!: Date;
}
