/**
 * Times the trust reports on a seeded database of realistic size on the machine's PostgreSQL:
 * per topic, per template and the programme summary (each part separately). The database is
 * created, migrated, seeded with set-based SQL and dropped.
 *
 *   npm run bench:reports          (BENCH_SUBSCRIBERS=100000, BENCH_MESSAGES_PER_SUBSCRIBER=6)
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres   (the admin connection)
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { baseDataSourceOptions, runMigrationsLocked } from '../src/database/typeorm-options';
import { ProgrammeSummaryService } from '../src/reports/programme-summary.service';
import { ReportsService } from '../src/reports/reports.service';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100_000);
const PER_SUBSCRIBER = Number(process.env.BENCH_MESSAGES_PER_SUBSCRIBER ?? 6);
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RUNS = 3;

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const times: number[] = [];
  let result!: T;
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    result = await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(34)} median ${times[1].toFixed(0).padStart(6)} ms  (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`,
  );
  return result;
}

async function seed(db: DataSource, now: Date): Promise<void> {
  await db.query(`
    INSERT INTO topics (key, name, kind, allowed_frequencies, default_frequency) VALUES
      ('news', 'News', 'editorial', ARRAY['weekly','monthly','quarterly'], 'monthly'),
      ('renewals', 'Renewals', 'notice', ARRAY['weekly','monthly','quarterly'], 'monthly'),
      ('offers', 'Offers', 'promotional', ARRAY['weekly','monthly','quarterly'], 'monthly')`);
  await db.query(
    `INSERT INTO subscribers (email, status, confirmed_at, created_at)
     SELECT 'bench' || g || '@example.test',
            CASE WHEN g % 50 = 0 THEN 'unsubscribed' ELSE 'active' END,
            $2::timestamptz - (g % 120) * interval '1 day',
            $2::timestamptz - interval '180 days'
       FROM generate_series(1, $1) g`,
    [SUBSCRIBERS, now],
  );
  await db.query(
    `INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency, last_delivered_at, created_at)
     SELECT s.id, t.id, 'active', (ARRAY['weekly','monthly','quarterly'])[1 + abs(hashtext(s.id::text || t.key)) % 3],
            $1::timestamptz - (abs(hashtext(t.key || s.id::text)) % 100) * interval '1 day',
            $1::timestamptz - interval '180 days'
       FROM subscribers s CROSS JOIN topics t`,
    [now],
  );
  // Messages spread over the last 90 days; one in twenty skipped.
  await db.query(
    `INSERT INTO outbound_messages (dedupe_key, subscriber_id, topic_id, template, kind, status, skip_reason,
                                    send_after, sent_at, created_at, updated_at)
     SELECT 'bench:' || s.id || ':' || k, s.id, t.id,
            CASE t.kind WHEN 'notice' THEN 'notice' WHEN 'promotional' THEN 'offer' ELSE 'digest' END,
            t.kind,
            CASE WHEN x.skip THEN 'skipped' ELSE 'sent' END,
            CASE WHEN x.skip THEN 'paused' END,
            x.ts, CASE WHEN NOT x.skip THEN x.ts END, x.ts, x.ts
       FROM subscribers s
       CROSS JOIN generate_series(1, $1) k
       JOIN (SELECT id, kind, key, row_number() OVER (ORDER BY key) - 1 AS n FROM topics) t
         ON t.n = (k + abs(hashtext(s.id::text))) % 3
       CROSS JOIN LATERAL (
         SELECT $2::timestamptz - ((abs(hashtext(s.id::text || k)) % (90 * 24)) * interval '1 hour') AS ts,
                abs(hashtext(k || s.id::text)) % 20 = 0 AS skip
       ) x`,
    [PER_SUBSCRIBER, now],
  );
  // 5% of sent messages voted on; 2% of subscribers opt out of a topic; 0.3% bounce; 0.05% complain.
  await db.query(
    `INSERT INTO feedback_votes (message_id, subscriber_id, topic_id, template, helpful, created_at, updated_at)
     SELECT id, subscriber_id, topic_id, template, abs(hashtext(id::text || 'vote')) % 4 <> 0, sent_at, sent_at
       FROM outbound_messages WHERE status = 'sent' AND abs(hashtext(id::text)) % 20 = 0`,
  );
  await db.query(
    `INSERT INTO consent_events (subscriber_id, action, topic_id, wording, wording_version, source, occurred_at)
     SELECT m.subscriber_id, 'opt_out', m.topic_id, 'Unsubscribed', 'bench', 'one_click', m.sent_at + interval '2 days'
       FROM outbound_messages m WHERE m.status = 'sent' AND abs(hashtext(m.id::text)) % 300 = 1`,
  );
  await db.query(
    `WITH picked AS (
       SELECT m.id, m.subscriber_id, m.sent_at, CASE WHEN abs(hashtext(m.id::text)) % 2000 < 6 THEN 'hard_bounce' ELSE 'complaint' END AS type
         FROM outbound_messages m
        WHERE m.status = 'sent' AND abs(hashtext(m.id::text)) % 2000 < 7),
     reports AS (
       INSERT INTO webhook_reports (endpoint, report_key, format, received_at)
       SELECT CASE WHEN type = 'complaint' THEN 'complaints' ELSE 'bounces' END, 'bench:' || id, 'json', sent_at
         FROM picked RETURNING id, report_key)
     INSERT INTO delivery_signals (report_id, type, outcome, matched_by, message_id, subscriber_id, occurred_at)
     SELECT r.id, p.type, 'recorded', 'message', p.id, p.subscriber_id, p.sent_at + interval '1 hour'
       FROM picked p JOIN reports r ON r.report_key = 'bench:' || p.id`,
  );
  await db.query('ANALYZE');
}

async function main(): Promise<void> {
  const name = `tidings_bench_reports_${randomBytes(3).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await admin(`CREATE DATABASE ${name}`);
  const db = await new DataSource(baseDataSourceOptions(url.toString(), 4)).initialize();
  try {
    await runMigrationsLocked(db);
    const now = new Date();
    let start = Date.now();
    await seed(db, now);
    const [{ n }] = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM outbound_messages`,
    );
    console.log(
      `seeded ${SUBSCRIBERS} subscribers, ${SUBSCRIBERS * 3} subscriptions, ${n} ledger rows in ${((Date.now() - start) / 1000).toFixed(1)} s`,
    );
    const reports = new ReportsService(db);
    const summary = new ProgrammeSummaryService(db, reports);
    const period = { from: new Date(now.getTime() - 30 * 86_400_000), to: now };
    const topics = await timed('topics report (30 days)', () => reports.byTopic(period));
    await timed('templates report (30 days)', () => reports.byTemplate(period));
    await timed('summary: confirmed without message', () => summary.confirmedWithoutMessage(now));
    await timed('summary: silent subscriptions', () => summary.silentSubscriptions(now));
    await timed('summary: promotional share (90 d)', () => summary.promotionalShare(now));
    await timed('summary: complaint rate (30 days)', () => summary.complaintRate(period));
    start = Date.now();
    await summary.summary(period, now);
    console.log(`whole summary (parts in parallel)     ${Date.now() - start} ms`);
    console.log(`totals (30 days): ${JSON.stringify(topics.totals)}`);
  } finally {
    await db.destroy();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
