import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read model of src/programmes/content (owner of content_items). Only the content module writes
 * the table; anyone may read the view. A plain projection: PostgreSQL inlines it into the calling
 * statement, so plans and indexes (content_items_topic_published_idx) stay as they were.
 *
 * - `programmes_content_items`: what the digest scheduler picks a digest's items by (topic, kind,
 *   publication, expiry, withdrawal, whether the item goes into digests).
 */
export class ContentReadModels1764001060000 implements MigrationInterface {
  name = 'ContentReadModels1764001060000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW programmes_content_items AS
        SELECT id, topic_id, kind, locale, title, in_digests, published_at, expires_at,
               withdrawn_at
          FROM content_items`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW programmes_content_items`);
  }
}
