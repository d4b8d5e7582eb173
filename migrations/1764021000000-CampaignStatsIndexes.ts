import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaign stats (GET /v1/campaigns, GET /v1/campaigns/:id) count a campaign's ledger rows by
 * status, its helpful votes and what followed the send (bounced subscribers, opt-outs of the
 * topic after the message). On 100,000 subscribers and campaigns of 37,500 messages
 * (npm run bench:console) each campaign took about 0.5 s, mostly hashing every subscription and
 * subscriber; a page of campaigns took 3 s.
 *
 * - The campaign's rows with what the stats read, so the counts are index-only scans.
 * - The opt-outs: unsubscribed subscriptions are a small part of all of them.
 */
export class CampaignStatsIndexes1764021000000 implements MigrationInterface {
  name = 'CampaignStatsIndexes1764021000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX outbound_messages_campaign_stats_idx
        ON outbound_messages (campaign_id, status, skip_reason)
        INCLUDE (subscriber_id, topic_id, sent_at, id)
        WHERE campaign_id IS NOT NULL`);
    await q.query(`
      CREATE INDEX subscriptions_unsubscribed_idx
        ON subscriptions (subscriber_id, topic_id) INCLUDE (unsubscribed_at)
        WHERE status = 'unsubscribed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX subscriptions_unsubscribed_idx`);
    await q.query(`DROP INDEX outbound_messages_campaign_stats_idx`);
  }
}
