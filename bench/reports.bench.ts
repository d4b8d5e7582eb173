/**
 * Times the trust reports on a seeded database of realistic size on the machine's PostgreSQL:
 * per topic, per template, per lifecycle rule, the programme summary (each part separately),
 * missed deadlines and the trust audit (counts, first page, a deep page, filtered pages), what goes
 * out next (GET /v1/reports/upcoming), and prints the plans of the audit's and the upcoming
 * report's statements. Lifecycle data: a renewal rule (30 days ahead,
 * deadline 14 days ahead), a renewal date per subscriber spread over 13 months, notices written
 * for the dates whose send day came, some of them missed; some subscribers paused, suppressed or
 * gone from the notice topic. The database is created, migrated, seeded with set-based SQL and
 * dropped.
 *
 *   npm run bench:reports          (BENCH_SUBSCRIBERS=100000, BENCH_MESSAGES_PER_SUBSCRIBER=6)
 *   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres   (the admin connection)
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  baseDataSourceOptions,
  runMigrationsLocked,
} from '../src/platform/database/typeorm-options';
import type { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../src/platform/config/configuration';
import { AuditService, auditWindow } from '../src/trust/reports/audit.service';
import { MissedDeadlinesService } from '../src/trust/reports/missed-deadlines.service';
import { MessagedSinceConfirmation } from '../src/audience/subscribers/messaged-since-confirmation';
import { seedBouncesAndComplaints, seedRenewalNotices } from './support/seeds';
import { ProgrammeSummaryService } from '../src/trust/reports/programme-summary.service';
import { ReportsService } from '../src/trust/reports/reports.service';
import { Suppression } from '../src/audience/suppressions/suppression.entity';
import { SuppressionsService } from '../src/audience/suppressions/suppressions.service';
import { Campaign } from '../src/programmes/campaigns/campaign.entity';
import { ContentMixPolicy } from '../src/programmes/cadence/content-mix';
import { CampaignDecisions } from '../src/programmes/campaigns/campaign-decisions';
import { CampaignFanout } from '../src/programmes/campaigns/campaign-fanout.service';
import { ScheduledCampaigns } from '../src/programmes/campaigns/scheduled-campaigns';
import { UpcomingService } from '../src/trust/reports/upcoming.service';
import { adminQuery as admin, BENCH_ADMIN_URL as ADMIN_URL } from './support/bench-database';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100_000);
const PER_SUBSCRIBER = Number(process.env.BENCH_MESSAGES_PER_SUBSCRIBER ?? 6);
const RUNS = 3;
const ZONES = ['Europe/Amsterdam', 'America/New_York', 'Europe/London', 'Asia/Tokyo', 'UTC'];
const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

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
  // A bulk load: the per-row change triggers (which queue lifecycle rechecks) stay out of it.
  for (const table of ['subscribers', 'subscriber_dates', 'subscriptions'])
    await db.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
  await db.query(`
    INSERT INTO topics (key, name, kind, allowed_frequencies, default_frequency) VALUES
      ('news', 'News', 'editorial', ARRAY['weekly','monthly','quarterly'], 'monthly'),
      ('renewals', 'Renewals', 'notice', ARRAY['weekly','monthly','quarterly'], 'monthly'),
      ('offers', 'Offers', 'promotional', ARRAY['weekly','monthly','quarterly'], 'monthly')`);
  await db.query(
    `INSERT INTO subscribers (email, status, confirmed_at, created_at, timezone)
     SELECT 'bench' || g || '@example.test',
            CASE WHEN g % 50 = 0 THEN 'unsubscribed' ELSE 'active' END,
            $2::timestamptz - (g % 120) * interval '1 day',
            $2::timestamptz - interval '180 days',
            ($3::text[])[1 + g % 5]
       FROM generate_series(1, $1) g`,
    [SUBSCRIBERS, now, ZONES],
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
  await seedBouncesAndComplaints(db);
}

/**
 * The renewal rule and its world: dates over the coming 13 months (and the past month), the
 * notices whose send day came (sent, or queued when their moment is still ahead), 0.3% of them
 * missed, 1% of subscribers paused for 40 days, 0.5% suppressed, 2% gone from the renewals topic.
 */
