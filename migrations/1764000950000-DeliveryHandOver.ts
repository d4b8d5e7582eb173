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
 * - `enqueued_by`: the lease of a worker that marked a row enqueued before adding its job (the
 *   fan-out, the dispatcher, a retry). If that worker died in between, the row is in no queue;
 *   the dispatcher re-enqueues rows whose `enqueued_by` lease is gone.
 * - `campaigns.fanout_lease`: the lease of the worker running a campaign's fan-out, so the
 *   recovery tick sees at once that it died.
 */
export class DeliveryHandOver1764000950000 implements MigrationInterface {
  name = 'DeliveryHandOver1764000950000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE outbound_messages ADD COLUMN claimed_by integer, ADD COLUMN handed_at timestamptz,
                                     ADD COLUMN enqueued_by integer`,
    );
    await q.query(
      `CREATE INDEX outbound_messages_enqueued_by_idx ON outbound_messages (enqueued_by)
        WHERE status = 'queued' AND enqueued_by IS NOT NULL`,
    );
    await q.query(`ALTER TABLE campaigns ADD COLUMN fanout_lease integer`);
    // Positive int4 values: the second key of pg_advisory_lock(int, int) shows up in pg_locks.objid.
    await q.query(`CREATE SEQUENCE delivery_lease_ids AS integer MINVALUE 1 CYCLE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SEQUENCE delivery_lease_ids`);
    await q.query(`ALTER TABLE campaigns DROP COLUMN fanout_lease`);
    await q.query(`DROP INDEX outbound_messages_enqueued_by_idx`);
    await q.query(
      `ALTER TABLE outbound_messages DROP COLUMN enqueued_by, DROP COLUMN handed_at,
                                     DROP COLUMN claimed_by`,
    );
  }
}
