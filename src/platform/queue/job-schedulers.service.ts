import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Queue } from 'bullmq';
import { AppConfig } from '../config/configuration';
import { JobName, QueueName } from './queues';

interface ScheduledJob {
  queue: Queue;
  id: JobName.DispatchDue | JobName.SchedulerTick | JobName.WebhooksRun;
  every: number;
}

const SCHEDULED_JOB_OPTIONS = { removeOnComplete: true, removeOnFail: 50 } as const;

/**
 * The application's BullMQ job schedulers, in one list: the dispatcher, the scheduler tick and
 * webhooks out.
 * They live in Redis only, so a Redis that lost its data has none; QueueSelfCheck calls `ensure()`
 * on every check in every process, API or worker, instead of each processor creating its own
 * once at start.
 */
@Injectable()
export class JobSchedulers {
  private readonly logger = new Logger('JobSchedulers');
  private readonly schedulers: ScheduledJob[];

  constructor(
    @InjectQueue(QueueName.Dispatch) dispatch: Queue,
    @InjectQueue(QueueName.Scheduler) scheduler: Queue,
    @InjectQueue(QueueName.Webhooks) webhooks: Queue,
    config: ConfigService<AppConfig, true>,
  ) {
    this.schedulers = [
      {
        queue: dispatch,
        id: JobName.DispatchDue,
        every: config.get('delivery', { infer: true }).dispatchIntervalMs,
      },
      {
        queue: scheduler,
        id: JobName.SchedulerTick,
        every: config.get('scheduler', { infer: true }).intervalMs,
      },
      {
        queue: webhooks,
        id: JobName.WebhooksRun,
        every: config.get('webhooksOut', { infer: true }).intervalMs,
      },
    ];
  }

  get count(): number {
    return this.schedulers.length;
  }

  /**
   * Creates the schedulers that are missing; with `all`, writes every one (a worker starting
   * applies its configured intervals, as before). A new `every` scheduler runs its first job at
   * once, so a re-created dispatcher and tick catch up immediately. Returns the ids written.
   */
  async ensure(options: { all?: boolean } = {}): Promise<string[]> {
    const written: string[] = [];
    for (const s of this.schedulers) {
      if (!options.all && (await s.queue.getJobScheduler(s.id))) continue;
      // Idempotent across processes: two processes writing the same scheduler leave one.
      await s.queue.upsertJobScheduler(
        s.id,
        { every: s.every },
        { name: s.id, data: {}, opts: SCHEDULED_JOB_OPTIONS },
      );
      written.push(s.id);
    }
    if (written.length && !options.all) {
      this.logger.warn({ schedulers: written }, 'Job schedulers were missing in Redis; re-created');
    }
    return written;
  }
}
