import type { INestApplication } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { SchedulerService, TickReport } from '../../src/platform/scheduler/scheduler.service';
import { eventually } from './smtp-sink';

/**
 * Runs a scheduler tick and repeats it while a handler was busy in another tick (the app's own
 * BullMQ-scheduled tick may be running at the same moment), so every handler ran once for `now`.
 */
export async function tick(app: INestApplication, now?: Date): Promise<TickReport> {
  const scheduler = app.get(SchedulerService);
  for (let i = 0; i < 100; i++) {
    const report = await scheduler.tick(now);
    const busy = Object.values(report.handlers).some((h) => h === 'skipped: running elsewhere');
    const failed = Object.entries(report.handlers).find(
      ([, h]) => typeof h === 'object' && 'error' in h,
    );
    if (failed) throw new Error(`Tick handler ${failed[0]} failed: ${JSON.stringify(failed[1])}`);
    if (!busy) return report;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('A tick handler stayed busy');
}

/** Waits until the ledger has nothing due left to send (every due row reached an outcome). */
export async function settled(
  dataSource: DataSource,
  now: Date,
  timeoutMs = 30_000,
): Promise<void> {
  await eventually(async () => {
    const [{ n }] = await dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM outbound_messages
        WHERE status = 'sending' OR (status = 'queued' AND send_after <= $1)`,
      [now],
    );
    return n === 0;
  }, timeoutMs);
}
