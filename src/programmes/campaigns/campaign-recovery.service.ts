import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { AlertsService } from '../../messaging/alerts/alerts.service';
import { Clock } from '../../platform/clock';
import { ConflictError, NotFoundError } from '../../platform/errors/domain-errors';
import { isUuid } from '../../platform/ids';
import { JobName, JobPayloads, QueueName } from '../../platform/queue/queues';
import { queryRows } from '../../platform/database/sql';
import { LIVE_LEASES_SQL } from '../../messaging/delivery/delivery-lease';
import { OnSchedulerTick } from '../../platform/scheduler/tick-handlers';
import { Campaign } from './campaign.entity';

export const FANOUT_JOB_OPTIONS = {
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
  attempts: 10,
  backoff: { type: 'exponential', delay: 2000 },
} as const;

/** A running campaign whose fan-out reported nothing for this long is checked on the tick. */
const STALE_AFTER = '2 minutes';

/** Restarts without the cursor moving after which the fan-out counts as unable to go on. */
export const MAX_RESTARTS_WITHOUT_PROGRESS = 5;

/** Job states in which the fan-out job runs or will run by itself. */
const LIVE_STATES = new Set(['active', 'waiting', 'waiting-children', 'delayed', 'prioritized']);

/**
 * The fan-out job of a campaign's attempt. Every restart gets a fresh id: BullMQ silently ignores
 * a job added with the id of a failed job (kept for 7 days) or of a completed job it keeps.
 * Attempt 0 keeps the id earlier versions used, so their jobs are recognised.
 */
export function fanoutJobId(campaignId: string, attempt: number): string {
  return attempt === 0 ? `fanout-${campaignId}` : `fanout-${campaignId}-${attempt}`;
}

interface RunningRow {
  id: string;
  name: string;
  fanout_attempt: number;
  /** The worker that ran the fan-out is gone (its delivery lease is no longer held). */
  lease_gone?: boolean;
}

type Recovery = 'alive' | 'restarted' | 'failed' | 'gone';

/**
 * Keeps campaign fan-outs going whatever happens to their jobs: starts scheduled campaigns,
 * restarts a fan-out whose job is gone, failed (a worker killed twice: "stalled more than
 * allowable limit") or completed without finishing, marks a campaign `failed` (with an alert) when
 * its fan-out cannot go on, and resumes a failed one. PostgreSQL holds the state (status, cursor,
 * attempt); Redis only the current job.
 */
