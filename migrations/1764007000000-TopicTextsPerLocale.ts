import { MigrationInterface, QueryRunner } from 'typeorm';

/** audience_topics' columns as TopicsReadModels1764001021000 made them. */
const COLUMNS = `id, key, name, description, kind, allowed_frequencies, default_frequency, is_public,
               prospects_allowed, evergreen_template, archived_at`;

/**
 * Topic names and descriptions per locale (`{"nl": "...", "en": "..."}`). `name` and
 * `description` stay: they hold the default locale's text, which is what every existing topic
 * keeps showing until it gets texts per locale, and what a locale without its own text falls
 * back to. The read model `audience_topics` shows both maps to the pages and emails.
 */
export class TopicTextsPerLocale1764007000000 implements MigrationInterface {
  name = 'TopicTextsPerLocale1764007000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE topics
        ADD COLUMN names jsonb NOT NULL DEFAULT '{}'::jsonb
          CONSTRAINT topics_names_object CHECK (jsonb_typeof(names) = 'object'),
        ADD COLUMN descriptions jsonb NOT NULL DEFAULT '{}'::jsonb
          CONSTRAINT topics_descriptions_object CHECK (jsonb_typeof(descriptions) = 'object')`);
    await q.query(`
      CREATE OR REPLACE VIEW audience_topics AS
        SELECT ${COLUMNS}, names, descriptions FROM topics`);
  }

  async down(q: QueryRunner): Promise<void> {
    // A view keeps its columns: drop it and make it again as 1764001021000 left it.
    await q.query(`DROP VIEW audience_topics`);
    await q.query(`CREATE VIEW audience_topics AS SELECT ${COLUMNS} FROM topics`);
    await q.query(`ALTER TABLE topics DROP COLUMN names, DROP COLUMN descriptions`);
  }
}
