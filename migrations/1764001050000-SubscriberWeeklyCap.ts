import { MigrationInterface, QueryRunner } from 'typeorm';

/** audience_subscribers' columns as SubscribersReadModels1764001020000 made them. */
const COLUMNS = `id, email, name, locale, timezone, status, is_customer, attributes, paused_until,
               confirmed_at`;

/**
 * A subscriber's own overall cap: at most this many regular (editorial and promotional) emails in
 * any 7 days, across topics. Null: the marketer's default (OVERALL_WEEKLY_CAP), if any. The
 * audience's read model `audience_subscribers` shows it to the send-time check (cadence).
 */
export class SubscriberWeeklyCap1764001050000 implements MigrationInterface {
  name = 'SubscriberWeeklyCap1764001050000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE subscribers ADD COLUMN weekly_cap smallint
        CONSTRAINT subscribers_weekly_cap_range CHECK (weekly_cap BETWEEN 1 AND 50)`);
    await q.query(`
      CREATE OR REPLACE VIEW audience_subscribers AS
        SELECT ${COLUMNS}, weekly_cap FROM subscribers`);
  }

  async down(q: QueryRunner): Promise<void> {
    // A view keeps its columns: drop it and make it again as 1764001020000 left it.
    await q.query(`DROP VIEW audience_subscribers`);
    await q.query(`CREATE VIEW audience_subscribers AS SELECT ${COLUMNS} FROM subscribers`);
    await q.query(`ALTER TABLE subscribers DROP COLUMN weekly_cap`);
  }
}
