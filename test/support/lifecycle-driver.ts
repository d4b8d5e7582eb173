import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QueueName } from '../../src/platform/queue/queues';
import { DispatchProcessor } from '../../src/messaging/delivery/dispatch.processor';
import { SchedulerService } from '../../src/platform/scheduler/scheduler.service';
import { ControllableClock } from './controllable-clock';
import { eventually } from './smtp-sink';
import { TestApp } from './test-app';

/**
 * Moves an app through simulated time the way production moves through real time: at each step
 * delayed delivery jobs (retry backoff) come due, the scheduler ticks and the dispatcher runs (as
 * their job schedulers would), then the step waits until delivery has dealt with everything due
 * at that moment.
 */
export class LifecycleDriver {
  constructor(
    private readonly t: TestApp,
    readonly clock: ControllableClock,
  ) {}

  async step(to: Date | string): Promise<void> {
    this.clock.set(to);
    await this.t.app.get<Queue>(getQueueToken(QueueName.Delivery)).promoteJobs();
    // The app's own job scheduler may be ticking right now: wait for it rather than skip.
    await this.t.app.get(SchedulerService).tick(undefined, { waitForLock: true });
    await this.t.app.get(DispatchProcessor).dispatchDue();
    await this.settle();
  }

  /** Nothing due is waiting or being sent. */
  async settle(): Promise<void> {
    await eventually(async () => {
      const [row] = await this.t.dataSource.query(
        `SELECT count(*)::int AS n FROM outbound_messages
          WHERE status = 'sending' OR (status = 'queued' AND send_after <= $1)`,
        [this.clock.now()],
      );
      if (row.n > 0) await this.t.app.get(DispatchProcessor).dispatchDue();
      return row.n === 0;
    }, 30_000);
  }

  /** Steps from the clock's time to `end`, `everyMs` at a time (the end included). */
  async walk(
    end: Date | string,
    everyMs: number,
    each?: (at: Date) => Promise<void>,
  ): Promise<void> {
    const stop = new Date(end).getTime();
    for (let at = this.clock.now().getTime() + everyMs; at <= stop; at += everyMs) {
      await this.step(new Date(at));
      if (each) await each(new Date(at));
    }
  }
}
