import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reports on lifecycle rules: missed deadlines by the time they were detected (the period of a
 * report and the keyset of the missed-deadlines list). The trust audit needs no new index: it
 * range-scans subscriber_dates (name, value, subscriber_id) and looks rows up by primary and
 * unique keys.
 */
export class TrustAudit1764000750000 implements MigrationInterface {
  name = 'TrustAudit1764000750000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX lifecycle_missed_promises_detected_idx ON lifecycle_missed_promises (detected_at, id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX lifecycle_missed_promises_detected_idx`);
  }
}
