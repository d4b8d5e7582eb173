import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models of src/programmes/lifecycle (owner of lifecycle_rules, lifecycle_rule_progress,
 * lifecycle_recheck and lifecycle_missed_promises), for the trust reports. Only the lifecycle
 * module writes the tables; anyone may read the views. Plain projections: PostgreSQL inlines
 * them into the calling statement, so plans and indexes stay as they were.
 *
 * - `programmes_lifecycle_rules`: what a rule is and when it sends (reports, audit, metrics).
 * - `programmes_lifecycle_rule_progress`: where each rule's forward scan stands (the audit).
 * - `programmes_lifecycle_recheck`: subscribers waiting to be re-evaluated (the audit).
 * - `programmes_lifecycle_missed_promises`: the missed deadlines (reports, metrics).
 */
export class LifecycleReadModels1764001024000 implements MigrationInterface {
  name = 'LifecycleReadModels1764001024000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE VIEW programmes_lifecycle_rules AS
        SELECT id, key, name, topic_id, trigger_type, date_name, offset_days, deadline_days,
               window_start, window_end, enabled, deleted_at
          FROM lifecycle_rules`);
    await q.query(`
      CREATE VIEW programmes_lifecycle_rule_progress AS
        SELECT rule_id, active_since, cursor_date, cursor_id FROM lifecycle_rule_progress`);
    await q.query(`
      CREATE VIEW programmes_lifecycle_recheck AS SELECT subscriber_id FROM lifecycle_recheck`);
    await q.query(`
      CREATE VIEW programmes_lifecycle_missed_promises AS
        SELECT id, rule_id, subscriber_id, message_id, anchor, deadline_at, detected_at, cause,
               last_error, apology_message_id, alerted_at
          FROM lifecycle_missed_promises`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW programmes_lifecycle_missed_promises`);
    await q.query(`DROP VIEW programmes_lifecycle_recheck`);
    await q.query(`DROP VIEW programmes_lifecycle_rule_progress`);
    await q.query(`DROP VIEW programmes_lifecycle_rules`);
  }
}
