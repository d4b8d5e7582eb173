import { WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { JobName, JobOf, QueueName } from '../../platform/queue/queues';
import { TidingsProcessor } from '../../platform/queue/tidings-processor.decorator';
import { WebhookDispatcher } from './webhook-dispatcher.service';

/**
 * A BullMQ job scheduler (JobSchedulers, every WEBHOOK_INTERVAL_MS) runs the dispatcher; the
 * work is found in PostgreSQL, so a lost job is caught up by the next one.
 */
@TidingsProcessor(QueueName.Webhooks, { concurrency: 1 })
export class WebhooksOutProcessor extends WorkerHost {
  private readonly logger = new Logger('WebhooksOut');

  constructor(private readonly dispatcher: WebhookDispatcher) {
    super();
  }

  async process(job: JobOf<JobName.WebhooksRun>): Promise<unknown> {
    switch (job.name) {
      case JobName.WebhooksRun: {
        const report = await this.dispatcher.run();
        if (report.handedOn || report.attempted) this.logger.debug({ report }, 'Webhooks out');
        return report;
      }
    }
  }
}
