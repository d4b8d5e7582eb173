import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('api_keys')
export class ApiKey {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  /** The public part of the key (`tdg_<prefix>_...`), used to find the row. */
  @Column('text')
  prefix!: string;

  /** SHA-256 of the whole key; the key itself is shown once and never stored. */
  @Column('text')
  secretHash!: string;

  @Column('text', { array: true })
  scopes!: string[];

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { nullable: true })
  lastUsedAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  revokedAt!: Date | null;
}
