import { MigrationInterface, QueryRunner } from 'typeorm';

/** Alerts to the marketer (missed deadlines, silent subscribers), delivered by webhook and/or email. */
export class Alerts1764000400000 implements MigrationInterface {
  name = 'Alerts1764000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alerts (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        dedupe_key          text NOT NULL CONSTRAINT alerts_dedupe_key_key UNIQUE,
        kind                text NOT NULL,
        title               text NOT NULL,
        details             jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at          timestamptz NOT NULL DEFAULT now(),
        webhook_delivered_at timestamptz,
        email_delivered_at  timestamptz,
        attempts            integer NOT NULL DEFAULT 0,
        last_error          text
      )`);
    await q.query(`CREATE INDEX alerts_created_idx ON alerts (created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alerts`);
  }
}
