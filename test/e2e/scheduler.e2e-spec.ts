import { Injectable } from '@nestjs/common';
import { SchedulerService } from '../../src/platform/scheduler/scheduler.service';
import { OnSchedulerTick } from '../../src/platform/scheduler/tick-handlers';
import { ControllableClock } from '../support/controllable-clock';
import { createTestApp, TestApp } from '../support/test-app';

const runs: Date[] = [];
let release: () => void = () => undefined;

@Injectable()
class SlowTick {
  @OnSchedulerTick('test-slow', { order: 1000 })
  async run(now: Date): Promise<Record<string, number>> {
    runs.push(now);
    await new Promise<void>((r) => (release = r));
    return { found: 1 };
  }
}

describe('Scheduler tick', () => {
  let t: TestApp;
  const clock = new ControllableClock('2027-01-01T08:00:00Z');

  beforeAll(async () => {
    t = await createTestApp({ workers: false, clock, providers: [SlowTick] });
  });
  afterAll(() => t.close());

  it("runs each handler with the clock's time, once at a time across concurrent ticks", async () => {
    const scheduler = t.app.get(SchedulerService);
    const first = scheduler.tick();
    while (runs.length === 0) await new Promise((r) => setImmediate(r));
    const second = await scheduler.tick();
    expect(second.handlers['test-slow']).toBe('skipped: running elsewhere');
    release();
    expect((await first).handlers['test-slow']).toEqual({ found: 1 });
    expect(runs).toEqual([new Date('2027-01-01T08:00:00Z')]);

    clock.advance(60_000);
    const third = scheduler.tick();
    while (runs.length === 1) await new Promise((r) => setImmediate(r));
    release();
    expect((await third).handlers['test-slow']).toEqual({ found: 1 });
    expect(runs[1]).toEqual(new Date('2027-01-01T08:01:00Z'));
  });
});