async function seedLifecycle(
  db: DataSource,
  now: Date,
  suppressions: SuppressionsService,
): Promise<string> {
  const [rule] = await db.query<Array<{ id: string }>>(
    `INSERT INTO lifecycle_rules (key, name, topic_id, template, apology_template, trigger_type, date_name,
                                  offset_days, deadline_days, content)
     SELECT 'renewal-ahead', 'Renewal reminder', id, 'notice', 'apology', 'date', 'renewal_date', -30, -14,
            '{"en": {"heading": "Renewal on {date}"}, "nl": {"heading": "Verlenging op {date}"}}'
       FROM topics WHERE key = 'renewals' RETURNING id`,
  );
  // Yesterday's pass went up to the renewals 31 days after today (in UTC).
  await db.query(
    `INSERT INTO lifecycle_rule_progress (rule_id, active_since, cursor_date, cursor_id)
     VALUES ($1, $2::timestamptz - interval '120 days', ($2::timestamptz AT TIME ZONE 'UTC')::date + 31, $3)`,
    [rule.id, now, MAX_UUID],
  );
  await db.query(
    `INSERT INTO subscriber_dates (subscriber_id, name, value)
     SELECT id, 'renewal_date', ($1::timestamptz AT TIME ZONE 'UTC')::date - 30 + abs(hashtext(id::text || 'r')) % 425
       FROM subscribers`,
    [now],
  );
  await db.query(
    `UPDATE subscriptions x SET status = 'unsubscribed'
       FROM topics t
      WHERE t.id = x.topic_id AND t.key = 'renewals' AND abs(hashtext(x.subscriber_id::text || 'left')) % 50 = 0`,
  );
  await db.query(
    `UPDATE subscribers SET paused_until = $1::timestamptz + interval '40 days'
      WHERE abs(hashtext(id::text || 'pause')) % 100 = 0`,
    [now],
  );
  const params: unknown[] = [];
  const hash = suppressions.sqlHash('email', (v) => {
    params.push(v);
    return `$${params.length}`;
  });
  await db.query(
    `INSERT INTO suppressions (address_hash, reason)
     SELECT ${hash}, 'manual' FROM subscribers WHERE abs(hashtext(id::text || 'sup')) % 200 = 0`,
    params,
  );
  await seedRenewalNotices(db, rule.id, now);
  for (const table of ['subscribers', 'subscriber_dates', 'subscriptions'])
    await db.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
  await db.query('ANALYZE');
  return rule.id;
}

