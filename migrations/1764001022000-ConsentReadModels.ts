import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read model of src/audience/consent (owner of consent_events): the facts of each consent event
 * without its wording and details. Only the consent module writes the table; anyone may read the
 * view. A plain projection: PostgreSQL inlines it (the partial index on opt-outs still serves).
 *
 * - `audience_consent_events`: opt-outs for the reports' attribution and the metrics.
 */
export class ConsentReadModels1764001022000 implements MigrationInterface {
  name = 'ConsentReadModels1764001022000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW audience_consent_events AS
        SELECT subscriber_id, topic_id, action, source, occurred_at FROM consent_events`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW audience_consent_events`);
  }
}
