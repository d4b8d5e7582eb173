import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('alerts')
export class Alert {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** One alert per occurrence (`missed-deadline:<message>`, `silence:<topic>:<date>`). */
  @Column('text', { unique: true })
  dedupeKey!: string;

  @Column('text')
  kind!: string;

  @Column('text')
  title!: string;

  @Column('jsonb', { default: {} })
  details!: Record<string, unknown>;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { nullable: true })
  webhookDeliveredAt!: Date | null;

  @Column('timestamptz', { nullable: true })
  emailDeliveredAt!: Date | null;

  @Column('int', { default: 0 })
  attempts!: number;

  @Column('text', { nullable: true })
  lastError!: string | null;
}
