import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const SUPPRESSION_REASONS = ['hard_bounce', 'complaint', 'erasure', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/**
 * An address that must never be mailed or re-imported. Only a keyed hash (HMAC-SHA256 of the
 * normalised address) is kept, so an erased person's address is not stored in the clear.
 */
@Entity('suppressions')
export class Suppression {
  @PrimaryColumn('text')
  addressHash!: string;

  @Column('text')
  reason!: SuppressionReason;

  @Column('jsonb', { default: {} })
  details!: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
