import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The data-use purposes a sign-up asked for, kept with the pending request (as its topics are)
 * and granted when the subscriber confirms: the purpose and the wording and version shown.
 */
export class SignupPurposes1764014000000 implements MigrationInterface {
  name = 'SignupPurposes1764014000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signup_requests ADD COLUMN purposes jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE signup_requests DROP COLUMN purposes`);
  }
}
