import { runChaos } from '../support/chaos';
import { createTestDatabase } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';

/**
 * "A crash duplicates at most what was in flight": two worker processes send a 3,000-recipient
 * campaign into a real SMTP server while the worker fanning it out is killed (kill -9) twice and
 * the sending workers ten times, each restarted. Everyone gets it; a message reaches someone twice
 * only if it was inside an SMTP transaction of a killed worker: at most one per SMTP connection
 * per kill. The long version is `npm run bench:chaos`.
 */
describe('Worker crashes during a campaign (two built worker processes, kill -9)', () => {
  it('finishes the campaign: nobody lost, at most one duplicate per SMTP connection per kill', async () => {
    const db = await createTestDatabase();
    try {
      const seed = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);
      const report = await runChaos(
        {
          recipients: 3000,
          workers: 2,
          smtpPoolSize: 2,
          fanoutKills: 2,
          workerKills: 10,
          redisFlushes: 0,
          databaseKills: 0,
          smtpBursts: 0,
          acceptDelayMs: 12,
          seed,
          timeoutMs: 240_000,
        },
        {
          databaseUrl: db.url,
          redisUrl: TEST_REDIS_URL,
          queuePrefix: `t${process.env.TIDINGS_TEST_RUN}-chaos-${process.pid}`,
          log: (line) => process.env.CHAOS_VERBOSE && console.log(line),
        },
      );
      const kills = report.faults.fanoutKills + report.faults.workerKills;
      console.log(
        `chaos (seed ${seed}): ${report.recipients} recipients, ${kills} kills ` +
          `(${report.faults.fanoutKills} of the fan-out), lost ${report.lost}, ` +
          `duplicates ${report.duplicates} (bound ${report.duplicateBound}), ` +
          `API 5xx ${report.http.errors5xx} of ${report.http.requests}, ` +
          `done ${Math.round(report.lastFaultToDoneMs)} ms after the last kill, ${Math.round(report.totalMs / 1000)} s in all`,
      );
      expect(report.done).toBe(true);
      expect(report.faults).toMatchObject({ fanoutKills: 2, workerKills: 10 });
      expect(report.lost).toBe(0);
      expect(report.duplicates).toBeLessThanOrEqual(report.duplicateBound);
      expect(report.http.errors5xx).toBe(0);
    } finally {
      await db.drop();
    }
  }, 300_000);
});
