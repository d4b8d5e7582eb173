import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read model of src/audience/suppressions (owner of suppressions). Only the suppressions module
 * writes the table; anyone may read the view. A plain projection: PostgreSQL inlines it.
 *
 * - `audience_suppressions`: the keyed address hash (compare it with
 *   `SuppressionsService.sqlHash`) and the reason, for the trust audit, the metrics and
 *   delivery's hand-over.
 */
export class SuppressionsReadModels1764001023000 implements MigrationInterface {
  name = 'SuppressionsReadModels1764001023000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW audience_suppressions AS SELECT address_hash, reason FROM suppressions`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW audience_suppressions`);
  }
}
