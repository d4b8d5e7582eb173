import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The send ledger's read models: what other modules may read of `outbound_messages`, which only
 * the delivery module writes (src/messaging/delivery). Delivery's own bookkeeping (claims, leases,
 * enqueue marks, attempts, the provider's id) stays out of them, so it can change without
 * touching a reader. Plain single-table views: PostgreSQL inlines them into the calling
 * statement, so indexes and plans are those of the table (docs/architecture.md, "Read models").
 */
export class LedgerReadModels1764001000000 implements MigrationInterface {
  name = 'LedgerReadModels1764001000000';

  async up(q: QueryRunner): Promise<void> {
    // A message's facts: who, which topic, campaign or rule, what, and what became of it.
    await q.query(`
      CREATE VIEW messaging_ledger_messages AS
        SELECT id, dedupe_key, subscriber_id, topic_id, campaign_id, rule_id, template, kind,
               status, skip_reason, data, content_item_ids, send_after, deadline_at, claimed_at,
               sent_at, last_error, created_at, updated_at
          FROM outbound_messages`);
    // Regular (editorial and promotional) messages decided to go: queued, being sent or sent.
    // What the frequency rule and the content-mix cap count, and what "already received an
    // item" means.
    await q.query(`
      CREATE VIEW messaging_regular_sends AS
        SELECT id, subscriber_id, topic_id, campaign_id, kind, status, content_item_ids,
               created_at, send_after, claimed_at, sent_at
          FROM outbound_messages
         WHERE kind IN ('editorial', 'promotional') AND status IN ('queued', 'sending', 'sent')`);
    // Campaign items folded into the subscriber's next digest (the campaign found no room in
    // their period).
    await q.query(`
      CREATE VIEW messaging_folded_items AS
        SELECT id, subscriber_id, topic_id, campaign_id, content_item_ids, created_at
          FROM outbound_messages
         WHERE status = 'skipped' AND skip_reason = 'folded'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW messaging_folded_items`);
    await q.query(`DROP VIEW messaging_regular_sends`);
    await q.query(`DROP VIEW messaging_ledger_messages`);
  }
}
