/**
 * The second round of console page speed fixes (docs/console.md, "Console page speed"), old and
 * new statement in turn on a kept benchmark database, with their answers compared:
 *
 *   BENCH_KEEP=1 npm run bench:console      (prints "kept database <name>")
 *   node -r @swc-node/register bench/console-fixes.ts postgres://postgres@127.0.0.1:5432/<name>
 *
 * RUNS (11) sets how many times each pair runs; it prints the medians. Drop the database after.
 */
import 'reflect-metadata';
import { isDeepStrictEqual } from 'node:util';
import { loadavg } from 'node:os';
import { DataSource } from 'typeorm';
import type { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../src/platform/config/configuration';
import { baseDataSourceOptions } from '../src/platform/database/typeorm-options';
import { AuditService, auditWindow } from '../src/trust/reports/audit.service';
import { MissedDeadlinesService } from '../src/trust/reports/missed-deadlines.service';
import { Suppression } from '../src/audience/suppressions/suppression.entity';
import { SuppressionsService } from '../src/audience/suppressions/suppressions.service';

const OLD_SILENT = `
  SELECT x.id AS subscription_id, x.subscriber_id, x.topic_id, x.frequency, x.last_delivered_at,
         watchdog_window_end(x.last_delivered_at, x.created_at, s.confirmed_at, x.frequency) AS window_ended_at
    FROM audience_subscriptions x
    JOIN audience_subscribers s ON s.id = x.subscriber_id
    JOIN audience_topics t ON t.id = x.topic_id
   WHERE watchdog_silent(x.status, s.status, s.paused_until, t.kind, t.archived_at,
                         watchdog_window_end(x.last_delivered_at, x.created_at, s.confirmed_at, x.frequency),
                         $1, $2)`;
const NEW_SILENT = `SELECT * FROM watchdog_silent_subscriptions($1, $2)`;
const count = (src: string) =>
  `SELECT t.key, count(*)::int AS n FROM (${src}) w JOIN audience_topics t ON t.id = w.topic_id GROUP BY t.key ORDER BY t.key`;

void (async () => {
  const db = await new DataSource({
    ...baseDataSourceOptions(process.argv[2], 2),
    entities: [Suppression],
  }).initialize();
  const suppressions = new SuppressionsService(db.getRepository(Suppression), {
    get: () => ({ secretKey: 'bench-secret-key-that-is-long-enough-0123456789' }),
  } as unknown as ConfigService<AppConfig, true>);
  const audit = new AuditService(db, suppressions, new MissedDeadlinesService(db));
  const now = new Date();
  const window = auditWindow(now, 60);
  const [rule] = await audit.rules('renewal-ahead');
  const runs = Number(process.env.RUNS ?? 11);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const time = async <T>(fn: () => Promise<T>) => {
    const t0 = performance.now();
    const v = await fn();
    return [performance.now() - t0, v] as const;
  };
  const compare = async (
    label: string,
    oldFn: () => Promise<unknown>,
    newFn: () => Promise<unknown>,
  ) => {
    const o: number[] = [];
    const n: number[] = [];
    let same = true;
    for (let i = 0; i < runs; i++) {
      const [a, va] = await time(oldFn);
      const [b, vb] = await time(newFn);
      o.push(a);
      n.push(b);
      if (!isDeepStrictEqual(va, vb)) same = false;
    }
    const [mo, mn] = [median(o), median(n)];
    console.log(
      `${label.padEnd(58)} ${mo.toFixed(0).padStart(6)} ${mn.toFixed(0).padStart(6)}  ${(mo / mn).toFixed(1)}x  same: ${same}`,
    );
  };
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; medians of ${runs}, old then new in turn`,
  );
  console.log(`${'what'.padEnd(58)} ${'old'.padStart(6)} ${'new'.padStart(6)}`);
  await compare(
    'silent subscriptions per topic (summary)',
    () => db.query(count(OLD_SILENT), [now, 3]),
    () => db.query(count(NEW_SILENT), [now, 3]),
  );
  const upcomingOld = `WITH silent AS MATERIALIZED (
         SELECT w.subscription_id, w.subscriber_id, w.topic_id, w.frequency, w.window_ended_at FROM (${OLD_SILENT}) w),
       per_topic AS (SELECT topic_id, count(*)::int AS n FROM silent GROUP BY topic_id),
       oldest AS (SELECT * FROM silent ORDER BY window_ended_at, subscription_id LIMIT 5)
       SELECT 'topic' AS part, p.topic_id, p.n, NULL::uuid AS subscriber_id, NULL::timestamptz AS due_by FROM per_topic p
       UNION ALL SELECT 'case', o.topic_id, 0, o.subscriber_id, o.window_ended_at FROM oldest o`;
  const upcomingNew = `WITH per_topic AS (
         SELECT w.topic_id, count(*)::int AS n FROM watchdog_silent_subscriptions($1, $2) w GROUP BY w.topic_id),
       oldest AS (SELECT w.subscription_id, w.subscriber_id, w.topic_id, w.frequency, w.window_ended_at
                    FROM watchdog_silent_subscriptions($1, $2) w ORDER BY w.window_ended_at, w.subscription_id LIMIT 5)
       SELECT 'topic' AS part, p.topic_id, p.n, NULL::uuid AS subscriber_id, NULL::timestamptz AS due_by FROM per_topic p
       UNION ALL SELECT 'case', o.topic_id, 0, o.subscriber_id, o.window_ended_at FROM oldest o`;
  const sorted = (rows: Array<Record<string, unknown>>) =>
    rows.map((r) => JSON.stringify(r)).sort();
  await compare(
    'silent subscriptions per topic + 5 oldest (upcoming)',
    async () => sorted(await db.query(upcomingOld, [now, 3])),
    async () => sorted(await db.query(upcomingNew, [now, 3])),
  );
  for (const status of ['none' as const]) {
    await compare(
      `rule audit counts + first page (25${status ? `, status=${status}` : ''})`,
      () =>
        // One after the other: the work (CPU) of both, which a loaded machine pays in full.
        (async () => [
          await audit.counts([rule], window, now, false),
          await audit.page([rule], window, now, { limit: 25, status, asIfEnabled: false }),
        ])(),
      () => audit.countsAndFirstPage(rule, window, now, false, { limit: 25, status }),
    );
  }
  await db.destroy();
})();
