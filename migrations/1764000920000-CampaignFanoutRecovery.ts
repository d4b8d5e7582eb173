import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A campaign whose fan-out cannot go on becomes `failed` (with when and why) instead of staying
 * `running` forever; `POST /v1/campaigns/{id}/resume` continues it from its cursor.
 *
 * - `fanout_attempt`: which fan-out job is the current one. Every restart (recovery, resume) makes a
 *   job with a fresh id (`fanout-<id>-<attempt>`; attempt 0 keeps the old `fanout-<id>`), because
 *   BullMQ ignores a job added with the id of a failed or kept completed job.
 * - `fanout_restarts`, `fanout_restart_cursor`: restarts since the cursor last moved, so a fan-out
 *   that dies every time without progress fails instead of being restarted forever.
 */
export class CampaignFanoutRecovery1764000920000 implements MigrationInterface {
  name = 'CampaignFanoutRecovery1764000920000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE campaigns DROP CONSTRAINT campaigns_status_check`);
    await q.query(`
      ALTER TABLE campaigns
        ADD CONSTRAINT campaigns_status_check
          CHECK (status IN ('scheduled', 'running', 'sent', 'cancelled', 'failed')),
        ADD COLUMN fanout_attempt integer NOT NULL DEFAULT 0,
        ADD COLUMN fanout_restarts integer NOT NULL DEFAULT 0,
        ADD COLUMN fanout_restart_cursor uuid,
        ADD COLUMN failed_at timestamptz,
        ADD COLUMN failure_reason text,
        ADD CONSTRAINT campaigns_failed_check
          CHECK (status <> 'failed' OR (failed_at IS NOT NULL AND failure_reason IS NOT NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The previous version knows no `failed`: it restarts a running campaign's fan-out itself.
    await q.query(`UPDATE campaigns SET status = 'running' WHERE status = 'failed'`);
    await q.query(`
      ALTER TABLE campaigns
        DROP CONSTRAINT campaigns_failed_check,
        DROP COLUMN failure_reason,
        DROP COLUMN failed_at,
        DROP COLUMN fanout_restart_cursor,
        DROP COLUMN fanout_restarts,
        DROP COLUMN fanout_attempt,
        DROP CONSTRAINT campaigns_status_check`);
    await q.query(`
      ALTER TABLE campaigns
        ADD CONSTRAINT campaigns_status_check
          CHECK (status IN ('scheduled', 'running', 'sent', 'cancelled'))`);
  }
}
