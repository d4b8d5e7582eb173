import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The trust question and the expectations field (src/trust/questions, docs/trust-question.md).
 *
 * - `trust_question_state`: per subscriber, the email that last carried the question. Delivery's
 *   preparer claims it with one conditional upsert, so two workers never both ask one subscriber
 *   in a period.
 * - `trust_question_asks`: one row per email that carried the question, with its one answer
 *   (score 1-5, changeable), the optional comment and whether the address may be shown with it.
 * - `trust_expectations`: "what would you like to hear about?" answers from the preference center.
 */
export class TrustQuestions1764010000000 implements MigrationInterface {
  name = 'TrustQuestions1764010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE trust_question_state (
        subscriber_id uuid PRIMARY KEY,
        message_id uuid NOT NULL,
        asked_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE trust_question_asks (
        message_id uuid PRIMARY KEY,
        subscriber_id uuid NOT NULL,
        topic_id uuid,
        kind text NOT NULL CONSTRAINT trust_question_asks_kind CHECK (kind IN ('editorial', 'notice')),
        asked_at timestamptz NOT NULL,
        score smallint CONSTRAINT trust_question_asks_score CHECK (score BETWEEN 1 AND 5),
        comment text,
        show_address boolean NOT NULL DEFAULT false,
        changes int NOT NULL DEFAULT 0,
        answered_at timestamptz,
        CONSTRAINT trust_question_asks_answered CHECK ((score IS NULL) = (answered_at IS NULL))
      )`);
    await q.query(`CREATE INDEX trust_question_asks_asked_at ON trust_question_asks (asked_at)`);
    await q.query(
      `CREATE INDEX trust_question_asks_subscriber ON trust_question_asks (subscriber_id)`,
    );
    await q.query(`
      CREATE TABLE trust_expectations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        subscriber_id uuid NOT NULL,
        text text NOT NULL,
        normalised text NOT NULL,
        locale text NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE INDEX trust_expectations_created_at ON trust_expectations (created_at, normalised)`,
    );
    await q.query(
      `CREATE INDEX trust_expectations_subscriber ON trust_expectations (subscriber_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE trust_expectations`);
    await q.query(`DROP TABLE trust_question_asks`);
    await q.query(`DROP TABLE trust_question_state`);
  }
}
