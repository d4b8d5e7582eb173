import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { findFreePort } from '../../src/platform/net';
import { builtEntry, isolatedEnv, RunningProcess, runNode, startNode } from './child-processes';
import { SmtpSink } from './smtp-sink';

/** What to break, and how much, while one campaign goes out. */
export interface ChaosPlan {
  recipients: number;
  /** Worker processes (node dist/src/worker.js) running at any time. */
  workers: number;
  smtpPoolSize: number;
  /** kill -9 of the worker running the campaign's fan-out (it is restarted). */
  fanoutKills: number;
  /** kill -9 of a random worker while messages go out (it is restarted). */
  workerKills: number;
  /** FLUSHALL of the (dedicated) Redis. */
  redisFlushes: number;
  /** pg_terminate_backend of every connection of the API and the workers. */
  databaseKills: number;
  /** 20 temporary SMTP failures (451) in a row. */
  smtpBursts: number;
  /** The SMTP server takes this long per message (keeps the campaign running long enough). */
  acceptDelayMs: number;
  seed: number;
  timeoutMs: number;
}

export interface ChaosEnvironment {
  /** A migrated, empty database. */
  databaseUrl: string;
  redisUrl: string;
  queuePrefix: string;
  /** Required when the plan flushes Redis: never the shared server. */
  flushRedis?: () => Promise<void>;
  log?: (line: string) => void;
}

export interface ChaosReport {
  recipients: number;
  received: number;
  lost: number;
  /** Messages received more than once (same Message-ID). */
  duplicates: number;
  faults: {
    fanoutKills: number;
    workerKills: number;
    redisFlushes: number;
    databaseKills: number;
    smtpBursts: number;
  };
  /** At most one duplicate per SMTP connection per kill (a database kill cuts every worker's). */
  duplicateBound: number;
  http: { requests: number; errors5xx: number; statuses: Record<string, number> };
  lastFaultToDoneMs: number;
  totalMs: number;
  done: boolean;
}

type FaultKind = 'fanoutKill' | 'workerKill' | 'redisFlush' | 'databaseKill' | 'smtpBurst';

/** A small seeded generator, so a run can be repeated (the seed is printed). */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const READY = /Tidings worker is running \(no HTTP\)/;
const BOOT_MS = 60_000;

/**
 * One campaign to `recipients` people through real processes (the built API without workers, and
 * `workers` built worker processes) into an in-process SMTP server, while faults happen at random
 * moments of its progress. Returns what arrived: lost, duplicates, and how long after the last
 * fault everything was sent. Used by test/e2e/chaos.e2e-spec.ts (short) and bench/chaos.bench.ts
 * (long).
 */
