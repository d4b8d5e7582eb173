import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A subscriber's own overall cap: at most this many regular (editorial and promotional) emails in
 * any 7 days, across topics. Null: the marketer's default (OVERALL_WEEKLY_CAP), if any.
 */
export class SubscriberWeeklyCap1764001050000 implements MigrationInterface {
  name = 'SubscriberWeeklyCap1764001050000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE subscribers ADD COLUMN weekly_cap smallint
        CONSTRAINT subscribers_weekly_cap_range CHECK (weekly_cap BETWEEN 1 AND 50)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscribers DROP COLUMN weekly_cap`);
  }
}
