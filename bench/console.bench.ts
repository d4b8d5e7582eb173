/**
 * Console page speed (benchmark, not a test): npm run bench:console
 *
 * The target of issue 18: on 100,000 subscribers every console page's data answers with a p95
 * under 300 ms, and the console's initial JavaScript is under 300 KB gzipped.
 *
 * It creates a database on the local PostgreSQL, migrates it and seeds it with set-based SQL (the
 * seeding time is printed): subscribers across topics and frequencies, some paused, unsubscribed,
 * bounced or suppressed, with attributes, renewal dates, consent history and data-use grants; a
 * ledger of 30 days (campaigns, digests, transactional mail, renewal notices) with statuses,
 * feedback, bounces and complaints; campaigns, content items, lifecycle rules, template versions,
 * the activity log, webhook endpoints and deliveries, API keys and users. Then it starts the built
 * API (`dist/src/main.js`, no workers), signs in as a console user through
 * `POST /v1/auth/sign-in` (a real session cookie), and requests every GET of REQUESTS below
 * WARMUP + RUNS times, one at a time, timing each answer at the client. It prints p50, p95 and
 * max per request with PASS or OVER against 300 ms, and the initial JavaScript read from
 * dist/console (computed by .ci/build-console.mjs, as the build prints it). Exits 1 when a
 * target is missed or an answer is not 200. The database is dropped at the end.
 *
 *   npm run bench:console                 (builds when stale, then runs)
 *   BENCH_RUNS=20 BENCH_SUBSCRIBERS=20000 npm run bench:console       (a quicker run)
 *   BENCH_ONLY=campaigns,topics npm run bench:console   (only the requests whose line contains one)
 *   BENCH_KEEP=1 npm run bench:console    (keeps the database and prints its name, for EXPLAIN)
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../src/platform/config/configuration';
import {
  baseDataSourceOptions,
  runMigrationsLocked,
} from '../src/platform/database/typeorm-options';
import { SuppressionsService } from '../src/audience/suppressions/suppressions.service';
import { hashPassword } from '../src/surfaces/accounts/passwords';
import { adminQuery, databaseUrlFor } from './support/bench-database';
import { seedBouncesAndComplaints, seedRenewalNotices } from './support/seeds';
import {
  MARK_BATCH,
  MARK_MESSAGED_SQL,
} from '../src/audience/subscribers/messaged-since-confirmation';

/**
 * Every GET the console's pages make when they open, page by page. A page's request goes here in
 * one line: the page's name and the path with the query the page sends by default. `{name}` is
 * replaced by a value from `placeholders()` (a seeded row's id or key); add one there when a new
 * page needs another. docs/console.md, "Console page speed", has the rules.
 */
const REQUESTS: Array<[page: string, path: string, body?: Record<string, unknown>]> = [
  ['Home', '/v1/auth/me'],
  ['Home', '/v1/reports/summary?from={today}&to={today}'],
  ['Home', '/v1/reports/upcoming'],
  ['Topics', '/v1/topics'],
  ['Topics', '/v1/topics?counts=true&includeArchived=false'],
  ['Topic', '/v1/topics/{topic}'],
  ['Topic', '/v1/locales'],
  ['Subscribers', '/v1/subscribers?limit=25'],
  ['Subscribers', '/v1/subscribers?q={emailPrefix}&limit=25'],
  ['Subscribers', '/v1/subscribers?q={nameWord}&limit=25'],
  ['Subscribers', '/v1/subscribers?q=subscriber&limit=25'],
  // The API's other list filters (no console page sends them yet).
  ['Subscribers', '/v1/subscribers?status=active&topic=news'],
  ['Subscribers', '/v1/subscribers?status=unsubscribed'],
  ['Subscribers', '/v1/subscribers?cursor={subscribersCursor}'],
  ['Subscribers', '/v1/subscribers/{subscriberEmail}'],
  ['Subscriber', '/v1/subscribers/{subscriber}'],
  ['Subscriber', '/v1/subscribers/{subscriber}/subscriptions'],
  ['Subscriber', '/v1/subscribers/{subscriber}/consent'],
  ['Subscriber', '/v1/subscribers/{subscriber}/purposes'],
  ['Subscriber', '/v1/messages?subscriber={subscriber}&limit=25'],
  ['Subscriber', '/v1/subscribers/{subscriber}/export'],
  // The ledger's filters (no console page lists messages other than a subscriber's yet).
  ['(no page)', '/v1/messages'],
  ['(no page)', '/v1/messages?status=failed'],
  ['(no page)', '/v1/messages?kind=notice&status=skipped'],
  ['Campaigns', '/v1/campaigns?limit=20'],
  ['Campaigns', '/v1/campaigns?topic=news'], // the API's filter; the list does not send it yet
  ['Campaigns', '/v1/content-items'],
  ['Campaign', '/v1/campaigns/{campaign}'],
  // The launch panel counts the audience and forecasts while the segment is typed (dry runs).
  ['Campaign', 'POST /v1/campaigns/audience', { topic: 'news' }],
  ['Campaign', 'POST /v1/campaigns/forecast', { topic: 'news', contentItem: '{contentItem}' }],
  // A promotional topic's forecast also checks the content-mix cap of everyone it would reach.
  [
    'Campaign',
    'POST /v1/campaigns/forecast',
    { topic: 'offers', contentItem: '{offersContentItem}' },
  ],
  ['Content', '/v1/content-items'],
  ['Content', '/v1/content-items?topic=news&status=published'],
  ['Content', '/v1/content-items/{contentItem}'],
  ['Lifecycle rules', '/v1/lifecycle-rules'],
  ['Lifecycle rule', '/v1/lifecycle-rules/{rule}'],
  ['Lifecycle rule', '/v1/lifecycle-rules/{rule}/audit?days=60&limit=25'],
  ['Lifecycle rule', '/v1/lifecycle-rules/{rule}/audit?days=60&limit=25&status=none'],
  // The reports API; no console page calls these four (the rule page calls its own audit).
  ['(no page)', '/v1/reports/topics?from={from30}&to={today}'],
  ['(no page)', '/v1/reports/rules?from={from30}&to={today}'],
  ['(no page)', '/v1/reports/silence'],
  ['(no page)', '/v1/reports/missed-deadlines?from={from30}&to={today}'],
  ['(no page)', '/v1/reports/audit'],
  ['(no page)', '/v1/reports/audit?status=none'],
  ['Templates', '/v1/templates'],
  ['Template', '/v1/templates/{template}'],
  ['Template', '/v1/templates/{template}/versions'],
  ['Settings', '/v1/api-keys'],
  ['Settings', '/v1/users'],
  ['Settings', '/v1/webhook-endpoints'],
  ['Settings', '/v1/webhook-endpoints/{webhookEndpoint}'],
  ['Settings', '/v1/webhook-endpoints/{webhookEndpoint}/deliveries?limit=50'],
  ['Settings', '/v1/data-purposes'],
  ['Settings', '/v1/suppressions?limit=50'],
  ['Settings', '/v1/suppressions?email={suppressedEmail}'],
  ['Settings', '/v1/delivery-signals?limit=50'],
  ['Activity', '/v1/activity?limit=100'],
  ['Activity', '/v1/activity?action=campaign.launched'],
];

