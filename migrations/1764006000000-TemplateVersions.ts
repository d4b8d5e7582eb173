import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Email templates as managed data (src/messaging/rendering owns both tables): a template has at
 * most one draft and any number of published versions, each kept. `published_version` is the one
 * delivery renders. The files under templates/ are the shipped defaults, imported at start when
 * a key is missing. Ledger rows (src/messaging/delivery owns outbound_messages) record the
 * version they were rendered with.
 */
export class TemplateVersions1764006000000 implements MigrationInterface {
  name = 'TemplateVersions1764006000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE templates (
        key text PRIMARY KEY CONSTRAINT templates_key_format CHECK (key ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
        draft jsonb,
        draft_updated_at timestamptz,
        published_version integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE template_versions (
        template_key text NOT NULL REFERENCES templates (key) ON DELETE CASCADE,
        version integer NOT NULL CONSTRAINT template_versions_positive CHECK (version > 0),
        content jsonb NOT NULL,
        origin text NOT NULL
          CONSTRAINT template_versions_origin CHECK (origin IN ('default', 'draft')),
        published_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (template_key, version)
      )`);
    await q.query(`
      ALTER TABLE templates ADD CONSTRAINT templates_published_version_fk
        FOREIGN KEY (key, published_version) REFERENCES template_versions (template_key, version)
        DEFERRABLE INITIALLY DEFERRED`);
    await q.query(`ALTER TABLE outbound_messages ADD COLUMN template_version integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbound_messages DROP COLUMN template_version`);
    await q.query(`ALTER TABLE templates DROP CONSTRAINT templates_published_version_fk`);
    await q.query(`DROP TABLE template_versions`);
    await q.query(`DROP TABLE templates`);
  }
}
