import { InjectQueue, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import { JobName, JobOf, QueueName } from '../../platform/queue/queues';
import { TidingsProcessor } from '../../platform/queue/tidings-processor.decorator';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { DeliveryLease, LIVE_LEASES_SQL } from './delivery-lease';
import { LedgerService } from './ledger.service';

const SCAN_LIMIT = 10_000;
/** A claim that has not reached its hand-over after this long is taken back (always safe). */
const UNHANDED_RECLAIM_SECONDS = 120;

/**
 * PostgreSQL is the source of truth for what must be sent; Redis only carries work in flight.
 * Every few seconds this finds ledger rows that are due but not in the queue — scheduled sends
 * whose time came, retries whose backoff ended, rows written by a process that died before
 * enqueueing, jobs lost with Redis' data, claims of a worker that died — and enqueues them.
 * The atomic claim in the delivery processor makes a duplicate job harmless.
 */
@TidingsProcessor(QueueName.Dispatch, { concurrency: 1 })
export class DispatchProcessor extends WorkerHost {
  private readonly logger = new Logger('Dispatch');
  private readonly delivery: AppConfig['delivery'];
  private readonly possibleDuplicates;

  // Its job scheduler is created and kept alive by JobSchedulers (src/platform/queue).
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Delivery) private readonly deliveryQueue: Queue,
    private readonly ledger: LedgerService,
    private readonly lease: DeliveryLease,
    private readonly clock: Clock,
    metrics: MetricsService,
    config: ConfigService<AppConfig, true>,
  ) {
    super();
    this.possibleDuplicates = metrics.counter(
      'tidings_reclaimed_after_hand_over_total',
      'Messages reclaimed after their worker stopped during the SMTP hand-over (each may arrive twice)',
      [],
    );
    this.delivery = config.get('delivery', { infer: true });
  }

  async process(job: JobOf<JobName.DispatchDue>): Promise<{ enqueued: number; reclaimed: number }> {
    switch (job.name) {
      case JobName.DispatchDue:
        return this.dispatchDue();
    }
  }

  /**
   * Takes back claims whose worker can no longer finish them, and returns them to the queue:
   * - the lease holding the claim is gone (its process died or lost its database connection);
   * - the claim never reached its hand-over within UNHANDED_RECLAIM_SECONDS: safe, because the
   *   hand-over only proceeds while the row is still claimed by the same lease;
   * - anything older than DELIVERY_STALE_AFTER_SECONDS (a worker stuck with its connection open).
   * A row that was handed over may have reached the server: it is logged as a possible duplicate.
   */
  private async reclaim(now: Date): Promise<string[]> {
    const rows = await queryRows<{ id: string; handed: boolean }>(
      this.dataSource,
      `WITH live AS (${LIVE_LEASES_SQL}),
       lost AS (
         SELECT id, handed_at IS NOT NULL AS handed FROM outbound_messages m
          WHERE status = 'sending'
            AND (claimed_at < $2::timestamptz - make_interval(secs => $1)
                 OR (handed_at IS NULL AND claimed_at < $2::timestamptz - make_interval(secs => $3))
                 OR claimed_by NOT IN (SELECT lease FROM live))
          ORDER BY id
            FOR NO KEY UPDATE SKIP LOCKED)
       UPDATE outbound_messages m
          SET status = 'queued', claimed_at = NULL, claimed_by = NULL, handed_at = NULL,
              enqueued_at = NULL, updated_at = now(),
              last_error = CASE WHEN lost.handed
                THEN 'reclaimed: its worker stopped during the SMTP hand-over; it may have been delivered'
                ELSE 'reclaimed: its worker stopped before handing it over' END
         FROM lost WHERE m.id = lost.id
       RETURNING m.id, lost.handed`,
      [
        this.delivery.staleAfterSeconds,
        now,
        Math.min(UNHANDED_RECLAIM_SECONDS, this.delivery.staleAfterSeconds),
      ],
    );
    const handed = rows.filter((r) => r.handed).length;
    if (handed) {
      this.possibleDuplicates.inc(handed);
      this.logger.warn(
        { reclaimed: rows.length, handedOver: handed },
        'Reclaimed messages whose worker stopped during the SMTP hand-over; they may arrive twice',
      );
    }
    return rows.map((r) => r.id);
  }

  async dispatchDue(): Promise<{ enqueued: number; reclaimed: number }> {
    const now = this.clock.now();
    const reclaimed = await this.reclaim(now);
    // With a backlog in the queue, rows enqueued long ago are probably still waiting there; only an
    // empty queue proves they were lost.
    const backlog = await this.deliveryQueue.getJobCountByTypes(
      'waiting',
      'delayed',
      'prioritized',
      'paused',
    );
    // Rows are marked enqueued (with this worker's lease) before their jobs are added; rows marked
    // by a worker that is gone may never have reached Redis, so they are due again.
    const lease = await this.lease.id();
    const due = await queryRows<{ id: string }>(
      this.dataSource,
      `WITH live AS (${LIVE_LEASES_SQL}),
       orphaned AS (
         SELECT lease FROM (SELECT DISTINCT enqueued_by AS lease FROM outbound_messages
                             WHERE status = 'queued' AND enqueued_by IS NOT NULL) e
          WHERE lease NOT IN (SELECT lease FROM live)),
       due AS (
         SELECT id FROM outbound_messages
          WHERE status = 'queued' AND send_after <= $3
            AND (enqueued_at IS NULL OR enqueued_at < send_after
                 OR enqueued_by IN (SELECT lease FROM orphaned)
                 OR ($2 AND enqueued_at < $3::timestamptz - make_interval(secs => $1)))
          ORDER BY send_after
          LIMIT ${SCAN_LIMIT}
          FOR UPDATE SKIP LOCKED)
       UPDATE outbound_messages m SET enqueued_at = $3, enqueued_by = $4 FROM due WHERE m.id = due.id
       RETURNING m.id`,
      [this.delivery.staleAfterSeconds, backlog === 0, now, lease],
    );
    // The statement above already marked the due rows enqueued; a reclaimed row it did not
    // reach (beyond SCAN_LIMIT, or locked) is checked and marked by enqueue().
    const dueIds = due.map((r) => r.id);
    const marked = new Set(dueIds);
    const rest = reclaimed.filter((id) => !marked.has(id));
    if (dueIds.length || rest.length) {
      await this.ledger.enqueueWritten(dueIds);
      await this.ledger.enqueue(rest);
      this.logger.log(
        { enqueued: due.length, reclaimed: reclaimed.length },
        'Dispatched due ledger rows',
      );
    }
    return { enqueued: due.length, reclaimed: reclaimed.length };
  }

  /**
   * After Redis lost its data (QueueSelfCheck): every queued row marked enqueued may have lost its
   * job, delayed retries included. Forgetting the mark makes them due for the dispatcher at once
   * (when their time has come) instead of after DELIVERY_STALE_AFTER_SECONDS; a row whose job did
   * survive is claimed once anyway. Returns how many rows were reset.
   */
  async rebuildAfterRedisLoss(): Promise<number> {
    const [{ n }] = await queryRows<{ n: number }>(
      this.dataSource,
      `WITH reset AS (
         UPDATE outbound_messages SET enqueued_at = NULL
          WHERE status = 'queued' AND enqueued_at IS NOT NULL
          RETURNING 1)
       SELECT count(*)::int AS n FROM reset`,
    );
    await this.dispatchDue();
    this.logger.warn({ reset: n }, 'Re-enqueued ledger rows whose jobs Redis lost');
    return n;
  }
}