const ROOT = resolve(__dirname, '..');
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 100_000);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 5 * SUBSCRIBERS);
const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const ONLY = process.env.BENCH_ONLY;
const DATA_TARGET_MS = 300;
const SCRIPT_TARGET_KB = 300;
const SECRET = 'bench-secret-key-that-is-long-enough-0123456789';
const EMAIL = 'bench-owner@bench.test';
const PASSWORD = 'bench-password-0123';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Subscribers, their topics, consent, dates and grants. */
async function seedAudience(db: Client, now: Date, suppressions: SuppressionsService) {
  await db.query(`
    INSERT INTO topics (key, name, description, kind, allowed_frequencies, default_frequency, names,
                        evergreen_template)
    VALUES ('news', 'News', 'What changed', 'editorial', '{weekly,biweekly,monthly,quarterly}', 'monthly',
            '{"nl": "Nieuws"}', 'evergreen'),
           ('product-updates', 'Product updates', 'New features', 'editorial', '{monthly,quarterly}', 'monthly',
            '{"nl": "Productnieuws"}', NULL),
           ('tips', 'Tips', 'How to get more out of it', 'editorial', '{weekly,monthly}', 'weekly', '{}', NULL),
           ('offers', 'Offers', 'Deals', 'promotional', '{monthly,quarterly}', 'monthly', '{"nl": "Aanbiedingen"}', NULL),
           ('events', 'Events', 'Meet-ups and webinars', 'promotional', '{monthly}', 'monthly', '{}', NULL),
           ('renewals', 'Renewals', 'Notices before a renewal', 'notice', '{monthly}', 'monthly', '{}', NULL)`);
  await db.query(`INSERT INTO topics (key, name, kind, allowed_frequencies, default_frequency, archived_at)
                  VALUES ('old-news', 'Old news', 'editorial', '{monthly}', 'monthly', now() - interval '90 days')`);
  // 93% active, 3% unsubscribed, 2% pending, 1% bounced, 0.5% complained, 0.5% erased; 1% paused.
  await db.query(
    `INSERT INTO subscribers (email, name, locale, timezone, status, is_customer, attributes, paused_until,
                              confirmed_at, erased_at, created_at, updated_at)
     SELECT CASE WHEN st = 'erased' THEN NULL ELSE 'bench' || g || '@example.test' END,
            CASE WHEN st = 'erased' THEN NULL ELSE 'Subscriber ' || g END,
            CASE WHEN g % 3 = 0 THEN 'nl' ELSE 'en' END,
            (ARRAY['Europe/Amsterdam','UTC','America/New_York','Asia/Tokyo','Europe/London'])[1 + g % 5],
            st, g % 2 = 0,
            CASE WHEN st = 'erased' THEN '{}'::jsonb
                 ELSE jsonb_build_object('plan', (ARRAY['solo','family','business'])[1 + g % 3],
                                         'city', (ARRAY['Amsterdam','Utrecht','Rotterdam','Leiden'])[1 + g % 4],
                                         'seats', g % 12) END,
            CASE WHEN g % 100 = 7 THEN $2::timestamptz + interval '20 days' END,
            CASE WHEN st <> 'pending' THEN created + interval '5 minutes' END,
            CASE WHEN st = 'erased' THEN $2::timestamptz - interval '3 days' END,
            created, created
       FROM generate_series(1, $1::bigint) g
       CROSS JOIN LATERAL (
         SELECT CASE WHEN g % 200 = 1 THEN 'erased' WHEN g % 200 = 2 THEN 'complained'
                     WHEN g % 100 = 3 THEN 'bounced' WHEN g % 50 = 4 THEN 'pending'
                     WHEN g % 100 IN (5, 15, 25) THEN 'unsubscribed' ELSE 'active' END AS st,
                $2::timestamptz - interval '730 days' + (g::float8 / $1) * interval '725 days' AS created
       ) x`,
    [SUBSCRIBERS, now],
  );
  await db.query(`CREATE TEMP TABLE bench_subscribers AS
                    SELECT row_number() OVER (ORDER BY created_at, id)::int AS n, id, locale, status, created_at
                      FROM subscribers`);
  await db.query(`CREATE UNIQUE INDEX ON bench_subscribers (n)`);
  // Each subscriber picks 2 to 4 of the six open topics, at a frequency the topic allows.
  await db.query(
    `INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency, last_delivered_at, next_due_at,
                                unsubscribed_at, created_at, updated_at)
     SELECT s.id, t.id, x.status,
            t.allowed_frequencies[1 + abs(hashtext(s.id::text || t.key)) % cardinality(t.allowed_frequencies)],
            CASE WHEN x.status = 'active' THEN $1::timestamptz - (abs(hashtext(t.key || s.id::text)) % 100) * interval '1 day' END,
            CASE WHEN x.status = 'active' THEN $1::timestamptz + (abs(hashtext(s.id::text || 'due')) % 30) * interval '1 day' END,
            CASE WHEN x.status = 'unsubscribed' THEN $1::timestamptz - (abs(hashtext(s.id::text || 'u')) % 60) * interval '1 day' END,
            s.created_at, s.created_at
       FROM bench_subscribers s
       JOIN topics t ON t.archived_at IS NULL
       CROSS JOIN LATERAL (
         SELECT CASE WHEN s.status IN ('unsubscribed', 'erased') THEN 'unsubscribed'
                     WHEN s.status = 'pending' THEN 'pending'
                     WHEN abs(hashtext(s.id::text || t.key || 'left')) % 20 = 0 THEN 'unsubscribed'
                     ELSE 'active' END AS status
       ) x
      WHERE abs(hashtext(s.id::text || t.key)) % 6 < 2 + s.n % 3`,
    [now],
  );
  // Consent history: an opt-in per subscription, a confirmation, the opt-outs, frequency changes.
  await db.query(
    `INSERT INTO consent_events (subscriber_id, action, topic_id, wording, wording_version, source, details, occurred_at)
     SELECT x.subscriber_id, a.action, x.topic_id, a.wording, 'v3', a.source, '{}'::jsonb, a.at
       FROM subscriptions x
       CROSS JOIN LATERAL (VALUES
         ('opt_in', 'Yes, send me this topic.', 'form', x.created_at, true),
         ('confirm', 'Confirmed by link', 'form', x.created_at + interval '5 minutes', x.status <> 'pending'),
         ('opt_out', 'Unsubscribed', 'one_click', x.unsubscribed_at, x.status = 'unsubscribed' AND x.unsubscribed_at IS NOT NULL),
         ('frequency_change', 'Changed how often', 'preference_center', x.created_at + interval '30 days',
          abs(hashtext(x.id::text)) % 20 = 0)
       ) a(action, wording, source, at, keep)
      WHERE a.keep`,
  );
  await db.query(
    `INSERT INTO subscriber_dates (subscriber_id, name, value)
     SELECT s.id, 'renewal_date', ($1::timestamptz AT TIME ZONE 'UTC')::date - 30 + abs(hashtext(s.id::text || 'r')) % 425
       FROM subscribers s WHERE s.is_customer AND s.status <> 'erased'
     UNION ALL
     SELECT s.id, 'birthday', date '1960-01-01' + abs(hashtext(s.id::text || 'b')) % 15000
       FROM subscribers s WHERE abs(hashtext(s.id::text || 'b')) % 3 = 0 AND s.status <> 'erased'`,
    [now],
  );
  await db.query(`
    INSERT INTO data_purposes (key, name, names, explanations, benefits, withdrawal_consequences, attributes,
                               dates, event_types, legal_basis, delete_on_withdrawal)
    VALUES ('renewal-reminders', 'Renewal reminders', '{"nl": "Verlengingsherinneringen"}',
            '{"en": "We use your renewal date to remind you in time."}', '{"en": "No surprise renewals."}',
            '{"en": "No reminders before a renewal."}', '{plan}', '{renewal_date}', '{}', 'contract', false),
           ('usage-tips', 'Usage tips', '{}', '{"en": "We use how many seats you use."}', '{"en": "Tips that fit."}',
            '{"en": "General tips only."}', '{seats,city}', '{}', '{usage.high}', 'consent', true)`);
  await db.query(
    `INSERT INTO data_use_grants (subscriber_id, purpose_id, granted, wording_version, changed_at)
     SELECT s.id, p.id, abs(hashtext(s.id::text || p.key)) % 10 <> 0, 'v1', s.created_at
       FROM subscribers s CROSS JOIN data_purposes p
      WHERE s.status <> 'erased' AND abs(hashtext(s.id::text || p.key || 'g')) % 10 < 3`,
  );
  // The suppression list: bounced and complained addresses, 0.5% manual, and the erased ones.
  const params: unknown[] = [];
  const hash = suppressions.sqlHash('email', (v) => {
    params.push(v);
    return `$${params.length}`;
  });
  await db.query(
    `INSERT INTO suppressions (address_hash, reason, created_at)
     SELECT ${hash}, CASE status WHEN 'bounced' THEN 'hard_bounce' WHEN 'complained' THEN 'complaint' ELSE 'manual' END,
            updated_at
       FROM subscribers
      WHERE email IS NOT NULL AND (status IN ('bounced', 'complained') OR abs(hashtext(id::text || 'sup')) % 200 = 0)`,
    params,
  );
  await db.query(
    `INSERT INTO suppressions (address_hash, reason)
     SELECT encode(sha256(convert_to('erased' || id, 'UTF8')), 'hex'), 'erasure' FROM subscribers WHERE status = 'erased'`,
  );
}