export async function runChaos(plan: ChaosPlan, env: ChaosEnvironment): Promise<ChaosReport> {
  const log = env.log ?? (() => undefined);
  const rand = random(plan.seed);
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-chaos-'));
  const sink = await new SmtpSink().start();
  sink.acceptDelayMs = plan.acceptDelayMs;
  const db = new Client({ connectionString: env.databaseUrl });
  await db.connect();
  const processes = new Set<RunningProcess>();
  const http = { requests: 0, errors5xx: 0, statuses: {} as Record<string, number> };
  const faults = {
    fanoutKills: 0,
    workerKills: 0,
    redisFlushes: 0,
    databaseKills: 0,
    smtpBursts: 0,
  };
  let lastFaultAt = started;

  try {
    const topicKey = await seed(db, plan.recipients);
    const base = isolatedEnv({
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      QUEUE_PREFIX: env.queuePrefix,
      SECRET_KEY: 'chaos-secret-key-that-is-long-enough-0123456789',
      SMTP_URL: sink.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      SMTP_POOL_SIZE: String(plan.smtpPoolSize),
      DELIVERY_BATCH_SIZE: '20',
      DELIVERY_COMPOSE_THREADS: '0',
      DELIVERY_RETRY_BASE_MS: '300',
      DISPATCH_INTERVAL_MS: '500',
      SCHEDULER_INTERVAL_MS: '1000',
      CAMPAIGN_FANOUT_BATCH_SIZE: '200',
      CAMPAIGN_MAX_WAITING_JOBS: '4',
    });
    const port = await findFreePort();
    const api = startNode(builtEntry('src/main.js'), [], {
      ...base,
      WORKERS_ENABLED: 'false',
      PORT: String(port),
    });
    processes.add(api);
    await api.waitForOutput(/Tidings is serving on/, BOOT_MS);
    const created = await runNode(
      builtEntry('src/surfaces/cli/apikey.js'),
      ['create', '--name', 'chaos', '--scopes', 'admin', '--json'],
      base,
    );
    const key = (JSON.parse(created.stdout) as { key: string }).key;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      http.requests += 1;
      http.statuses[res.status] = (http.statuses[res.status] ?? 0) + 1;
      if (res.status >= 500) http.errors5xx += 1;
      return res;
    };

    const workers: RunningProcess[] = [];
    const startWorker = async () => {
      const w = startNode(builtEntry('src/worker.js'), [], base);
      processes.add(w);
      workers.push(w);
      await w.waitForOutput(READY, BOOT_MS);
      return w;
    };
    const kill = async (w: RunningProcess, why: string) => {
      workers.splice(workers.indexOf(w), 1);
      w.child.kill('SIGKILL');
      await w.exited;
      processes.delete(w);
      lastFaultAt = Date.now();
      log(`${why}: killed worker ${w.pid} at ${received()} received`);
      await startWorker();
    };
    for (let i = 0; i < plan.workers; i++) await startWorker();

    const campaign = (await (
      await call('POST', '/v1/campaigns', {
        topic: topicKey,
        template: 'welcome',
        kind: 'editorial',
      })
    ).json()) as { id: string };

    // Faults happen at random points of the progress; fan-out kills while the fan-out runs.
    const schedule: Array<{ at: number; kind: FaultKind }> = [];
    const add = (n: number, kind: FaultKind, from: number, to: number) => {
      for (let i = 0; i < n; i++) schedule.push({ at: from + rand() * (to - from), kind });
    };
    add(plan.fanoutKills, 'fanoutKill', 0.05, 0.35);
    add(plan.workerKills, 'workerKill', 0.03, 0.9);
    add(plan.redisFlushes, 'redisFlush', 0.05, 0.9);
    add(plan.databaseKills, 'databaseKill', 0.05, 0.9);
    add(plan.smtpBursts, 'smtpBurst', 0.05, 0.9);
    schedule.sort((a, b) => a.at - b.at);

    const distinct = new Set<string>();
    let seen = 0;
    const received = () => {
      for (; seen < sink.messages.length; seen++) distinct.add(sink.messages[seen].to[0]);
      return distinct.size;
    };
    const fanoutOwner = () => {
      let owner: RunningProcess | null = null;
      let latest = -1;
      for (const w of workers) {
        for (const line of w.stdout().split('\n')) {
          if (!line.includes('Fanning out campaign') || !line.includes(campaign.id)) continue;
          let time = -1;
          try {
            time = (JSON.parse(line) as { time: number }).time;
          } catch {
            continue;
          }
          if (time > latest) [owner, latest] = [w, time];
        }
      }
      return owner;
    };

    let doneAt = 0;
    let lastProgressLog = 0;
    const deadline = started + plan.timeoutMs;
    while (Date.now() < deadline) {
      const [state] = (
        await db.query<{
          status: string;
          fanned_out: number;
          audience_size: number | null;
          open: number;
        }>(
          `SELECT c.status, c.fanned_out, c.audience_size,
                  (SELECT count(*)::int FROM outbound_messages m
                    WHERE m.campaign_id = c.id AND m.status IN ('queued', 'sending')) AS open
             FROM campaigns c WHERE c.id = $1`,
          [campaign.id],
        )
      ).rows;
      const got = received();
      if (Date.now() - lastProgressLog > 2000) {
        lastProgressLog = Date.now();
        log(
          `progress: ${got} received, campaign ${state.status}, fanned out ${state.fanned_out}/${state.audience_size ?? '?'}, ${state.open} queued or sending`,
        );
      }
      // Readers of the API during the faults: none of them may get a 5xx.
      await call('GET', `/v1/campaigns/${campaign.id}`).catch(() => undefined);
      if (
        !schedule.length &&
        state.status === 'sent' &&
        state.open === 0 &&
        got >= plan.recipients
      ) {
        doneAt = Date.now();
        break;
      }
      const next = schedule[0];
      const progress = got / plan.recipients;
      const fanout = state.audience_size ? state.fanned_out / state.audience_size : 0;
      if (next && (next.kind === 'fanoutKill' ? fanout >= next.at : progress >= next.at)) {
        if (next.kind === 'fanoutKill') {
          const owner = state.status === 'running' ? fanoutOwner() : null;
          if (!owner) {
            // The fan-out finished (or is between owners): the fault cannot happen as planned.
            if (state.status !== 'running') schedule.shift();
          } else {
            schedule.shift();
            faults.fanoutKills += 1;
            await kill(owner, 'fan-out kill');
          }
        } else {
          schedule.shift();
          await fault(next.kind);
        }
        continue;
      }
      await new Promise((r) => setTimeout(r, 100));
    }

    async function fault(kind: FaultKind): Promise<void> {
      switch (kind) {
        case 'workerKill':
          faults.workerKills += 1;
          await kill(workers[Math.floor(rand() * workers.length)], 'worker kill');
          return;
        case 'redisFlush':
          faults.redisFlushes += 1;
          await env.flushRedis!();
          lastFaultAt = Date.now();
          log(`FLUSHALL at ${received()} received`);
          return;
        case 'databaseKill': {
          faults.databaseKills += 1;
          const admin = new Client({ connectionString: env.databaseUrl });
          await admin.connect();
          const { rowCount } = await admin.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()
                AND application_name LIKE 'tidings%'`,
          );
          await admin.end();
          lastFaultAt = Date.now();
          log(`terminated ${rowCount} database connections at ${received()} received`);
          return;
        }
        case 'smtpBurst':
          faults.smtpBursts += 1;
          sink.failNext('data', 451, 'Try again later', 20);
          lastFaultAt = Date.now();
          log(`20 SMTP 451s at ${received()} received`);
          return;
        case 'fanoutKill':
          return;
      }
    }

    const counts = new Map<string, number>();
    for (const m of sink.messages) {
      const id = m.parsed.messageId ?? m.to[0];
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    const kills = faults.fanoutKills + faults.workerKills;
    return {
      recipients: plan.recipients,
      received: received(),
      lost: plan.recipients - received(),
      duplicates,
      faults,
      duplicateBound: (kills + faults.databaseKills * plan.workers) * plan.smtpPoolSize,
      http,
      lastFaultToDoneMs: doneAt ? doneAt - lastFaultAt : NaN,
      totalMs: Date.now() - started,
      done: doneAt > 0,
    };
  } finally {
    await Promise.all(
      [...processes].map(async (p) => {
        p.child.kill('SIGKILL');
        await p.exited;
      }),
    );
    await db.end();
    await sink.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A topic and `n` active subscribers with room in their period. */
async function seed(db: Client, n: number): Promise<string> {
  const key = 'chaos-news';
  await db.query(
    `INSERT INTO topics (key, name, description, kind, allowed_frequencies, default_frequency)
     VALUES ($1, 'Chaos news', 'What changed', 'editorial', ARRAY['monthly'], 'monthly')`,
    [key],
  );
  await db.query(
    `INSERT INTO subscribers (email, name, locale, timezone, status, confirmed_at)
     SELECT 'c' || g || '@chaos.test', 'Person ' || g, 'en', 'UTC', 'active', now()
       FROM generate_series(1, $1) g`,
    [n],
  );
  await db.query(
    `INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency, next_due_at)
     SELECT s.id, t.id, 'active', 'monthly', now() - interval '1 day'
       FROM subscribers s, topics t WHERE t.key = $1`,
    [key],
  );
  await db.query('ANALYZE');
  return key;
}