@Injectable()
export class CampaignRecovery {
  private readonly logger = new Logger('CampaignRecovery');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Campaigns)
    private readonly queue: Queue<JobPayloads[JobName.CampaignFanout]>,
    private readonly alerts: AlertsService,
    private readonly clock: Clock,
  ) {}

  async enqueue(campaignId: string, attempt: number): Promise<void> {
    await this.queue.add(
      JobName.CampaignFanout,
      { campaignId },
      { ...FANOUT_JOB_OPTIONS, jobId: fanoutJobId(campaignId, attempt) },
    );
  }

  /**
   * The scheduler tick: scheduled campaigns whose time came start; running ones whose fan-out
   * stopped reporting get their job checked and, when it will not run again, a new one that
   * continues from the cursor.
   */
  @OnSchedulerTick('campaigns', { order: 30 })
  async startDue(now: Date): Promise<{ started: number; resumed: number; failed: number }> {
    const started = await queryRows<{ id: string; fanout_attempt: number }>(
      this.dataSource,
      `UPDATE campaigns SET status = 'running', started_at = $1, heartbeat_at = $1, updated_at = now()
        WHERE status = 'scheduled' AND send_at <= $1
        RETURNING id, fanout_attempt`,
      [now],
    );
    for (const c of started) await this.enqueue(c.id, c.fanout_attempt);
    // A fan-out whose worker died (its lease is gone) is restarted on the next tick; its job
    // would only come back after BullMQ's lock expired and a stall check ran (30-60 s).
    const stale = await queryRows<RunningRow>(
      this.dataSource,
      `WITH live AS (${LIVE_LEASES_SQL})
       SELECT id, name, fanout_attempt,
              fanout_lease IS NOT NULL AND fanout_lease NOT IN (SELECT lease FROM live) AS lease_gone
         FROM campaigns
        WHERE status = 'running'
          AND (heartbeat_at IS NULL OR heartbeat_at < $1::timestamptz - interval '${STALE_AFTER}'
               OR (fanout_lease IS NOT NULL AND fanout_lease NOT IN (SELECT lease FROM live)))`,
      [now],
    );
    const outcomes = await this.recoverEach(stale, 'its fan-out stopped reporting');
    return { started: started.length, resumed: outcomes.restarted, failed: outcomes.failed };
  }

  /** After Redis lost its data: every running campaign whose job is gone gets a new one. */
  async recoverRunning(): Promise<number> {
    const running = await queryRows<RunningRow>(
      this.dataSource,
      `SELECT id, name, fanout_attempt FROM campaigns WHERE status = 'running'`,
    );
    return (await this.recoverEach(running, 'Redis lost its data')).restarted;
  }

  /** Whether a campaign running at `since` has not written a batch (or beat) since. */
  async hasSilentSince(since: Date): Promise<boolean> {
    const [{ silent }] = await queryRows<{ silent: boolean }>(
      this.dataSource,
      `SELECT EXISTS (SELECT 1 FROM campaigns
                       WHERE status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $1)) AS silent`,
      [since],
    );
    return silent;
  }

  /**
   * The fan-out cannot go on: the campaign becomes `failed` with the reason, the marketer is
   * alerted (once per attempt) and the rows already written still go out. Returns false when the
   * campaign was not running (cancelled meanwhile, or already failed).
   */
  async markFailed(campaignId: string, reason: string): Promise<boolean> {
    const now = this.clock.now();
    const [row] = await queryRows<{
      name: string;
      fanout_attempt: number;
      fanned_out: number;
      audience_size: number | null;
    }>(
      this.dataSource,
      `UPDATE campaigns SET status = 'failed', failed_at = $2, failure_reason = $3, updated_at = now()
        WHERE id = $1 AND status = 'running'
        RETURNING name, fanout_attempt, fanned_out, audience_size`,
      [campaignId, now, reason.slice(0, 2000)],
    );
    if (!row) return false;
    this.logger.error(
      { campaignId, attempt: row.fanout_attempt, fannedOut: row.fanned_out, reason },
      'Campaign failed: its fan-out cannot go on',
    );
    try {
      await this.alerts.raise({
        dedupeKey: `campaign-failed:${campaignId}:${row.fanout_attempt}`,
        kind: 'campaign_failed',
        title: `Campaign "${row.name}" stopped after ${row.fanned_out} of ${row.audience_size ?? '?'} subscribers`,
        details: {
          campaignId,
          reason,
          fannedOut: row.fanned_out,
          audienceSize: row.audience_size,
          resume: `POST /v1/campaigns/${campaignId}/resume`,
        },
      });
    } catch (err) {
      // The campaign is failed either way (GET /v1/campaigns/:id says why).
      this.logger.error({ err, campaignId }, 'Could not record the campaign-failed alert');
    }
    return true;
  }

  /** A failed campaign goes back to running; a new fan-out job continues from the cursor. */
  async resume(id: string): Promise<void> {
    const now = this.clock.now();
    const attempt = await this.dataSource.transaction(async (manager) => {
      const campaign = isUuid(id)
        ? await manager.findOne(Campaign, { where: { id }, lock: { mode: 'pessimistic_write' } })
        : null;
      if (!campaign) throw new NotFoundError(`Campaign ${id} not found`, 'id');
      if (campaign.status !== 'failed') {
        throw new ConflictError(
          `Campaign ${id} is ${campaign.status}; only a failed campaign can be resumed`,
          'id',
          'campaign_not_failed',
        );
      }
      const [row] = await queryRows<{ fanout_attempt: number }>(
        manager,
        `UPDATE campaigns
            SET status = 'running', failed_at = NULL, failure_reason = NULL, heartbeat_at = $2,
                fanout_attempt = fanout_attempt + 1, fanout_restarts = 0,
                fanout_restart_cursor = NULL, updated_at = now()
          WHERE id = $1
          RETURNING fanout_attempt`,
        [id, now],
      );
      return row.fanout_attempt;
    });
    this.logger.log({ campaignId: id, attempt }, 'Campaign resumed from its cursor');
    try {
      await this.enqueue(id, attempt);
    } catch (err) {
      // It is running in PostgreSQL: the tick restarts its fan-out once it is stale.
      this.logger.warn({ err, campaignId: id }, 'Could not enqueue the resumed fan-out yet');
    }
  }

  private async recoverEach(
    campaigns: RunningRow[],
    why: string,
  ): Promise<Record<Recovery, number>> {
    const counts: Record<Recovery, number> = { alive: 0, restarted: 0, failed: 0, gone: 0 };
    for (const c of campaigns) counts[await this.recover(c, why)] += 1;
    return counts;
  }

  /**
   * Looks at the job of the campaign's current attempt: a job that runs or will run is left
   * alone; otherwise the attempt number moves on (compare-and-set, so two recoverers make one
   * job) and a job with the new id continues from the cursor.
   */
  private async recover(c: RunningRow, why: string): Promise<Recovery> {
    const job = await this.queue.getJob(fanoutJobId(c.id, c.fanout_attempt));
    const state = job ? await job.getState() : 'missing';
    // An active job whose worker is gone only looks alive until BullMQ notices the stall.
    const dead = state === 'active' && c.lease_gone;
    if (LIVE_STATES.has(state) && !dead) return 'alive';
    const found = dead
      ? 'the worker running it stopped'
      : state === 'failed'
        ? `its job failed: ${job?.failedReason ?? 'no reason recorded'}`
        : state === 'completed'
          ? 'its job completed before the campaign was fanned out'
          : 'its job is missing from Redis';
    const [next] = await queryRows<{ fanout_attempt: number; fanout_restarts: number }>(
      this.dataSource,
      `UPDATE campaigns
          SET fanout_attempt = fanout_attempt + 1,
              fanout_restarts = CASE WHEN fanout_cursor IS NOT DISTINCT FROM fanout_restart_cursor
                                     THEN fanout_restarts + 1 ELSE 1 END,
              fanout_restart_cursor = fanout_cursor, fanout_lease = NULL, updated_at = now()
        WHERE id = $1 AND status = 'running' AND fanout_attempt = $2
        RETURNING fanout_attempt, fanout_restarts`,
      [c.id, c.fanout_attempt],
    );
    if (!next) return 'gone'; // finished, cancelled or restarted by another process meanwhile
    if (next.fanout_restarts > MAX_RESTARTS_WITHOUT_PROGRESS) {
      await this.markFailed(
        c.id,
        `the fan-out stopped ${next.fanout_restarts} times without progress (last: ${found})`,
      );
      return 'failed';
    }
    await this.enqueue(c.id, next.fanout_attempt);
    this.logger.warn(
      { campaignId: c.id, attempt: next.fanout_attempt, state, why },
      `Restarted a campaign fan-out from its cursor: ${found}`,
    );
    return 'restarted';
  }
}
