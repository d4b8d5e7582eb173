import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ReportFormat } from './report-parser';

/** A bounce or complaint report received by webhook, stored once per (endpoint, report key). */
@Entity('webhook_reports')
export class WebhookReport {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  endpoint!: 'bounces' | 'complaints';

  /** `msgid:<Message-ID>` of a raw report, `id:<event id>` or `sha256:<content hash>`. */
  @Column('text')
  reportKey!: string;

  @Column('text')
  format!: ReportFormat;

  @Column('timestamptz')
  receivedAt!: Date;

  /** What the first processing did, returned again for replays. */
  @Column('jsonb', { default: {} })
  result!: Record<string, unknown>;
}
