/**
 * One campaign end to end, measured: npm run bench:campaign
 *
 * For each audience size (BENCH_SIZES, default 10000,100000) it creates a database on the local
 * PostgreSQL, migrates and seeds it (subscribers across topics, time zones and frequencies),
 * starts the built API (no workers) and one built worker process (node dist/src/worker.js),
 * publishes a ~20 KB content item through the API and sends it as a campaign. The worker's SMTP
 * goes to an in-process smtp-server that accepts and discards. Measured: time to the first
 * message, total time, the sustained rate (10% → 90% of the messages), the worker's peak RSS
 * (VmHWM) and the peak Redis memory of the run's queue keys. Then, on the same sink, the ceiling:
 * a plain pooled nodemailer transport (same connections, TCP_NODELAY) in its own process sending
 * one pre-built message repeatedly. Exits 1 when a target is missed. Everything it created
 * (databases, Redis keys, processes) is removed at the end.
 *
 * BENCH_SIZES=2000,10000 npm run bench:campaign     (a quicker run)
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer, AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';
import { DataSource } from 'typeorm';
import {
  baseDataSourceOptions,
  runMigrationsLocked,
} from '../src/platform/database/typeorm-options';

const ROOT = resolve(__dirname, '..');
const PG_ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const POOL = Number(process.env.BENCH_SMTP_POOL ?? 5);
const CEILING_MESSAGES = Number(process.env.BENCH_CEILING_MESSAGES ?? 10000);
const RUN = `${process.pid}${randomBytes(2).toString('hex')}`;

interface Sink {
  port: number;
  count: number;
  bytes: number;
  times: number[];
  firstRaw: Buffer | null;
  close(): Promise<void>;
}

/** Accepts and discards; remembers arrival times and keeps the first message (for the ceiling). */
async function startSink(): Promise<Sink> {
  const sink: Sink = {
    port: 0,
    count: 0,
    bytes: 0,
    times: [],
    firstRaw: null,
    close: () => new Promise((r) => server.close(() => r())),
  };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    size: 10 * 1024 * 1024,
    onData(stream, _session, callback) {
      const keep = !sink.firstRaw;
      const chunks: Buffer[] = [];
      let bytes = 0;
      stream.on('data', (c: Buffer) => {
        bytes += c.length;
        if (keep) chunks.push(c);
      });
      stream.on('end', () => {
        sink.count += 1;
        sink.bytes += bytes;
        sink.times.push(performance.now());
        if (keep && !sink.firstRaw) sink.firstRaw = Buffer.concat(chunks);
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  sink.port = (server.server.address() as AddressInfo).port;
  return sink;
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Child {
  proc: ChildProcess;
  tail(): string;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

function startNode(args: string[], env: NodeJS.ProcessEnv): Child {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-(Number(process.env.BENCH_LOG_TAIL) || 20_000));
    if (process.env.BENCH_CHILD_LOG) process.stderr.write(d);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const exited = new Promise<void>((r) => proc.once('close', () => r()));
  return {
    proc,
    tail: () => out.slice(-4000),
    async waitFor(pattern, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (proc.exitCode !== null) throw new Error(`process exited early:\n${out.slice(-4000)}`);
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${pattern}:\n${out.slice(-4000)}`);
        await sleep(100);
      }
    },
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await Promise.race([exited, sleep(15_000).then(() => proc.kill('SIGKILL'))]);
      await exited;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU time (user + system) a process has used so far, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function vm(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return kb * 1024;
}

async function redisBytes(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let total = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) {
      const pipe = redis.pipeline();
      for (const k of keys) pipe.memory('USAGE', k);
      for (const [, v] of (await pipe.exec()) ?? []) total += Number(v ?? 0);
    }
  } while (cursor !== '0');
  return total;
}

async function dropKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

/** About 11 KB of article; with the template around it the HTML part is about 20 KB. */
function articleHtml(): string {
  const paragraph = (i: number) =>
    `<p>Paragraph ${i}: we rebuilt the way renewals work so that nobody is surprised by a price ` +
    `they did not expect. You get one notice, thirty days ahead, with the exact amount, what ` +
    `changed since last year and <a href="https://www.example.com/renewals/${i}">what you can do about it</a>. ` +
    `If a cheaper plan fits you better we say so, even when that costs us. <strong>No fine print.</strong></p>`;
  const parts = [`<h2>What changed this month</h2>`];
  for (let i = 1; i <= 20; i++) {
    parts.push(paragraph(i));
    if (i % 5 === 0)
      parts.push(`<ul><li>Point one of ${i}</li><li>Point two</li><li>Point three</li></ul>`);
  }
  return parts.join('\n');
}

async function seed(db: Client, size: number): Promise<{ topicKey: string }> {
  const topicKey = 'bench-news';
  await db.query(`
    INSERT INTO topics (key, name, description, kind, allowed_frequencies, default_frequency)
    VALUES ('bench-news', 'Bench news', 'What changed', 'editorial',
            ARRAY['weekly','biweekly','monthly','quarterly'], 'monthly'),
           ('bench-offers', 'Bench offers', 'Deals', 'promotional', ARRAY['monthly'], 'monthly'),
           ('bench-renewals', 'Renewals', 'Notices', 'notice', ARRAY['monthly'], 'monthly')`);
  await db.query(
    `INSERT INTO subscribers (email, name, locale, timezone, status, is_customer, attributes, confirmed_at)
     SELECT 'bench' || g || '@bench.test', 'Subscriber ' || g,
            CASE WHEN g % 3 = 0 THEN 'nl' ELSE 'en' END,
            (ARRAY['Europe/Amsterdam','UTC','America/New_York','Asia/Tokyo'])[1 + g % 4],
            'active', g % 2 = 0, jsonb_build_object('plan', CASE WHEN g % 5 = 0 THEN 'family' ELSE 'solo' END),
            now() - interval '200 days'
       FROM generate_series(1, $1) g`,
    [size],
  );
  // Everyone is in the news topic at one of four frequencies; one in twenty had their message
  // this period (the campaign folds into their next digest); some are in other topics too.
  await db.query(`
    INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency, next_due_at, created_at)
    SELECT s.id, t.id, 'active', (ARRAY['weekly','biweekly','monthly','quarterly'])[1 + (row_number() OVER ()) % 4],
           CASE WHEN (row_number() OVER ()) % 20 = 0 THEN now() + interval '10 days' ELSE now() - interval '1 day' END,
           now() - interval '200 days'
      FROM subscribers s, topics t WHERE t.key = 'bench-news'`);
  // Their message this period is in the ledger (a subscription that never had one has room).
  await db.query(`
    INSERT INTO outbound_messages (dedupe_key, subscriber_id, topic_id, template, kind, status,
                                   created_at, send_after, sent_at)
    SELECT 'bench-earlier:' || x.id, x.subscriber_id, x.topic_id, 'evergreen', 'editorial', 'sent',
           now() - interval '5 days', now() - interval '5 days', now() - interval '5 days'
      FROM subscriptions x JOIN topics t ON t.id = x.topic_id
     WHERE t.key = 'bench-news' AND x.next_due_at > now()`);
  await db.query(`
    INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency, next_due_at, created_at)
    SELECT s.id, t.id, 'active', 'monthly', now() + interval '3 days', now() - interval '200 days'
      FROM subscribers s, topics t
     WHERE t.key IN ('bench-offers', 'bench-renewals') AND s.is_customer`);
  await db.query('ANALYZE');
  return { topicKey };
}

interface RunResult {
  size: number;
  audience: number;
  sent: number;
  folded: number;
  firstMs: number;
  totalMs: number;
  sustained: number;
  overall: number;
  workerPeakRss: number;
  workerRssAfter: number;
  redisPeak: number;
  avgMessageBytes: number;
  workerCpuMsPerMessage: number;
}

async function runCampaign(size: number, sink: Sink, redis: Redis): Promise<RunResult> {
  const dbName = `tidings_bench_${RUN}_${size}`;
  const admin = new Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${dbName}`;
  const dbUrl = url.toString();
  const prefix = `bench${RUN}-${size}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-bench-'));
  const children: Child[] = [];
  const db = new Client({ connectionString: dbUrl });
  try {
    const ds = await new DataSource(baseDataSourceOptions(dbUrl, 1)).initialize();
    await runMigrationsLocked(ds);
    await ds.destroy();
    await db.connect();
    const seedStart = Date.now();
    const { topicKey } = await seed(db, size);
    log(`  seeded ${size} subscribers in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);

    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl,
      DATABASE_MIGRATIONS_RUN: 'false',
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      SECRET_KEY: 'bench-secret-key-that-is-long-enough-0123456789',
      POSTAL_ADDRESS: 'Bench B.V., Benchstraat 1, 1234 AB Amsterdam',
      PUBLIC_URL: 'https://tidings.bench',
      MAIL_FROM: '"Bench" <news@bench.test>',
      SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
      SMTP_POOL_SIZE: String(POOL),
      ...(process.env.BENCH_DELIVERY_CONCURRENCY
        ? { DELIVERY_CONCURRENCY: process.env.BENCH_DELIVERY_CONCURRENCY }
        : {}),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      // The campaign alone: a scheduler tick during a long run would send the item in digests to
      // those the fan-out has not reached yet (correct, but not what this measures).
      SCHEDULER_INTERVAL_MS: '3600000',
      PORT: String(port),
      HOST: '127.0.0.1',
    };
    const api = startNode(['dist/src/main.js'], { ...env, WORKERS_ENABLED: 'false' });
    children.push(api);
    await api.waitFor(/Tidings is serving/, 60_000);
    const cli = startNode(
      [
        'dist/src/surfaces/cli/apikey.js',
        'create',
        '--name',
        'bench',
        '--scopes',
        'admin',
        '--json',
      ],
      env,
    );
    await cli.waitFor(/"key"\s*:\s*"[^"]+"/, 30_000);
    const key = /"key"\s*:\s*"([^"]+)"/.exec(cli.tail())![1];
    await cli.stop();

    const worker = startNode(
      [
        ...(process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean),
        process.env.BENCH_WORKER_ENTRY ?? 'dist/src/worker.js',
      ],
      env,
    );
    children.push(worker);
    await worker.waitFor(/worker is running/, 60_000);
    const base = `http://127.0.0.1:${port}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(base + path, {
        method,
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const item = await call('POST', '/v1/content-items', {
      topic: topicKey,
      kind: 'editorial',
      title: 'What changed this month',
      summary: 'Renewals without surprises, and what else is new.',
      body: articleHtml(),
      link: 'https://www.example.com/news/this-month',
    });

    const countBefore = sink.count;
    const timesBefore = sink.times.length;
    const bytesBefore = sink.bytes;
    let redisPeak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        redisPeak = Math.max(redisPeak, await redisBytes(redis, prefix));
        await sleep(200);
      }
    })();

    const cpuBefore = cpuMs(worker.proc.pid!);
    const started = performance.now();
    const campaign = await call('POST', '/v1/campaigns', { topic: topicKey, contentItem: item.id });
    let stats: Record<string, number> = {};
    let lastLog = 0;
    for (;;) {
      const c = await call('GET', `/v1/campaigns/${campaign.id as string}`);
      stats = c.stats as Record<string, number>;
      if (performance.now() - lastLog > 5000) {
        lastLog = performance.now();
        log(
          `  ${c.status as string}: fanned out ${stats.fannedOut}/${stats.audienceSize ?? '?'}, sent ${stats.sent}, ` +
            `received ${sink.count - countBefore}, worker RSS ${mb(vm(worker.proc.pid!, 'VmRSS'))}`,
        );
      }
      if (c.status === 'sent' && sink.count - countBefore >= stats.sent) break;
      if (c.status === 'cancelled') throw new Error('campaign was cancelled');
      // Progress is read like a marketer's dashboard would, not in a tight loop that competes
      // with the workers for the database.
      await sleep(2000);
    }
    sampling = false;
    await sampler;
    const workerCpu = cpuMs(worker.proc.pid!) - cpuBefore;
    const workerPeakRss = vm(worker.proc.pid!, 'VmHWM');
    const workerRssAfter = vm(worker.proc.pid!, 'VmRSS');
    const times = sink.times.slice(timesBefore);
    const n = times.length;
    const at = (q: number) => times[Math.min(n - 1, Math.floor(q * (n - 1)))];
    const result: RunResult = {
      size,
      audience: stats.audienceSize,
      sent: stats.sent,
      folded: stats.folded,
      firstMs: times[0] - started,
      totalMs: times[n - 1] - started,
      sustained: (0.8 * (n - 1)) / ((at(0.9) - at(0.1)) / 1000),
      overall: n / ((times[n - 1] - started) / 1000),
      workerPeakRss,
      workerRssAfter,
      redisPeak,
      avgMessageBytes: (sink.bytes - bytesBefore) / n,
      workerCpuMsPerMessage: workerCpu / n,
    };
    if (stats.failed) throw new Error(`${stats.failed} messages failed`);
    return result;
  } finally {
    for (const c of children.reverse()) await c.stop();
    await db.end().catch(() => undefined);
    const admin2 = new Client({ connectionString: PG_ADMIN });
    await admin2.connect();
    await admin2.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin2.end();
    await dropKeys(redis, prefix);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function ceiling(
  sink: Sink,
): Promise<{ rate: number; seconds: number; cpuMsPerMessage: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-ceiling-'));
  try {
    const rawPath = join(dir, 'message.eml');
    writeFileSync(rawPath, sink.firstRaw!);
    if (process.env.BENCH_KEEP_MESSAGE)
      writeFileSync(process.env.BENCH_KEEP_MESSAGE, sink.firstRaw!);
    const child = startNode(
      [
        '-r',
        '@swc-node/register',
        'bench/ceiling-client.ts',
        String(sink.port),
        String(POOL),
        String(CEILING_MESSAGES),
        rawPath,
      ],
      { ...process.env },
    );
    await child.waitFor(/"rate"/, 300_000);
    const line = child
      .tail()
      .split('\n')
      .find((l) => l.includes('"rate"'))!;
    await child.stop();
    return JSON.parse(line) as { rate: number; seconds: number; cpuMsPerMessage: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const log = (line: string) => console.log(line);

async function main(): Promise<void> {
  const sink = await startSink();
  const redis = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const results: Array<RunResult & { ceiling: number; ceilingCpu: number }> = [];
  try {
    for (const size of SIZES) {
      log(`Campaign to ${size} subscribers (${POOL} SMTP connections)`);
      const run = await runCampaign(size, sink, redis);
      // Right after the campaign, so both see the same machine (it is shared and its load varies).
      const top = await ceiling(sink);
      log(`  ceiling right after: ${top.rate.toFixed(0)} msg/s`);
      results.push({ ...run, ceiling: top.rate, ceilingCpu: top.cpuMsPerMessage });
    }

    console.log('');
    console.log(
      'audience  sent    folded  first msg  total    sustained  overall    ceiling    ratio  worker peak RSS  Redis peak  avg message',
    );
    for (const r of results) {
      console.log(
        [
          String(r.audience).padEnd(9),
          String(r.sent).padEnd(7),
          String(r.folded).padEnd(7),
          `${(r.firstMs / 1000).toFixed(2)} s`.padEnd(10),
          `${(r.totalMs / 1000).toFixed(1)} s`.padEnd(8),
          `${r.sustained.toFixed(0)} msg/s`.padEnd(10),
          `${r.overall.toFixed(0)} msg/s`.padEnd(10),
          `${r.ceiling.toFixed(0)} msg/s`.padEnd(10),
          (r.sustained / r.ceiling).toFixed(2).padEnd(6),
          mb(r.workerPeakRss).padEnd(16),
          `${(r.redisPeak / 1024).toFixed(0)} KB`.padEnd(11),
          `${(r.avgMessageBytes / 1024).toFixed(1)} KB`,
        ].join(' '),
      );
    }
    console.log(
      `(sustained: 10% to 90% of the messages; ceiling: pooled nodemailer, ${POOL} connections, TCP_NODELAY, one pre-built message, ${CEILING_MESSAGES} times)`,
    );
    for (const r of results) {
      console.log(
        `CPU per message at ${r.size}: worker ${r.workerCpuMsPerMessage.toFixed(2)} ms (claim, checks, render, MIME, SMTP, outcome, fan-out), ceiling client ${r.ceilingCpu.toFixed(2)} ms`,
      );
    }

    const failures: string[] = [];
    for (const r of results) {
      if (r.sustained < 500)
        failures.push(`${r.size}: sustained ${r.sustained.toFixed(0)} msg/s < 500`);
      if (r.sustained < r.ceiling / 2)
        failures.push(
          `${r.size}: sustained ${r.sustained.toFixed(0)} msg/s < half the ceiling (${(r.ceiling / 2).toFixed(0)})`,
        );
      if (r.workerPeakRss > 300 * 1024 * 1024)
        failures.push(`${r.size}: worker peak RSS ${mb(r.workerPeakRss)} >= 300 MB`);
    }
    if (results.length >= 2) {
      const small = results[0];
      const big = results[results.length - 1];
      const ratio = big.workerPeakRss / small.workerPeakRss;
      console.log(
        `worker peak RSS ${big.size} / ${small.size}: ${ratio.toFixed(2)}x (target <= 1.2x)`,
      );
      const redisRatio = big.redisPeak / small.redisPeak;
      console.log(
        `Redis peak ${big.size} / ${small.size}: ${redisRatio.toFixed(2)}x for ${(big.size / small.size).toFixed(0)}x the audience`,
      );
      if (ratio > 1.2)
        failures.push(`worker RSS grew ${ratio.toFixed(2)}x from ${small.size} to ${big.size}`);
      if (redisRatio > 2)
        failures.push(`Redis memory grew ${redisRatio.toFixed(2)}x with the audience`);
    }
    if (failures.length) {
      console.log(`FAIL:\n  ${failures.join('\n  ')}`);
      process.exitCode = 1;
    } else {
      console.log('PASS: every target met');
    }
  } finally {
    await sink.close();
    redis.disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
