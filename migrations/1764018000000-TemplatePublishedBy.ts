import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who published each template version: a console user's email address or an API key's name
 * (as the activity log names them). Null for shipped defaults and versions published before.
 */
export class TemplatePublishedBy1764018000000 implements MigrationInterface {
  name = 'TemplatePublishedBy1764018000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE template_versions ADD COLUMN published_by text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE template_versions DROP COLUMN published_by`);
  }
}