/** Content, campaigns and their messages, digests, transactional mail; feedback and bounces. */
async function seedLedger(db: Client, now: Date) {
  await db.query(
    `INSERT INTO content_items (topic_id, kind, locale, title, summary, body_source, body_html, body_text, link,
                                published_at, expires_at, withdrawn_at, first_sent_at, created_at, updated_at)
     SELECT t.id, CASE WHEN t.kind = 'promotional' THEN 'promotional' ELSE 'editorial' END,
            CASE WHEN g % 4 = 0 THEN 'nl' ELSE 'en' END,
            'Article ' || g, 'What changed in part ' || g, repeat('<p>Paragraph of article ' || g || '.</p>', 20),
            repeat('<p>Paragraph of article ' || g || '.</p>', 20), repeat('Paragraph of article ' || g || '. ', 20),
            'https://www.example.com/articles/' || g, p.at,
            CASE WHEN g % 10 = 0 THEN p.at + interval '60 days' END,
            CASE WHEN g % 50 = 0 THEN p.at + interval '1 day' END,
            CASE WHEN p.at < $1 THEN p.at + interval '1 day' END, p.at - interval '1 day', p.at
       FROM generate_series(1, 3000) g
       JOIN (SELECT id, kind, row_number() OVER (ORDER BY key) - 1 AS n FROM topics
              WHERE kind <> 'notice' AND archived_at IS NULL) t ON t.n = g % 5
       CROSS JOIN LATERAL (SELECT $1::timestamptz - interval '720 days' + g * interval '6 hours' AS at) p`,
    [now],
  );
  // 60 campaigns over two years: 10 sent in the ledger's 30 days, 2 scheduled, 2 cancelled.
  await db.query(
    `INSERT INTO campaigns (name, request_hash, topic_id, content_item_id, template, kind, status, send_at,
                            audience_size, fanned_out, started_at, finished_at, cancelled_at, created_at, updated_at)
     SELECT 'Campaign ' || g, md5(g::text), t.id, c.id, 'campaign', t.kind, x.status, x.send_at,
            CASE WHEN x.status IN ('sent', 'cancelled') THEN $2::int END,
            CASE WHEN x.status = 'sent' THEN $2::int ELSE 0 END,
            CASE WHEN x.status <> 'scheduled' THEN x.send_at END,
            CASE WHEN x.status = 'sent' THEN x.send_at + interval '1 hour' END,
            CASE WHEN x.status = 'cancelled' THEN x.send_at + interval '10 minutes' END,
            x.send_at - interval '2 days', x.send_at
       FROM generate_series(1, 60) g
       JOIN (SELECT id, kind, key, row_number() OVER (ORDER BY key) - 1 AS n FROM topics
              WHERE kind <> 'notice' AND archived_at IS NULL) t ON t.n = g % 5
       CROSS JOIN LATERAL (
         SELECT CASE WHEN g > 58 THEN $1::timestamptz + (g - 58) * interval '3 days'
                     WHEN g > 48 THEN $1::timestamptz - interval '30 days' + (g - 49) * interval '3.2 days'
                     ELSE $1::timestamptz - interval '750 days' + g * interval '15 days' END AS send_at,
                CASE WHEN g > 58 THEN 'scheduled' WHEN g IN (20, 40) THEN 'cancelled' ELSE 'sent' END AS status
       ) x
       LEFT JOIN LATERAL (SELECT id FROM content_items WHERE topic_id = t.id AND published_at < x.send_at
                           ORDER BY published_at DESC LIMIT 1) c ON true`,
    [now, Math.round((MESSAGES * 0.6) / 10)],
  );
  await db.query(
    `CREATE TEMP TABLE bench_campaigns AS
                    SELECT row_number() OVER (ORDER BY send_at)::int AS n, id, topic_id, kind, send_at
                      FROM campaigns WHERE status = 'sent' AND send_at > $1::timestamptz - interval '31 days'`,
    [now],
  );
  const sent = (await db.query('SELECT count(*)::int AS n FROM bench_campaigns')).rows[0]
    .n as number;
  // The ledger: 60% campaign messages (the 10 recent campaigns), 32% digests, 6% transactional, the rest
  // other notices; 94% sent, 4% skipped, 1.5% suppressed, 0.5% failed, queued digests today.
  await db.query(
    `INSERT INTO outbound_messages (dedupe_key, subscriber_id, topic_id, campaign_id, template, kind, status,
                                    skip_reason, locale, attempts, last_error, provider_message_id,
                                    send_after, sent_at, created_at, updated_at, template_version)
     SELECT 'bench:' || g, s.id, COALESCE(c.topic_id, t.id), c.id, m.template, m.kind, m.status,
            CASE WHEN m.status = 'skipped' THEN m.skip END, s.locale,
            CASE WHEN m.status = 'failed' THEN 5 WHEN m.status = 'sent' THEN 1 ELSE 0 END,
            CASE WHEN m.status = 'failed' THEN '550 5.1.1 mailbox unavailable' END,
            CASE WHEN m.status = 'sent' THEN '<' || g || '@mail.bench.test>' END,
            m.at, CASE WHEN m.status = 'sent' THEN m.at + interval '2 seconds' END, m.at,
            m.at + interval '2 seconds', 1
       FROM generate_series(1, $1::bigint) g
       CROSS JOIN LATERAL (
         SELECT CASE WHEN g <= $1 * 0.6 THEN 'campaign' WHEN g <= $1 * 0.92 THEN 'digest'
                     WHEN g <= $1 * 0.98 THEN 'transactional' ELSE 'notice' END AS cat,
                abs(hashtext(g::text || 'status')) % 1000 AS h,
                1 + ((g * 7919) % $2) AS n
       ) p
       LEFT JOIN bench_campaigns c ON p.cat = 'campaign' AND c.n = 1 + (g - 1) % $4
       JOIN bench_subscribers s ON s.n = CASE WHEN p.cat = 'campaign' THEN 1 + ((g - 1) / $4) % $2 ELSE p.n END
       JOIN (SELECT id, kind, key, row_number() OVER (ORDER BY key) - 1 AS n FROM topics WHERE archived_at IS NULL) t
         ON t.n = g % 6
       CROSS JOIN LATERAL (
         SELECT CASE p.cat WHEN 'campaign' THEN 'campaign' WHEN 'digest' THEN 'digest'
                           WHEN 'transactional' THEN (ARRAY['confirm-subscription','welcome','fresh-link'])[1 + g % 3]
                           ELSE 'notice' END AS template,
                CASE p.cat WHEN 'campaign' THEN c.kind WHEN 'digest' THEN 'editorial'
                           WHEN 'transactional' THEN 'transactional' ELSE 'notice' END AS kind,
                CASE WHEN p.cat = 'campaign' THEN c.send_at + (g % 3600) * interval '1 second'
                     ELSE $3::timestamptz - interval '30 days' + ((g * 104729) % 2592000) * interval '1 second' END AS at,
                CASE WHEN p.h < 920 THEN 'sent' WHEN p.h < 960 THEN 'skipped' WHEN p.h < 975 THEN 'suppressed'
                     WHEN p.h < 980 THEN 'failed'
                     WHEN p.cat = 'digest' AND ((g * 104729) % 2592000) > 2592000 - 43200 THEN 'queued'
                     ELSE 'sent' END AS status,
                (ARRAY['subscriber_unsubscribed','not_subscribed','folded','subscriber_bounced','left_topic'])[1 + g % 5] AS skip
       ) m`,
    [MESSAGES, SUBSCRIBERS, now, sent],
  );
  // 5% of sent messages voted on; bounces and complaints as the report webhooks record them.
  await db.query(
    `INSERT INTO feedback_votes (message_id, subscriber_id, topic_id, template, helpful, created_at, updated_at)
     SELECT id, subscriber_id, topic_id, template, abs(hashtext(id::text || 'vote')) % 4 <> 0, sent_at, sent_at
       FROM outbound_messages WHERE status = 'sent' AND abs(hashtext(id::text)) % 20 = 0`,
  );
  await seedBouncesAndComplaints(db);
}

