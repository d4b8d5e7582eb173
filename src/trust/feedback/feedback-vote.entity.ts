import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A "was this useful?" answer: one per message, changeable. Topic and template are copied from
 * the ledger row when the vote is cast; rule and campaign are read from the ledger at query time.
 */
@Entity('feedback_votes')
export class FeedbackVote {
  @PrimaryColumn('uuid')
  messageId!: string;

  @Column('uuid')
  subscriberId!: string;

  @Column('uuid', { nullable: true })
  topicId!: string | null;

  @Column('text')
  template!: string;

  @Column('boolean')
  helpful!: boolean;

  /** Optional free text from the landing page; cleared on erasure. */
  @Column('text', { nullable: true })
  comment!: string | null;

  /** How often the answer was switched between yes and no. */
  @Column('int', { default: 0 })
  changes!: number;

  @Column('timestamptz')
  createdAt!: Date;

  @Column('timestamptz')
  updatedAt!: Date;
}
