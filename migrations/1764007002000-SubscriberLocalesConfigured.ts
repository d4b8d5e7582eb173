import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Locales are configuration (LOCALES), not a list in the schema: a subscriber's locale is any
 * language code; the API accepts only configured ones. `down()` restores nl/en only, which
 * fails while a subscriber has another locale (move them first).
 */
export class SubscriberLocalesConfigured1764007002000 implements MigrationInterface {
  name = 'SubscriberLocalesConfigured1764007002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscribers DROP CONSTRAINT subscribers_locale_check`);
    await q.query(`
      ALTER TABLE subscribers ADD CONSTRAINT subscribers_locale_check
        CHECK (locale ~ '^[a-z]{2,3}(-[a-z0-9]{2,8})?$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscribers DROP CONSTRAINT subscribers_locale_check`);
    await q.query(`
      ALTER TABLE subscribers ADD CONSTRAINT subscribers_locale_check
        CHECK (locale IN ('nl', 'en'))`);
  }
}
