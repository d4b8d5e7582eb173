import { Injectable } from '@nestjs/common';
import { OnRedisLoss, RedisLossHandler } from '../../platform/queue/queue-self-check.service';
import { CampaignRecovery } from './campaign-recovery.service';

/** After Redis lost its data, every running campaign whose fan-out job is gone gets a new one. */
@Injectable()
@OnRedisLoss('campaigns', { order: 20 })
export class CampaignsAfterRedisLoss implements RedisLossHandler {
  constructor(private readonly recovery: CampaignRecovery) {}

  rebuild(): Promise<number> {
    return this.recovery.recoverRunning();
  }

  waiting(since: Date): Promise<boolean> {
    return this.recovery.hasSilentSince(since);
  }
}
