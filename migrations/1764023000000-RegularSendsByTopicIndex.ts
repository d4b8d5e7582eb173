import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The campaign decision's two ledger lookups (src/programmes/campaigns/campaign-decisions.ts):
 * "has this subscriber already received this content item in this topic" and "has a regular
 * message gone to this subscriber in this topic". Both read `messaging_regular_sends` by topic and
 * subscriber. Through the ledger's subscriber index they fetched every ledger row of the
 * subscriber from the table: the forecast of a 45,000-subscription topic (POST
 * /v1/campaigns/forecast, npm run bench:console, 100,000 subscribers and 500,000 ledger rows)
 * visited 224,000 table pages for them. This index holds exactly the rows of the view with the
 * content items, so the launch's probe per subscriber and the forecast's one pass over the topic
 * are index-only scans (24 MB on that ledger).
 */
export class RegularSendsByTopicIndex1764023000000 implements MigrationInterface {
  name = 'RegularSendsByTopicIndex1764023000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX outbound_messages_regular_topic_subscriber_idx
        ON outbound_messages (topic_id, subscriber_id) INCLUDE (content_item_ids)
        WHERE kind IN ('editorial', 'promotional') AND status IN ('queued', 'sending', 'sent')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX outbound_messages_regular_topic_subscriber_idx`);
  }
}
