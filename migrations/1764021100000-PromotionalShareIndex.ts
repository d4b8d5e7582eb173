import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The programme summary's promotional share (GET /v1/reports/summary, the console's Home) counts
 * each subscriber's sent messages of the last 90 days by kind. The ledger's index of sent rows by
 * (subscriber_id, sent_at) (1764000700000-TrustMeasures) lacked the kind, so PostgreSQL read the
 * whole ledger and sorted it by subscriber (to disk). With the kind in the index it is one
 * index-only scan in subscriber order, no sort: 0.86 s, then 0.41 s on 100,000 subscribers and
 * 500,000 ledger rows (npm run bench:console, a loaded 2-core machine). The index grows by the
 * kind only (24 MB, then 26 MB); everything else that used it uses it as before.
 */
export class PromotionalShareIndex1764021100000 implements MigrationInterface {
  name = 'PromotionalShareIndex1764021100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX outbound_messages_report_subscriber_sent_idx`);
    await q.query(`
      CREATE INDEX outbound_messages_report_subscriber_sent_idx
        ON outbound_messages (subscriber_id, sent_at) INCLUDE (kind) WHERE status = 'sent'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX outbound_messages_report_subscriber_sent_idx`);
    await q.query(`
      CREATE INDEX outbound_messages_report_subscriber_sent_idx
        ON outbound_messages (subscriber_id, sent_at) WHERE status = 'sent'`);
  }
}
