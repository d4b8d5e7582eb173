/**
 * One scheduler pass of a renewal rule over 1,000,000 subscribers.
 *
 * Creates its own database on the local PostgreSQL (BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres), runs the migrations, seeds BENCH_SUBSCRIBERS
 * (default 1,000,000) customers with a renewal date spread over the next year (set-based SQL),
 * ANALYZEs, and puts the renewal rule ("30 days before renewal_date, deadline 14 days before")
 * where yesterday's pass left it. It then times one pass of the real scheduler handler (the
 * ~3,000 renewals whose send day came today get their ledger rows), a second pass (nothing to
 * do), prints EXPLAIN (ANALYZE, BUFFERS) of the due-scan statement, and exits 1 unless the plan
 * range-scans subscriber_dates through its (name, value, subscriber_id) index and reads neither
 * subscribers nor subscriber_dates sequentially. The database is dropped at the end.
 *
 *   npm run bench:schedule
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { redisOptionsFromUrl } from '../src/platform/redis/redis-options';
import { loadConfig } from '../src/platform/config/configuration';
import {
  baseDataSourceOptions,
  runMigrationsLocked,
} from '../src/platform/database/typeorm-options';
import { DueScanService, utcDay } from '../src/programmes/lifecycle/due-scan.service';
import { LifecycleRule } from '../src/programmes/lifecycle/lifecycle-rule.entity';
import { LifecycleScheduler } from '../src/programmes/lifecycle/lifecycle-scheduler';
import { NoticeWriter } from '../src/programmes/lifecycle/notice-writer';
import { adminQuery as admin, databaseUrlFor as dbUrl } from './support/bench-database';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Number(process.env.BENCH_SUBSCRIBERS ?? 1_000_000);
const ZONES = [
  'Europe/Amsterdam',
  'America/New_York',
  'Europe/London',
  'Asia/Tokyo',
  'Australia/Sydney',
];

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  const result = await fn();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${label}: ${ms.toFixed(0)} ms`);
  return result;
}

async function seed(ds: DataSource, today: string): Promise<void> {
  await ds.query(
    `INSERT INTO topics (key, name, kind, allowed_frequencies, default_frequency)
     VALUES ('renewals', 'Renewal reminders', 'notice', '{monthly}', 'monthly')`,
  );
  // A bulk load: the per-row change triggers (which queue rechecks for edits) stay out of it.
  for (const table of ['subscribers', 'subscriber_dates', 'subscriptions'])
    await ds.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
  await timed(`seed ${N} subscribers`, () =>
    ds.query(
      `INSERT INTO subscribers (email, name, locale, timezone, status, is_customer)
       SELECT 'customer' || i || '@example.test', 'Customer ' || i,
              CASE WHEN i % 3 = 0 THEN 'nl' ELSE 'en' END, ($2::text[])[1 + i % $3], 'active', true
         FROM generate_series(1, $1) AS i`,
      [N, ZONES, ZONES.length],
    ),
  );
  // Renewal dates spread evenly over the coming year: about N / 365 per day.
  await timed('seed renewal dates', () =>
    ds.query(
      `INSERT INTO subscriber_dates (subscriber_id, name, value)
       SELECT id, 'renewal_date', $1::date + (abs(hashtext(id::text)) % 365) FROM subscribers`,
      [today],
    ),
  );
  await timed('seed subscriptions', () =>
    ds.query(
      `INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency)
       SELECT s.id, t.id, 'active', 'monthly' FROM subscribers s, topics t WHERE t.key = 'renewals'`,
    ),
  );
  for (const table of ['subscribers', 'subscriber_dates', 'subscriptions'])
    await ds.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
  await timed('ANALYZE', () => ds.query('ANALYZE'));
}

async function main(): Promise<void> {
  const name = `tidings_bench_schedule_${randomBytes(4).toString('hex')}`;
  const prefix = `benchsched${randomBytes(3).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  console.log(`database ${name}`);
  let app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>> | undefined;
  try {
    const migrator = await new DataSource(baseDataSourceOptions(dbUrl(name), 1)).initialize();
    await runMigrationsLocked(migrator);
    const now = new Date();
    const today = utcDay(now);
    await seed(migrator, today);
    await migrator.destroy();

    Logger.overrideLogger(['error']);
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: dbUrl(name),
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      WORKERS_ENABLED: 'false',
      LOG_LEVEL: 'error',
      SECRET_KEY: randomBytes(32).toString('hex'),
    });
    app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
      logger: ['error'],
    });
    const ds = app.get(DataSource);

    const rule = await ds.getRepository(LifecycleRule).save(
      ds.getRepository(LifecycleRule).create({
        key: 'renewal-ahead',
        name: 'Renewal reminder',
        topicId: (await ds.query(`SELECT id FROM topics WHERE key = 'renewals'`))[0].id,
        template: 'notice',
        apologyTemplate: 'apology',
        triggerType: 'date',
        dateName: 'renewal_date',
        offsetDays: -30,
        deadlineDays: -14,
        windowStart: '09:00',
        windowEnd: '17:00',
        content: {
          en: {
            heading: 'Your policy renews on {date}',
            intro: 'It renews automatically; you can change or cancel it until {deadline}.',
            reason: 'You get this because your policy renews on {date}.',
          },
          nl: {
            heading: 'Je polis wordt op {date} verlengd',
            intro: 'Hij wordt automatisch verlengd; aanpassen of opzeggen kan tot {deadline}.',
            reason: 'Je krijgt dit bericht omdat je polis op {date} wordt verlengd.',
          },
        },
        enabled: true,
        cooldownDays: 0,
        description: '',
      }),
    );
    // Yesterday's pass went through renewals 30 days after tomorrow-in-UTC of yesterday.
    const cursorDate = utcDay(now, 30);
    await ds.query(
      `INSERT INTO lifecycle_rule_progress (rule_id, active_since, cursor_date, cursor_id)
       VALUES ($1, $2, $3, 'ffffffff-ffff-ffff-ffff-ffffffffffff')`,
      [rule.id, new Date(now.getTime() - 30 * 86_400_000), cursorDate],
    );
    const [{ due }] = await ds.query(
      `SELECT count(*)::int AS due FROM subscriber_dates WHERE name = 'renewal_date' AND value = $1`,
      [utcDay(now, 31)],
    );

    // The plan of the due-scan statement as the pass will run it (in a transaction rolled back).
    const writer = app.get(NoticeWriter);
    const scanner = app.get(DueScanService);
    const batchSize = config.lifecycle.batchSize;
    const progress = {
      active_since: new Date(now.getTime() - 30 * 86_400_000),
      cursor_date: cursorDate,
      cursor_ts: null,
      cursor_id: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
      scan_date: cursorDate,
      scan_id: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    };
    const { sql, params } = writer.statement(
      rule,
      scanner.dateBandSource(rule, progress, now, batchSize),
      { now, mode: 'band', activeSince: progress.active_since },
    );
    const runner = ds.createQueryRunner();
    await runner.connect();
    let plan: string;
    try {
      await runner.startTransaction();
      const rows = (await runner.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)) as Array<{
        'QUERY PLAN': string;
      }>;
      plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }

    const scheduler = app.get(LifecycleScheduler);
    const first = await timed('scheduler pass (lifecycle-scan)', () => scheduler.scan(now));
    const second = await timed('second pass, same moment (nothing new)', () => scheduler.scan(now));
    const [{ written }] = await ds.query(
      `SELECT count(*)::int AS written FROM outbound_messages WHERE rule_id = $1`,
      [rule.id],
    );
    console.log(
      `renewals due today (send day came): ${due}; pass report: ${JSON.stringify(first)}; ` +
        `second pass: ${JSON.stringify(second)}; ledger rows: ${written}`,
    );
    console.log('\nEXPLAIN (ANALYZE, BUFFERS) of the due-scan statement:\n');
    console.log(plan);

    const problems: string[] = [];
    if (!/Index (Only )?Scan using subscriber_dates_name_value_idx on subscriber_dates/.test(plan))
      problems.push('the plan does not range-scan subscriber_dates_name_value_idx');
    if (/Seq Scan on (subscribers|subscriber_dates)\b/.test(plan))
      problems.push('the plan reads subscribers or subscriber_dates sequentially');
    if (written !== due) problems.push(`expected ${due} ledger rows, found ${written}`);
    if (second.written !== 0) problems.push('the second pass wrote rows');
    if (problems.length) {
      console.error(`\nFAILED: ${problems.join('; ')}`);
      process.exitCode = 1;
    } else {
      console.log('\nOK: index range scan on subscriber_dates, one ledger row per due renewal');
    }
  } finally {
    await app?.close();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    const redis = new Redis(redisOptionsFromUrl(REDIS_URL));
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
