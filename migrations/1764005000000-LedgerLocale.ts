import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A ledger row may fix the locale it is rendered in (`POST /v1/sends` with `locale`); null, as
 * every producer so far writes, means the subscriber's locale at send time. Any language code,
 * as for subscribers (the API accepts only configured ones, LOCALES).
 */
export class LedgerLocale1764005000000 implements MigrationInterface {
  name = 'LedgerLocale1764005000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbound_messages ADD COLUMN locale text
        CONSTRAINT outbound_messages_locale CHECK (locale ~ '^[a-z]{2,3}(-[a-z0-9]{2,8})?$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbound_messages DROP COLUMN locale`);
  }
}
