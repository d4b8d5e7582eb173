import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Frequency } from '../../audience/topics/topic.entity';

/** A double opt-in in progress: what was chosen on the form and the exact wording shown there. */
@Entity('signup_requests')
export class SignupRequest {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('uuid')
  subscriberId!: string;

  @Column('jsonb')
  topics!: Array<{ topicId: string; frequency: Frequency }>;

  /** Consent-based data-use purposes asked for, granted on confirmation with this wording. */
  @Column('jsonb', { default: [] })
  purposes!: Array<{ purposeId: string; wording: string; wordingVersion: string }>;

  @Column('text')
  wording!: string;

  @Column('text')
  wordingVersion!: string;

  @Column('text', { default: 'form' })
  source!: 'form' | 'api';

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { nullable: true })
  lastSentAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  confirmedAt!: Date | null;
}
