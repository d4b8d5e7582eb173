import { MigrationInterface, QueryRunner } from 'typeorm';

/** audience_subscribers' columns as SubscriberWeeklyCap1764001050000 made them. */
const COLUMNS = `id, email, name, locale, timezone, status, is_customer, attributes, paused_until,
               confirmed_at, weekly_cap`;

/**
 * "Confirmed without a message since" (GET /v1/reports/summary, the console's Home) looked for a
 * sent message after each active subscriber's confirmation: a ledger probe for every confirmed
 * subscriber, about 110 ms of the summary on 100,000 subscribers (npm run bench:console).
 *
 * `messaged_confirmed_at` remembers the confirmation a sent message is known to have followed:
 * it equals `confirmed_at` once one has. Sent ledger rows are never deleted or changed back, so
 * the fact stays true until the subscriber confirms again (a new `confirmed_at` differs from it).
 * The report then probes only the subscribers this partial index holds: active, confirmed, not
 * known to have had a message since. The scheduler tick marks them as their messages go out
 * (src/audience/subscribers/messaged-since-confirmation.ts); until it does, the probe answers.
 */
export class SubscriberMessagedConfirmation1764025000000 implements MigrationInterface {
  name = 'SubscriberMessagedConfirmation1764025000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscribers ADD COLUMN messaged_confirmed_at timestamptz`);
    await q.query(`
      UPDATE subscribers s SET messaged_confirmed_at = s.confirmed_at
       WHERE s.confirmed_at IS NOT NULL
         AND EXISTS (SELECT 1 FROM outbound_messages m
                      WHERE m.subscriber_id = s.id AND m.status = 'sent'
                        AND m.sent_at >= s.confirmed_at)`);
    await q.query(`
      CREATE INDEX subscribers_unmessaged_idx ON subscribers (confirmed_at, id)
       WHERE status = 'active' AND confirmed_at IS NOT NULL
         AND messaged_confirmed_at IS DISTINCT FROM confirmed_at`);
    await q.query(`
      CREATE OR REPLACE VIEW audience_subscribers AS
        SELECT ${COLUMNS}, messaged_confirmed_at FROM subscribers`);
  }

  async down(q: QueryRunner): Promise<void> {
    // A view keeps its columns: drop it and make it again as 1764001050000 left it.
    await q.query(`DROP VIEW audience_subscribers`);
    await q.query(`CREATE VIEW audience_subscribers AS SELECT ${COLUMNS} FROM subscribers`);
    await q.query(`DROP INDEX subscribers_unmessaged_idx`);
    await q.query(`ALTER TABLE subscribers DROP COLUMN messaged_confirmed_at`);
  }
}
