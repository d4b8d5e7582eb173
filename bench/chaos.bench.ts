/**
 * The long version of test/e2e/chaos.e2e-spec.ts: npm run bench:chaos
 *
 * One campaign (CHAOS_RECIPIENTS, default 20000) through the built API (no workers) and two built
 * worker processes into an in-process SMTP server, while at random moments of its progress:
 * kill -9 of the worker fanning it out (CHAOS_FANOUT_KILLS, default 10) and of a random worker
 * (CHAOS_WORKER_KILLS, default 90), each restarted; FLUSHALL of a Redis of its own
 * (CHAOS_REDIS_FLUSHES, default 5); pg_terminate_backend of every Tidings connection
 * (CHAOS_DATABASE_KILLS, default 5); bursts of 20 SMTP 451 answers (CHAOS_SMTP_BURSTS, default 10).
 * An API reader polls the campaign throughout. Prints lost, duplicates (and per kill, against the
 * promise of at most one per SMTP connection per kill), the API's 5xx count, and the time from
 * the last fault until everything was sent. Exits 1 when a promise was broken.
 * Everything it created (database, Redis, processes) is removed at the end.
 */
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  baseDataSourceOptions,
  runMigrationsLocked,
} from '../src/platform/database/typeorm-options';
import { runChaos } from '../test/support/chaos';
import { startRedisServer } from '../test/support/redis-server';
import { adminQuery, databaseUrlFor } from './support/bench-database';

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

async function main(): Promise<void> {
  const run = `${process.pid}${randomBytes(2).toString('hex')}`;
  const name = `tidings_bench_chaos_${run}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const databaseUrl = databaseUrlFor(name);
  const ds = await new DataSource(baseDataSourceOptions(databaseUrl, 1)).initialize();
  await runMigrationsLocked(ds);
  await ds.destroy();
  const redis = await startRedisServer();
  const seed = num('CHAOS_SEED', Date.now() % 100_000);
  const plan = {
    recipients: num('CHAOS_RECIPIENTS', 20_000),
    workers: 2,
    smtpPoolSize: num('CHAOS_SMTP_POOL', 2),
    fanoutKills: num('CHAOS_FANOUT_KILLS', 10),
    workerKills: num('CHAOS_WORKER_KILLS', 90),
    redisFlushes: num('CHAOS_REDIS_FLUSHES', 5),
    databaseKills: num('CHAOS_DATABASE_KILLS', 5),
    smtpBursts: num('CHAOS_SMTP_BURSTS', 10),
    acceptDelayMs: num('CHAOS_ACCEPT_DELAY_MS', 60),
    seed,
    timeoutMs: num('CHAOS_TIMEOUT_MS', 1_800_000),
  };
  console.log(`bench:chaos seed ${seed}: ${JSON.stringify(plan)}`);
  try {
    const r = await runChaos(plan, {
      databaseUrl,
      redisUrl: redis.url,
      queuePrefix: 'chaos',
      flushRedis: () => redis.flushAll(),
      log: (line) => console.log(`  ${new Date().toISOString()} ${line}`),
    });
    const kills = r.faults.fanoutKills + r.faults.workerKills;
    const cuts = kills + r.faults.databaseKills;
    console.log('');
    console.log(`recipients                  ${r.recipients}`);
    console.log(
      `faults                      ${kills} kills (${r.faults.fanoutKills} of the fan-out), ` +
        `${r.faults.redisFlushes} Redis flushes, ${r.faults.databaseKills} database connection kills, ` +
        `${r.faults.smtpBursts} SMTP 4xx bursts`,
    );
    console.log(`lost                        ${r.lost}`);
    console.log(
      `duplicates                  ${r.duplicates} (${cuts ? (r.duplicates / cuts).toFixed(2) : 0} per kill; ` +
        `promise: at most ${plan.smtpPoolSize} per worker kill, ${plan.smtpPoolSize * plan.workers} per database kill, bound ${r.duplicateBound})`,
    );
    console.log(`API 5xx                     ${r.http.errors5xx} of ${r.http.requests} requests`);
    console.log(
      `last fault → all sent       ${r.done ? `${(r.lastFaultToDoneMs / 1000).toFixed(1)} s` : 'NOT DONE'}`,
    );
    console.log(`total                       ${(r.totalMs / 1000).toFixed(0)} s`);
    const ok = r.done && r.lost === 0 && r.duplicates <= r.duplicateBound && r.http.errors5xx === 0;
    console.log(ok ? 'PASS' : 'FAIL');
    if (!ok) process.exitCode = 1;
  } finally {
    await redis.stop();
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