/**
 * Lifecycle rules: a renewal notice (30 days ahead, deadline 14 days ahead) with its notices
 * written for the dates whose send day came, some missed; a welcome, an event and an attribute
 * rule, a disabled and a deleted one.
 */
async function seedLifecycle(db: Client, now: Date) {
  const content = `'{"en": {"heading": "Renewal on {date}"}, "nl": {"heading": "Verlenging op {date}"}}'`;
  const {
    rows: [rule],
  } = await db.query<{ id: string }>(
    `INSERT INTO lifecycle_rules (key, name, topic_id, template, apology_template, trigger_type, date_name,
                                  offset_days, deadline_days, content, purposes)
     SELECT 'renewal-ahead', 'Renewal reminder', id, 'notice', 'apology', 'date', 'renewal_date', -30, -14,
            ${content}, '{renewal-reminders}'
       FROM topics WHERE key = 'renewals' RETURNING id`,
  );
  await db.query(
    `INSERT INTO lifecycle_rules (key, name, topic_id, template, trigger_type, date_name, event_type, condition,
                                  offset_days, deadline_days, cooldown_days, content, enabled, deleted_at)
     SELECT r.key, r.name, t.id, 'notice', r.trigger, r.date_name, r.event_type, r.condition::jsonb,
            r.offset_days, r.deadline_days, r.cooldown, ${content}, r.enabled, r.deleted_at::timestamptz
       FROM (VALUES
         ('welcome', 'Welcome', 'tips', 'confirmed', NULL, NULL, NULL, 1, NULL, 0, true, NULL),
         ('usage-high', 'Busy account', 'tips', 'event', NULL, 'usage.high', NULL, 0, NULL, 30, true, NULL),
         ('family-plan', 'Family plan tips', 'tips', 'attribute', NULL, NULL,
          '{"all": [{"path": "plan", "op": "eq", "value": "family"}]}', 0, NULL, 90, true, NULL),
         ('birthday', 'Birthday', 'offers', 'date', 'birthday', NULL, NULL, 0, 0, 0, false, NULL),
         ('old-renewal', 'Old renewal reminder', 'renewals', 'date', 'renewal_date', NULL, NULL, -20, -10, 0, true,
          '2026-01-01')
       ) r(key, name, topic, trigger, date_name, event_type, condition, offset_days, deadline_days, cooldown,
           enabled, deleted_at)
       JOIN topics t ON t.key = r.topic`,
  );
  await db.query(
    `INSERT INTO lifecycle_rule_progress (rule_id, active_since, cursor_date, cursor_id, initial_done)
     VALUES ($1, $2::timestamptz - interval '120 days', ($2::timestamptz AT TIME ZONE 'UTC')::date + 31, $3, true)`,
    [rule.id, now, MAX_UUID],
  );
  await seedRenewalNotices(db, rule.id, now);
}

