import { InjectQueue, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Queue } from 'bullmq';
import { JobName, JobOf, QueueName } from '../common/queue/queues';
import { TidingsProcessor } from '../common/queue/tidings-processor.decorator';
import { AppConfig } from '../config/configuration';
import { SchedulerService, TickReport } from './scheduler.service';

/**
 * A BullMQ job scheduler fires the tick; the work itself is found in PostgreSQL, so a lost tick
 * (Redis flushed, every worker down) is simply caught up by the next one.
 */
@TidingsProcessor(QueueName.Scheduler, { concurrency: 1 })
export class SchedulerProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('Scheduler');

  constructor(
    @InjectQueue(QueueName.Scheduler) private readonly queue: Queue,
    private readonly scheduler: SchedulerService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.get('workers', { infer: true }).enabled) return;
    await this.queue.upsertJobScheduler(
      JobName.SchedulerTick,
      { every: this.config.get('scheduler', { infer: true }).intervalMs },
      { name: JobName.SchedulerTick, data: {}, opts: { removeOnComplete: true, removeOnFail: 50 } },
    );
  }

  async process(job: JobOf<JobName.SchedulerTick>): Promise<TickReport> {
    switch (job.name) {
      case JobName.SchedulerTick: {
        const report = await this.scheduler.tick();
        this.logger.debug({ report }, 'Scheduler tick');
        return report;
      }
    }
  }
}
