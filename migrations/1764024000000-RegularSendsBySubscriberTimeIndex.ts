import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The content-mix cap counts a subscriber's regular sends (`messaging_regular_sends`) of the last
 * 90 days by kind, at the time each was sent or is due (`coalesce(sent_at, send_after)`):
 * src/programmes/cadence/content-mix.ts, for the campaign fan-out, its forecast and the send-time
 * check. Through the ledger's subscriber index it fetched every ledger row of the subscriber from
 * the table: the forecast of a 44,500-subscription promotional topic (POST /v1/campaigns/forecast,
 * npm run bench:console, 100,000 subscribers and 500,000 ledger rows) visited 224,000 table pages
 * for it, 554 ms p95. This index holds exactly the view's rows by subscriber and that time, with
 * the kind and both times, so the count is an index-only scan: a probe per subscriber for a
 * fan-out batch, one pass in subscriber order for a whole audience.
 *
 * PostgreSQL keeps no statistics for the expression of a partial index, so it estimated the
 * window's rows at 0.4% of the ledger instead of 86%, and on some databases planned a sort of the
 * whole ledger (to disk) in place of the index: 390–440 ms against 250 ms for the same forecast.
 * The extended statistics on the expression give it the real share.
 */
export class RegularSendsBySubscriberTimeIndex1764024000000 implements MigrationInterface {
  name = 'RegularSendsBySubscriberTimeIndex1764024000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX outbound_messages_regular_subscriber_time_idx
        ON outbound_messages (subscriber_id, (coalesce(sent_at, send_after)))
        INCLUDE (kind, sent_at, send_after)
        WHERE kind IN ('editorial', 'promotional') AND status IN ('queued', 'sending', 'sent')`);
    await q.query(`
      CREATE STATISTICS outbound_messages_sent_or_due_stats
        ON (coalesce(sent_at, send_after)) FROM outbound_messages`);
    await q.query(`ANALYZE outbound_messages`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP STATISTICS outbound_messages_sent_or_due_stats`);
    await q.query(`DROP INDEX outbound_messages_regular_subscriber_time_idx`);
  }
}
