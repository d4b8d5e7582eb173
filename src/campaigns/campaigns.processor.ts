import { WorkerHost } from '@nestjs/bullmq';
import { JobName, JobOf, QueueName } from '../common/queue/queues';
import { TidingsProcessor } from '../common/queue/tidings-processor.decorator';
import { CampaignFanout } from './campaign-fanout.service';

/** Runs campaign fan-outs; a rerun of the same job continues from the campaign's cursor. */
@TidingsProcessor(QueueName.Campaigns, { concurrency: 2 })
export class CampaignsProcessor extends WorkerHost {
  constructor(private readonly fanout: CampaignFanout) {
    super();
  }

  async process(job: JobOf<JobName.CampaignFanout>): Promise<{ batches: number; written: number }> {
    switch (job.name) {
      case JobName.CampaignFanout:
        return this.fanout.run(job.data.campaignId);
    }
  }
}
