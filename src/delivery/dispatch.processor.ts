import { InjectQueue, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { JobName, JobOf, QueueName } from '../common/queue/queues';
import { TidingsProcessor } from '../common/queue/tidings-processor.decorator';
import { AppConfig } from '../config/configuration';
import { queryRows } from '../database/sql';
import { LedgerService } from './ledger.service';

const SCAN_LIMIT = 10_000;

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

  // Its job scheduler is created and kept alive by JobSchedulers (src/common/queue).
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Delivery) private readonly deliveryQueue: Queue,
    private readonly ledger: LedgerService,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    super();
    this.delivery = config.get('delivery', { infer: true });
  }

  async process(job: JobOf<JobName.DispatchDue>): Promise<{ enqueued: number; reclaimed: number }> {
    switch (job.name) {
      case JobName.DispatchDue:
        return this.dispatchDue();
    }
  }

  async dispatchDue(): Promise<{ enqueued: number; reclaimed: number }> {
    const stale = this.delivery.staleAfterSeconds;
    const now = this.clock.now();
    // A claim older than the stale limit belongs to a worker that died mid-batch.
    const reclaimed = await queryRows<{ id: string }>(
      this.dataSource,
      `UPDATE outbound_messages
          SET status = 'queued', claimed_at = NULL, enqueued_at = NULL, updated_at = now(),
              last_error = 'reclaimed: the worker holding it stopped before recording an outcome'
        WHERE status = 'sending' AND claimed_at < $2::timestamptz - make_interval(secs => $1)
        RETURNING id`,
      [stale, now],
    );
    // With a backlog in the queue, rows enqueued long ago are probably still waiting there; only an
    // empty queue proves they were lost.
    const backlog = await this.deliveryQueue.getJobCountByTypes(
      'waiting',
      'delayed',
      'prioritized',
      'paused',
    );
    const due = await queryRows<{ id: string }>(
      this.dataSource,
      `WITH due AS (
         SELECT id FROM outbound_messages
          WHERE status = 'queued' AND send_after <= $3
            AND (enqueued_at IS NULL OR enqueued_at < send_after
                 OR ($2 AND enqueued_at < $3::timestamptz - make_interval(secs => $1)))
          ORDER BY send_after
          LIMIT ${SCAN_LIMIT}
          FOR UPDATE SKIP LOCKED)
       UPDATE outbound_messages m SET enqueued_at = $3 FROM due WHERE m.id = due.id
       RETURNING m.id`,
      [stale, backlog === 0, now],
    );
    // The statement above already marked the due rows enqueued; a reclaimed row it did not
    // reach (beyond SCAN_LIMIT, or locked) is checked and marked by enqueue().
    const dueIds = due.map((r) => r.id);
    const marked = new Set(dueIds);
    const rest = reclaimed.map((r) => r.id).filter((id) => !marked.has(id));
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
