import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models of src/audience/subscribers (owner of subscribers, subscriptions and
 * subscriber_dates): what other modules read of them, and nothing more. Only the subscribers
 * module writes the tables; anyone may read these views. Plain projections: PostgreSQL inlines
 * them into the calling statement, so plans and indexes stay as they were.
 *
 * - `audience_subscribers`: the preference center's language, the bounce and complaint matching,
 *   the feedback page, the trust audit, reports and metrics; delivery's claim and hand-over
 *   (address, name, status, pause; share-locked through the view), the digest scheduler, the
 *   campaign fan-out and segments (is_customer, attributes), lifecycle triggers and the watchdog.
 * - `audience_subscriptions`: the preference center's topic list, one-click unsubscribe and data
 *   export, the topic service's check of frequencies in use, the trust audit; delivery's claim
 *   and hand-over, the digest scheduler and the campaign fan-out (which lock rows `FOR UPDATE OF`
 *   the view's alias: the lock falls on the subscriptions rows), lifecycle and the watchdog.
 * - `audience_subscriber_dates`: the trust audit's, lifecycle's due scan and campaign segments'
 *   range scans (index (name, value, subscriber_id)).
 */
export class SubscribersReadModels1764001020000 implements MigrationInterface {
  name = 'SubscribersReadModels1764001020000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW audience_subscribers AS
        SELECT id, email, name, locale, timezone, status, is_customer, attributes, paused_until,
               confirmed_at
          FROM subscribers`);
    await q.query(`
      CREATE VIEW audience_subscriptions AS
        SELECT id, subscriber_id, topic_id, status, frequency, last_delivered_at, next_due_at,
               unsubscribed_at, created_at
          FROM subscriptions`);
    await q.query(`
      CREATE VIEW audience_subscriber_dates AS
        SELECT subscriber_id, name, value FROM subscriber_dates`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW audience_subscriber_dates`);
    await q.query(`DROP VIEW audience_subscriptions`);
    await q.query(`DROP VIEW audience_subscribers`);
  }
}
