import { Injectable } from '@nestjs/common';
import { OnRedisLoss, RedisLossHandler } from '../../platform/queue/queue-self-check.service';
import { DispatchProcessor } from './dispatch.processor';
import { LedgerService } from './ledger.service';

/**
 * After Redis lost its data, ledger rows whose delivery jobs were lost go back to the dispatcher
 * (`/health` counts them as `rebuilt.ledgerRows`). Rebuilt before the campaigns' fan-outs.
 */
@Injectable()
@OnRedisLoss('ledgerRows', { order: 10 })
export class LedgerRowsAfterRedisLoss implements RedisLossHandler {
  constructor(
    private readonly dispatch: DispatchProcessor,
    private readonly ledger: LedgerService,
  ) {}

  rebuild(): Promise<number> {
    return this.dispatch.rebuildAfterRedisLoss();
  }

  waiting(since: Date): Promise<boolean> {
    return this.ledger.hasQueuedDueBy(since);
  }
}
