import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read model of src/audience/consent for the trust-by-kind report: the preference changes a
 * subscriber made (how often, or leaving), with the frequencies from the event's details. Only
 * the consent module writes consent_events; anyone may read the view. A plain projection:
 * PostgreSQL inlines it, and the partial index below serves the month scan of the preference
 * center's changes.
 *
 * - `audience_preference_changes`: `frequency_change` (`frequency`, `previous_frequency`) and
 *   `opt_out` events (`frequency`: the one the subscription had; null when leaving everything).
 */
export class ConsentPreferenceChanges1764009000000 implements MigrationInterface {
  name = 'ConsentPreferenceChanges1764009000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW audience_preference_changes AS
        SELECT subscriber_id, topic_id, action, source, details->>'frequency' AS frequency,
               details->>'previousFrequency' AS previous_frequency, occurred_at
          FROM consent_events
         WHERE action IN ('frequency_change', 'opt_out')`);
    await q.query(
      `CREATE INDEX consent_events_preference_center_idx ON consent_events (occurred_at)
        WHERE source = 'preference_center' AND action IN ('frequency_change', 'opt_out')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX consent_events_preference_center_idx`);
    await q.query(`DROP VIEW audience_preference_changes`);
  }
}
