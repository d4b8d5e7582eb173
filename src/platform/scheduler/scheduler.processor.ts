import { WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { JobName, JobOf, QueueName } from '../queue/queues';
import { TidingsProcessor } from '../queue/tidings-processor.decorator';
import { SchedulerService, TickReport } from './scheduler.service';

/**
 * A BullMQ job scheduler fires the tick (created and kept alive by JobSchedulers in
 * src/platform/queue); the work itself is found in PostgreSQL, so a lost tick (Redis flushed, every
 * worker down) is simply caught up by the next one.
 */
@TidingsProcessor(QueueName.Scheduler, { concurrency: 1 })
export class SchedulerProcessor extends WorkerHost {
  private readonly logger = new Logger('Scheduler');

  constructor(private readonly scheduler: SchedulerService) {
    super();
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