/** The plan, with JIT off as AuditService runs its statements. */
async function explain(db: DataSource, label: string, sql: string, params: unknown[]) {
  const rows = await db.transaction(async (m) => {
    await m.query('SET LOCAL jit = off');
    return m.query<Array<{ 'QUERY PLAN': string }>>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
  });
  console.log(`\n--- plan: ${label}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

async function main(): Promise<void> {
  const name = `tidings_bench_reports_${randomBytes(3).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await admin(`CREATE DATABASE ${name}`);
  // Campaign: ScheduledCampaigns reads the campaigns table through its entity.
  const db = await new DataSource({
    ...baseDataSourceOptions(url.toString(), 4),
    entities: [Campaign],
  }).initialize();
  try {
    await runMigrationsLocked(db);
    const now = new Date();
    let start = Date.now();
    const suppressions = new SuppressionsService(db.getRepository(Suppression), {
      get: () => ({ secretKey: randomBytes(32).toString('hex') }),
    } as unknown as ConfigService<AppConfig, true>);
    await seed(db, now);
    await seedLifecycle(db, now, suppressions);
    // What the scheduler tick keeps on each subscriber (migration 1764025000000).
    await new MessagedSinceConfirmation(db).tick();
    const [{ n }] = await db.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM outbound_messages`,
    );
    console.log(
      `seeded ${SUBSCRIBERS} subscribers, ${SUBSCRIBERS * 3} subscriptions, ${n} ledger rows in ${((Date.now() - start) / 1000).toFixed(1)} s`,
    );
    const [dates] = await db.query<Array<{ n: number; window: number; missed: number }>>(
      `SELECT count(*)::int AS n,
              count(*) FILTER (WHERE value BETWEEN current_date AND current_date + 60)::int AS window,
              (SELECT count(*) FROM lifecycle_missed_promises)::int AS missed
         FROM subscriber_dates`,
    );
    console.log(
      `renewal dates: ${dates.n} (${dates.window} in the next 60 days), missed promises: ${dates.missed}`,
    );
    const reports = new ReportsService(db);
    const summary = new ProgrammeSummaryService(db, reports, {
      get: () => ({ silenceGraceDays: 2 }),
    } as unknown as ConstructorParameters<typeof ProgrammeSummaryService>[2]);
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

    const missed = new MissedDeadlinesService(db);
    const audit = new AuditService(db, suppressions, missed);
    const rulesReport = await timed('rules report (30 days)', () => reports.byRule(period));
    console.log(`renewal-ahead (30 days): ${JSON.stringify(rulesReport.rows[0])}`);
    await timed('missed deadlines (30 days, 50)', () => missed.report(period, { limit: 50 }));
    const rules = await audit.rules();
    const window = auditWindow(now, 60);
    const counts = await timed('audit: counts (60 days)', () => audit.counts(rules, window, now));
    console.log(`audit totals: ${JSON.stringify(counts.totals)}`);
    const first = await timed('audit: first page (50)', () =>
      audit.page(rules, window, now, { limit: 50 }),
    );
    // A cursor in the middle of the window: the same cost as the first page.
    const middle = await db.query<Array<{ value: string; subscriber_id: string }>>(
      `SELECT to_char(value, 'YYYY-MM-DD') AS value, subscriber_id FROM subscriber_dates
        WHERE name = 'renewal_date' AND value = ($1::timestamptz AT TIME ZONE 'UTC')::date + 30
        ORDER BY subscriber_id LIMIT 1`,
      [now],
    );
    const cursor = Buffer.from(
      JSON.stringify(['renewal-ahead', middle[0].value, middle[0].subscriber_id]),
    ).toString('base64url');
    await timed('audit: a page at day 30 (50)', () =>
      audit.page(rules, window, now, { limit: 50, cursor }),
    );
    await timed('audit: status=none (50)', () =>
      audit.page(rules, window, now, { limit: 50, status: 'none' }),
    );
    await timed('audit: reason=suppressed (50)', () =>
      audit.page(rules, window, now, { limit: 50, reason: 'suppressed' }),
    );
    await timed('audit: reason=paused_past_deadline', () =>
      audit.page(rules, window, now, { limit: 500, reason: 'paused_past_deadline' }),
    );
    console.log(
      `first page: ${first.items.length} rows, next cursor ${first.nextCursor ? 'yes' : 'no'}`,
    );

    // One rule's audit, as the console shows it before enabling (counts, 25 rows, who has no date).
    const renewal = rules.find((r) => r.trigger_type === 'date')!;
    await timed('rule audit: enabled (counts, 25 rows, without date)', () =>
      audit.ruleAudit(renewal.key, { limit: 25 }, now),
    );
    await db.query(`UPDATE lifecycle_rules SET enabled = false WHERE id = $1`, [renewal.id]);
    const preview = await timed('rule audit: disabled, as if enabled now', () =>
      audit.ruleAudit(renewal.key, { limit: 25 }, now),
    );
    await timed('rule audit: disabled, status=none (25)', () =>
      audit.ruleAudit(renewal.key, { limit: 25, status: 'none' }, now),
    );
    await db.query(`UPDATE lifecycle_rules SET enabled = true WHERE id = $1`, [renewal.id]);
    console.log(
      `rule audit as if enabled: ${JSON.stringify({ ...preview.counts, rule: undefined })}, without date ${preview.withoutDate}, after the window ${preview.afterWindow}`,
    );

    const dateRules = rules.filter((r) => r.trigger_type === 'date');
    const c = audit.countsStatement(dateRules, window, now);
    const countsPlan = await explain(db, 'audit counts', c.sql, c.params);
    const k = audit.chunkStatement(
      dateRules[0],
      { value: middle[0].value, id: middle[0].subscriber_id },
      5000,
      window,
      now,
      { reason: 'suppressed' },
    );
    const chunkPlan = await explain(db, 'audit page chunk (5000, filtered)', k.sql, k.params);
    for (const [label, plan] of [
      ['counts', countsPlan],
      ['chunk', chunkPlan],
    ]) {
      const ok =
        /(Index Only Scan using|Index Scan using|Bitmap Index Scan on) subscriber_dates_name_value_idx/.test(
          plan,
        ) && !/Seq Scan on subscriber_dates/.test(plan);
      console.log(`${label}: range scan of subscriber_dates_name_value_idx ${ok ? 'yes' : 'NO'}`);
      if (!ok) process.exitCode = 1;
    }

    await upcomingReport(db, now, summary);
  } finally {
    await db.destroy();
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

/**
 * What goes out next: every subscription gets a next slot spread over its period (so a weekly
 * topic has about a seventh of its subscribers due each day), and three campaigns are scheduled
 * within the week (one to a segment).
 */
async function upcomingReport(db: DataSource, now: Date, summary: ProgrammeSummaryService) {
  await db.query(
    `UPDATE subscriptions
        SET next_due_at = $1::timestamptz
              + (abs(hashtext(id::text || 'due')) % (extract(epoch FROM tidings_period(frequency))::bigint / 3600))
                * interval '1 hour'
      WHERE status = 'active'`,
    [now],
  );
  await db.query(
    `INSERT INTO campaigns (name, request_hash, topic_id, template, kind, segment, status, send_at)
     SELECT 'Bench ' || g, 'bench' || g, t.id, 'campaign', 'editorial',
            CASE WHEN g = 3 THEN '{"customer": true}'::jsonb ELSE '{}'::jsonb END,
            'scheduled', $1::timestamptz + g * interval '1 day'
       FROM topics t CROSS JOIN generate_series(1, 3) g WHERE t.key = 'news'`,
    [now],
  );
  await db.query('ANALYZE subscriptions');
  await db.query('ANALYZE campaigns');
  // Only countAudience() is used: the fan-out's audience SQL, which needs its decisions and no
  // content-mix policy (that serves a promotional launch's batches).
  const fanout = Object.assign(Object.create(CampaignFanout.prototype) as CampaignFanout, {
    decisions: new CampaignDecisions(null as unknown as ContentMixPolicy),
  });
  const upcoming = new UpcomingService(db, new ScheduledCampaigns(db, fanout), {
    get: () => ({ silenceGraceDays: 2 }),
  } as unknown as ConstructorParameters<typeof UpcomingService>[2]);
  const report = await timed('upcoming: whole report', () => upcoming.report(now));
  console.log(
    `upcoming: ${report.campaigns.length} campaigns (audiences ${report.campaigns.map((c) => c.audience).join(', ')}), ` +
      `digests ${JSON.stringify(report.digests.map((d) => [d.topic.key, d.frequency, d.today, d.week]))}, ` +
      `notices ${JSON.stringify(report.notices.map((n) => [n.rule.key, n.today, n.week]))}, ` +
      `missed ${report.missedDeadlines.total}, silent ${report.silentSubscriptions.count}`,
  );
  // The same silent subscriptions as the programme summary's (one definition, two statements).
  const fromSummary = await summary.silentSubscriptions(now);
  if (fromSummary.count !== report.silentSubscriptions.count) {
    console.log(
      `silent: summary ${fromSummary.count}, upcoming ${report.silentSubscriptions.count}`,
    );
    process.exitCode = 1;
  }
  const { todayEnd, weekEnd } = report.window;
  const d = upcoming.digestsStatement(todayEnd, weekEnd);
  await timed('upcoming: digests', () => db.query(d.sql, d.params));
  const n = upcoming.noticesStatement(now, todayEnd, weekEnd);
  await timed('upcoming: notices', () => db.query(n.sql, n.params));
  // Private parts, timed alone (bracket access: the bench only).
  await timed('upcoming: silent subscriptions', () => upcoming['silent'](now));
  await timed('upcoming: missed deadlines (7 d)', () => upcoming['missed'](now));
  await timed('upcoming: campaigns (3)', () => new ScheduledCampaigns(db, fanout).before(weekEnd));
  await explain(db, 'upcoming digests', d.sql, d.params);
  const noticesPlan = await explain(db, 'upcoming notices', n.sql, n.params);
  const ok =
    /(Index Only Scan using|Index Scan using|Bitmap Index Scan on) subscriber_dates_name_value_idx/.test(
      noticesPlan,
    ) && !/Seq Scan on subscriber_dates/.test(noticesPlan);
  console.log(
    `upcoming notices: range scan of subscriber_dates_name_value_idx ${ok ? 'yes' : 'NO'}`,
  );
  if (!ok) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
