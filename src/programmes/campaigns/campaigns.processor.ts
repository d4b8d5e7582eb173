import { WorkerHost } from '@nestjs/bullmq';
import { UnrecoverableError } from 'bullmq';
import { JobName, JobOf, QueueName } from '../../platform/queue/queues';
import { TidingsProcessor } from '../../platform/queue/tidings-processor.decorator';
import { CampaignFanout } from './campaign-fanout.service';
import { CampaignRecovery } from './campaign-recovery.service';
import { fanoutFailure } from './fanout-failure';

/**
 * Runs campaign fan-outs; a rerun of the same job continues from the campaign's cursor. A
 * transient error is retried with backoff; a permanent one, or the last attempt's, fails the
 * campaign (stats, alert, log) so it never stays `running` with nobody working on it.
 */
@TidingsProcessor(QueueName.Campaigns, { concurrency: 2 })
export class CampaignsProcessor extends WorkerHost {
  constructor(
    private readonly fanout: CampaignFanout,
    private readonly recovery: CampaignRecovery,
  ) {
    super();
  }

  async process(job: JobOf<JobName.CampaignFanout>): Promise<{ batches: number; written: number }> {
    switch (job.name) {
      case JobName.CampaignFanout:
        try {
          return await this.fanout.run(job.data.campaignId);
        } catch (err) {
          const failure = fanoutFailure(err, {
            made: job.attemptsMade,
            allowed: job.opts.attempts ?? 1,
          });
          if (!failure.giveUp) throw err;
          await this.recovery.markFailed(job.data.campaignId, failure.reason);
          throw failure.permanent ? new UnrecoverableError(failure.reason) : err;
        }
    }
  }
}
