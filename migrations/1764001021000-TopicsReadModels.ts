import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read model of src/audience/topics (owner of topics). Only the topics module writes the table;
 * anyone may read the view. A plain projection: PostgreSQL inlines it into the calling
 * statement, so plans and indexes stay as they were.
 *
 * - `audience_topics`: topic keys and names next to subscriptions, consent history, content,
 *   the preference center's topic list, one-click unsubscribe, data export, feedback and reports;
 *   delivery's claim and the ledger listing, the digest scheduler, campaigns, lifecycle and the
 *   watchdog (its evergreen template).
 */
export class TopicsReadModels1764001021000 implements MigrationInterface {
  name = 'TopicsReadModels1764001021000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW audience_topics AS
        SELECT id, key, name, description, kind, allowed_frequencies, default_frequency, is_public,
               prospects_allowed, evergreen_template, archived_at
          FROM topics`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW audience_topics`);
  }
}
