import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../clock';
import { TickHandlers } from './tick-handlers';

export interface TickReport {
  at: Date;
  handlers: Record<
    string,
    Record<string, number> | 'skipped: running elsewhere' | { error: string }
  >;
}

/**
 * Runs every tick handler (`@OnSchedulerTick`) once for the clock's "now", in their order. Each
 * handler runs under a PostgreSQL advisory lock, so when several processes tick at once one does
 * the work and the others skip; correctness never depends on the lock (dedupe keys do that), only
 * efficiency.
 */
@Injectable()
export class SchedulerService {
  private readonly logger = new Logger('Scheduler');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly handlers: TickHandlers,
    private readonly clock: Clock,
  ) {}

  /**
   * `waitForLock`: wait for a handler another process is running instead of skipping it (for
   * callers that need this tick's work done when it returns, like on-demand runs and tests).
   */
  async tick(
    now: Date = this.clock.now(),
    options: { waitForLock?: boolean } = {},
  ): Promise<TickReport> {
    const report: TickReport = { at: now, handlers: {} };
    for (const handler of this.handlers.all()) {
      const runner = this.dataSource.createQueryRunner();
      await runner.connect();
      try {
        // pg_advisory_lock waits and returns once it holds the lock; the try variant answers at once.
        const [{ locked }] = (await runner.query(
          options.waitForLock
            ? `SELECT true AS locked FROM pg_advisory_lock(hashtext($1))`
            : `SELECT pg_try_advisory_lock(hashtext($1)) AS locked`,
          [`tidings:tick:${handler.name}`],
        )) as Array<{ locked: boolean }>;
        if (!locked) {
          report.handlers[handler.name] = 'skipped: running elsewhere';
          continue;
        }
        try {
          report.handlers[handler.name] = (await handler.run(now)) ?? {};
        } catch (err) {
          this.logger.error({ err, handler: handler.name }, 'Tick handler failed');
          report.handlers[handler.name] = { error: (err as Error).message };
        } finally {
          await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [
            `tidings:tick:${handler.name}`,
          ]);
        }
      } finally {
        await runner.release();
      }
    }
    return report;
  }
}
