import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who holds a claim and whether its message reached SMTP.
 *
 * - `claimed_by`: the delivery lease (a worker process) holding a `sending` row. A lease is an id
 *   from `delivery_lease_ids` plus a session-level advisory lock on it, so the dispatcher can tell
 *   at once that the process holding a claim is gone (its lock went with its connection).
 * - `handed_at`: set, after the send-time checks passed once more, right before the message's
 *   SMTP transaction starts. A reclaimed row without it never reached SMTP; one with it may have
 *   been delivered (at most one such row per SMTP connection of a crashed worker).
 */
export class DeliveryHandOver1764000950000 implements MigrationInterface {
  name = 'DeliveryHandOver1764000950000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE outbound_messages ADD COLUMN claimed_by integer, ADD COLUMN handed_at timestamptz`,
    );
    // Positive int4 values: the second key of pg_advisory_lock(int, int) shows up in pg_locks.objid.
    await q.query(`CREATE SEQUENCE delivery_lease_ids AS integer MINVALUE 1 CYCLE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SEQUENCE delivery_lease_ids`);
    await q.query(`ALTER TABLE outbound_messages DROP COLUMN handed_at, DROP COLUMN claimed_by`);
  }
}