/** The console user, other users, API keys, the activity log, webhook endpoints and deliveries. */
async function seedSettings(db: Client, now: Date) {
  await db.query(
    `INSERT INTO users (email, name, role, password_hash, locale, created_at, last_sign_in_at)
     VALUES ($1, 'Bench Owner', 'owner', $2, 'en', $3::timestamptz - interval '400 days', NULL)`,
    [EMAIL, await hashPassword(PASSWORD), now],
  );
  await db.query(
    `INSERT INTO users (email, name, role, password_hash, locale, invited_by, disabled_at, created_at)
     SELECT 'user' || g || '@bench.test', 'User ' || g, (ARRAY['admin','marketer','analyst','support'])[1 + g % 4],
            CASE WHEN g % 7 <> 0 THEN 'not-a-real-hash' END, CASE WHEN g % 2 = 0 THEN 'nl' ELSE 'en' END,
            (SELECT id FROM users WHERE email = $1), CASE WHEN g % 9 = 0 THEN $2::timestamptz END,
            $2::timestamptz - g * interval '10 days'
       FROM generate_series(1, 24) g`,
    [EMAIL, now],
  );
  await db.query(
    `INSERT INTO api_keys (name, prefix, secret_hash, scopes, created_at, last_used_at, revoked_at)
     SELECT 'Key ' || g, 'bench' || g, md5(g::text), (ARRAY['{admin}','{subscribers:read,subscribers:write}','{sends:write}'])[1 + g % 3]::text[],
            $1::timestamptz - g * interval '20 days', $1::timestamptz - g * interval '1 hour',
            CASE WHEN g % 5 = 0 THEN $1::timestamptz - interval '1 day' END
       FROM generate_series(1, 15) g`,
    [now],
  );
  // A year of activity: 50,000 entries by users, keys and the system.
  await db.query(
    `INSERT INTO activity_log (occurred_at, actor_type, actor_id, actor_name, action, target_type, target_id, details)
     SELECT $1::timestamptz - interval '365 days' + g * interval '630 seconds',
            CASE WHEN g % 10 = 0 THEN 'api_key' ELSE 'user' END, u.id, u.name, a.action, a.target, md5(g::text),
            jsonb_build_object('n', g)
       FROM generate_series(1, 50000) g
       JOIN (SELECT id, name, row_number() OVER (ORDER BY email) - 1 AS n FROM users) u ON u.n = g % 25
       JOIN (VALUES (0, 'template.published', 'template'), (1, 'campaign.launched', 'campaign'),
                    (2, 'subscriber.erased', 'subscriber'), (3, 'api_key.created', 'api_key'),
                    (4, 'user.role_changed', 'user'), (5, 'template.published', 'template'),
                    (6, 'subscriber.erased', 'subscriber'), (7, 'campaign.cancelled', 'campaign'))
            a(n, action, target) ON a.n = g % 8`,
    [now],
  );
  await db.query(
    `INSERT INTO webhook_endpoints (url, description, events, secret, enabled, created_at)
     SELECT 'https://hooks.example.com/tidings/' || g, 'Endpoint ' || g,
            '{subscriber.unsubscribed,message.bounced,subscriber.created}', md5(g::text), g <> 4,
            $1::timestamptz - g * interval '30 days'
       FROM generate_series(1, 4) g`,
    [now],
  );
  await db.query(
    `INSERT INTO webhook_deliveries (endpoint_id, event_id, event_type, subscriber_id, data, occurred_at, status,
                                     attempts, next_attempt_at, last_attempt_at, last_response_code, last_error,
                                     delivered_at, created_at)
     SELECT e.id, gen_random_uuid(), (ARRAY['subscriber.unsubscribed','message.bounced','subscriber.created'])[1 + g % 3],
            s.id, jsonb_build_object('subscriber', s.id), x.at, x.status,
            CASE x.status WHEN 'delivered' THEN 1 WHEN 'failed' THEN 8 ELSE 2 END,
            CASE WHEN x.status = 'pending' THEN $2::timestamptz + interval '5 minutes' END,
            x.at + interval '1 second', CASE x.status WHEN 'delivered' THEN 200 ELSE 503 END,
            CASE WHEN x.status <> 'delivered' THEN 'HTTP 503' END,
            CASE WHEN x.status = 'delivered' THEN x.at + interval '1 second' END, x.at
       FROM generate_series(1, $1::bigint) g
       JOIN (SELECT id, row_number() OVER (ORDER BY created_at) - 1 AS n FROM webhook_endpoints) e ON e.n = g % 4
       JOIN bench_subscribers s ON s.n = 1 + (g * 7919) % ${SUBSCRIBERS}
       CROSS JOIN LATERAL (
         SELECT $2::timestamptz - interval '30 days' + (g::float8 / $1) * interval '30 days' AS at,
                CASE WHEN g % 100 = 0 THEN 'failed' WHEN g % 100 = 1 AND g > $1 - 5000 THEN 'pending'
                     ELSE 'delivered' END AS status
       ) x`,
    [SUBSCRIBERS * 2, now],
  );
}

