import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The suppression list newest first (GET /v1/suppressions), a keyset page over
 * (created_at, address_hash) read from this index instead of sorting the whole list.
 */
export class SuppressionsByTime1764020000000 implements MigrationInterface {
  name = 'SuppressionsByTime1764020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX suppressions_created_idx ON suppressions (created_at DESC, address_hash DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX suppressions_created_idx`);
  }
}