/** After the app's start wrote the shipped templates: 30 published versions of each, as edits. */
async function seedTemplateVersions(db: Client) {
  await db.query(
    `INSERT INTO template_versions (template_key, version, content, origin, published_at)
     SELECT v.template_key, g, v.content, 'draft', v.published_at + g * interval '1 day'
       FROM template_versions v CROSS JOIN generate_series(2, 30) g WHERE v.version = 1`,
  );
  await db.query(`UPDATE templates SET published_version = 30`);
}

/** The API process's queue keys (it starts no workers, but its queues keep a few keys). */
async function dropKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startApi(env: NodeJS.ProcessEnv): { proc: ChildProcess; ready: Promise<void> } {
  const proc = spawn(process.execPath, ['dist/src/main.js'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  const ready = (async () => {
    const deadline = Date.now() + 90_000;
    while (!/Tidings is serving/.test(out)) {
      if (proc.exitCode !== null) throw new Error(`the API exited:\n${out.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`the API did not start:\n${out.slice(-4000)}`);
      await sleep(100);
    }
  })();
  return { proc, ready };
}

async function stopApi(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('close', () => r()));
  proc.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000).then(() => proc.kill('SIGKILL'))]);
}

/** Values for the placeholders of REQUESTS, from the seeded rows. */
async function placeholders(db: Client, base: string, cookie: string, now: Date) {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const one = async (sql: string) => String(Object.values((await db.query(sql)).rows[0])[0]);
  // A subscriber with history: the one with the most messages in the ledger.
  const subscriber = await one(
    `SELECT subscriber_id FROM outbound_messages GROUP BY subscriber_id ORDER BY count(*) DESC LIMIT 1`,
  );
  const page = await fetch(`${base}/v1/subscribers?limit=50`, { headers: { cookie } });
  const { nextCursor } = (await page.json()) as { nextCursor: string };
  return {
    today: day(now),
    from30: day(new Date(now.getTime() - 30 * 86_400_000)),
    subscriber,
    subscriberEmail: encodeURIComponent(
      await one(`SELECT email FROM subscribers WHERE id = '${subscriber}'`),
    ),
    subscribersCursor: nextCursor,
    // The latest sent campaign (the largest in the ledger).
    campaign: await one(
      `SELECT id FROM campaigns WHERE status = 'sent' ORDER BY send_at DESC LIMIT 1`,
    ),
    template: 'digest',
    topic: 'news',
    // A prefix of a seeded address (about 110 match) and a word of one subscriber's name.
    emailPrefix: 'bench42',
    nameWord: (await one(`SELECT name FROM subscribers WHERE id = '${subscriber}'`))
      .split(' ')
      .at(-1)!,
    contentItem: await one(
      `SELECT c.id FROM content_items c JOIN topics t ON t.id = c.topic_id
        WHERE t.key = 'news' AND c.withdrawn_at IS NULL AND c.published_at <= now()
        ORDER BY c.created_at DESC LIMIT 1`,
    ),
    offersContentItem: await one(
      `SELECT c.id FROM content_items c JOIN topics t ON t.id = c.topic_id
        WHERE t.key = 'offers' AND c.withdrawn_at IS NULL AND c.published_at <= now()
        ORDER BY c.created_at DESC LIMIT 1`,
    ),
    rule: 'renewal-ahead',
    suppressedEmail: encodeURIComponent(
      await one(
        `SELECT s.email FROM subscribers s
          WHERE s.status = 'bounced' AND s.email IS NOT NULL ORDER BY s.email LIMIT 1`,
      ),
    ),
    webhookEndpoint: await one(`SELECT id FROM webhook_endpoints ORDER BY created_at DESC LIMIT 1`),
  } as Record<string, string>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  const name = `tidings_bench_console_${randomBytes(3).toString('hex')}`;
  const url = databaseUrlFor(name);
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-bench-console-'));
  const keep = process.env.BENCH_KEEP === '1';
  const queuePrefix = `bench-console-${randomBytes(3).toString('hex')}`;
  let api: ChildProcess | undefined;
  await adminQuery(`CREATE DATABASE ${name}`);
  const db = new Client({ connectionString: url });
  try {
    const ds = await new DataSource(baseDataSourceOptions(url, 1)).initialize();
    await runMigrationsLocked(ds);
    await ds.destroy();
    await db.connect();

    const now = new Date();
    const seedStarted = Date.now();
    const suppressions = new SuppressionsService(
      null as unknown as ConstructorParameters<typeof SuppressionsService>[0],
      { get: () => ({ secretKey: SECRET }) } as unknown as ConfigService<AppConfig, true>,
    );
    // A bulk load: the per-row change triggers (which queue lifecycle rechecks) stay out of it.
    for (const table of ['subscribers', 'subscriber_dates', 'subscriptions'])
      await db.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    const step = async (label: string, fn: () => Promise<void>) => {
      const started = Date.now();
      await fn();
      console.log(`  ${label.padEnd(28)} ${seconds(Date.now() - started)}`);
    };
    console.log(`seeding ${SUBSCRIBERS} subscribers, ${MESSAGES} ledger rows (+ notices):`);
    await step('audience', () => seedAudience(db, now, suppressions));
    await step('content, campaigns, ledger', () => seedLedger(db, now));
    await step('lifecycle', () => seedLifecycle(db, now));
    await step('users, activity, webhooks', () => seedSettings(db, now));
    for (const table of ['subscribers', 'subscriber_dates', 'subscriptions'])
      await db.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
    // What the subscriptions' own trigger keeps on each row (migration 1764022000000).
    await step('subscription window ends', async () => {
      await db.query(`UPDATE subscriptions x
                         SET window_ends_at = watchdog_window_end(x.last_delivered_at, x.created_at, s.confirmed_at,
                                                                  x.frequency)
                        FROM subscribers s WHERE s.id = x.subscriber_id`);
    });
    // What the scheduler tick keeps on each subscriber (migration 1764025000000).
    await step('messaged since confirmation', async () => {
      while ((await db.query(MARK_MESSAGED_SQL, [MARK_BATCH])).rowCount === MARK_BATCH);
    });
    await step('VACUUM ANALYZE', async () => {
      await db.query('VACUUM ANALYZE');
    });
    const counts = (
      await db.query<Record<string, number>>(
        `SELECT (SELECT count(*) FROM subscribers)::int AS subscribers,
                (SELECT count(*) FROM subscriptions)::int AS subscriptions,
                (SELECT count(*) FROM consent_events)::int AS consent_events,
                (SELECT count(*) FROM outbound_messages)::int AS outbound_messages,
                (SELECT count(*) FROM campaigns)::int AS campaigns,
                (SELECT count(*) FROM content_items)::int AS content_items,
                (SELECT count(*) FROM suppressions)::int AS suppressions,
                (SELECT count(*) FROM activity_log)::int AS activity_log,
                (SELECT count(*) FROM webhook_deliveries)::int AS webhook_deliveries`,
      )
    ).rows[0];
    console.log(
      `seeded in ${seconds(Date.now() - seedStarted)}: ${Object.entries(counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
    );

    const port = await freePort();
    const started = startApi({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: url,
      DATABASE_MIGRATIONS_RUN: 'false',
      REDIS_URL,
      QUEUE_PREFIX: queuePrefix,
      SECRET_KEY: SECRET,
      POSTAL_ADDRESS: 'Bench B.V., Benchstraat 1, 1234 AB Amsterdam',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      MAIL_FROM: '"Bench" <news@bench.test>',
      SMTP_URL: 'smtp://127.0.0.1:2525',
      WORKERS_ENABLED: 'false',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
      PORT: String(port),
      HOST: '127.0.0.1',
    });
    api = started.proc;
    await started.ready;
    await seedTemplateVersions(db);
    await db.query('ANALYZE template_versions');

    const base = `http://127.0.0.1:${port}`;
    const signIn = await fetch(`${base}/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    });
    if (signIn.status !== 200) throw new Error(`sign-in answered ${signIn.status}`);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .find((c) => c.startsWith('tidings_session='));
    if (!cookie) throw new Error('sign-in set no session cookie');
    // The console sends the session's CSRF token with every request that is not a GET.
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };

    const values = await placeholders(db, base, cookie, now);
    const fill = (text: string) =>
      text.replace(/\{(\w+)\}/g, (_, k: string) => {
        if (!(k in values)) throw new Error(`no value for {${k}} in ${text}`);
        return values[k];
      });
    const requests = REQUESTS.map(([page, path, body]) => {
      const post = path.startsWith('POST ');
      return {
        page,
        method: post ? 'POST' : 'GET',
        path: fill(post ? path.slice(5) : path),
        body: body === undefined ? undefined : fill(JSON.stringify(body)),
        shown: post ? `${path} ${JSON.stringify(body)}` : `GET ${path}`,
      };
    }).filter((r) => !ONLY || ONLY.split(',').some((o) => r.shown.includes(o)));

    console.log(
      `\n${requests.length} requests, each ${WARMUP} warm-ups then ${RUNS} timed, one at a time, ` +
        `as the console's session; p95 target ${DATA_TARGET_MS} ms\n`,
    );
    const load = () =>
      loadavg()
        .map((n) => n.toFixed(1))
        .join(' ');
    // The machine may be shared: the load says how much else ran while timing.
    console.log(`load average before timing: ${load()}`);
    const header = `${'page'.padEnd(16)}${'request'.padEnd(72)}${'p50'.padStart(7)}${'p95'.padStart(7)}${'max'.padStart(7)}  `;
    console.log(`${header}\n${'-'.repeat(header.length + 4)}`);
    let failed = false;
    for (const r of requests) {
      const times: number[] = [];
      let status = 0;
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const t0 = performance.now();
        const res = await fetch(base + r.path, {
          method: r.method,
          headers: r.body
            ? { cookie, 'content-type': 'application/json', 'x-csrf-token': csrfToken }
            : { cookie },
          body: r.body,
        });
        await res.arrayBuffer();
        const ms = performance.now() - t0;
        status = res.status;
        if (status !== 200) break;
        if (i >= WARMUP) times.push(ms);
      }
      const label = `${r.page.padEnd(16)}${r.shown.slice(0, 71).padEnd(72)}`;
      if (status !== 200) {
        failed = true;
        console.log(`${label}  answered ${status}`);
        continue;
      }
      times.sort((a, b) => a - b);
      const [p50, p95, max] = [percentile(times, 50), percentile(times, 95), times.at(-1)!];
      const over = p95 >= DATA_TARGET_MS;
      if (over) failed = true;
      console.log(
        `${label}${p50.toFixed(0).padStart(7)}${p95.toFixed(0).padStart(7)}${max.toFixed(0).padStart(7)}  ${over ? 'OVER' : 'PASS'}`,
      );
    }

    console.log(`load average after timing: ${load()}`);

    // The same figure the build prints (.ci/build-console.mjs), from the built dist/console.
    const bytes = Number(
      execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { initialScriptGzipBytes } from './.ci/build-console.mjs';
           process.stdout.write(String(initialScriptGzipBytes(process.cwd())));`,
        ],
        { cwd: ROOT, encoding: 'utf8' },
      ),
    );
    const kb = bytes / 1024;
    const scriptOver = kb >= SCRIPT_TARGET_KB;
    if (scriptOver) failed = true;
    console.log(
      `\ninitial console JavaScript (dist/console, gzipped): ${kb.toFixed(1)} KB of ${SCRIPT_TARGET_KB} KB  ${scriptOver ? 'OVER' : 'PASS'}`,
    );
    if (failed) process.exitCode = 1;
  } finally {
    if (api) await stopApi(api);
    await dropKeys(queuePrefix);
    await db.end().catch(() => undefined);
    if (keep) console.log(`kept database ${name}`);
    else await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
