import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows, SqlParams } from '../../platform/database/sql';
import { defaultLocale, sqlDatePatterns } from '../../platform/locale';
import { ledgerInsertSql } from '../../messaging/delivery/ledger-statements';
import { hhmm, LifecycleRule } from './lifecycle-rule.entity';
import { lacksDataConsentSql } from '../../audience/purposes/data-consent-sql';

/**
 * Where the candidates of one write come from: SQL yielding the columns
 * `subscriber_id uuid, anchor_key text, anchor_date date, anchor_ts timestamptz, vars jsonb,
 *  pos_date date, pos_ts timestamptz, pos_id uuid`
 * (`anchor_key` ends the dedupe key; the anchor is a calendar date or an instant whose local day
 * counts; `pos_*` is the keyset position of a forward scan, null otherwise).
 */
export type NoticeSource = (p: SqlParams) => string;

/**
 * - `band`: the forward scan. A candidate it reaches after the deadline (the scheduler was not
 *   running, or fell behind) was promised while the rule was active: it is written as skipped
 *   `deadline_missed` so the miss is recorded and answered.
 * - `drop`: changes, events, attribute transitions. A candidate already past its deadline was
 *   never promised (the date arrived too late) and is not written; without a deadline, a notice
 *   more than a day late is not written either.
 */
export type WriteMode = 'band' | 'drop';

export interface WriteOptions {
  now: Date;
  mode: WriteMode;
  /** band mode: when the rule (re)started making promises. */
  activeSince?: Date;
  /** Apply the rule's per-subscriber cooldown (event and attribute triggers). */
  cooldown?: boolean;
}

export interface WrittenNotice {
  id: string;
  status: 'queued' | 'skipped';
  /** A skipped row's reason (`deadline_missed`, `no_data_consent`); null when queued. */
  reason: string | null;
  sendAfter: string;
  /** False when an existing row was revived or rescheduled. */
  inserted: boolean;
}

export interface WriteResult {
  /** Rows the source produced. */
  scanned: number;
  /** Candidates that are reachable (active, subscribed) and on time (or promised, in band mode). */
  eligible: number;
  rows: WrittenNotice[];
  /** The source's last keyset position, for forward scans. */
  last: { date: string | null; ts: string | null; id: string | null } | null;
}

/**
 * Skip reasons of rows that may come back to life with the same dedupe key: a date changed back,
 * a rule edited or re-enabled. Everything else a skipped row says (unsubscribed, erased, missed)
 * stays final.
 */
export const REVIVABLE_REASONS = ['date_changed', 'date_removed', 'rule_changed', 'rule_disabled'];

/**
 * Writes notices for a rule with one set-based statement: candidates from the source, joined to
 * reachable subscribers, placed at the rule's send day and local window (PostgreSQL's time zone
 * database, DST-safe), with the content filled in per locale, inserted into the send ledger with
 * `ON CONFLICT (dedupe_key)` so repeats (double ticks, two schedulers) write nothing.
 */
@Injectable()
export class NoticeWriter {
  async write(
    manager: EntityManager,
    rule: LifecycleRule,
    source: NoticeSource,
    options: WriteOptions,
  ): Promise<WriteResult> {
    const { sql, params } = this.statement(rule, source, options);
    const [result] = await queryRows<WriteResult>(manager, sql, params);
    return result;
  }

  /** The statement `write` runs (the benchmark explains it). */
  statement(
    rule: LifecycleRule,
    source: NoticeSource,
    options: WriteOptions,
  ): { sql: string; params: unknown[] } {
    const p = new SqlParams();
    const now = p.add(options.now.toISOString());
    const ruleId = p.add(rule.id);
    const topic = p.add(rule.topicId);
    const offset = p.add(rule.offsetDays);
    const deadline = p.add(rule.deadlineDays);
    const wStart = p.add(rule.windowStart);
    const wEnd = p.add(rule.windowEnd);
    const content = p.add(JSON.stringify(rule.content));
    const dates = p.add(sqlDatePatterns());
    const src = source(p);
    const late = `lifecycle_notice_late(u.send_after, u.deadline_at)`;
    const filter =
      options.mode === 'band'
        ? `lifecycle_scan_writes(${late}, u.deadline_at, ${p.add((options.activeSince ?? options.now).toISOString())}::timestamptz)`
        : `NOT ${late} AND (u.deadline_at IS NOT NULL OR u.planned_at >= ${now}::timestamptz - interval '1 day')`;
    // A consent-based purpose the rule relies on that the subscriber has not granted: the notice
    // is written as skipped `no_data_consent` (listed in the ledger and the trust audit).
    const noConsent = rule.purposes?.length
      ? lacksDataConsentSql('u.subscriber_id', `${p.add(rule.purposes)}::text[]`)
      : 'false';
    const cooldown = options.cooldown && rule.cooldownDays > 0;
    const coolCte = cooldown
      ? `, cool AS (
           INSERT INTO lifecycle_cooldowns AS k (rule_id, subscriber_id, last_fired_at)
           SELECT ${ruleId}::uuid, w.subscriber_id, ${now}::timestamptz FROM w WHERE NOT w.late AND NOT w.no_consent
           ON CONFLICT (rule_id, subscriber_id) DO UPDATE SET last_fired_at = EXCLUDED.last_fired_at
            WHERE k.last_fired_at <= EXCLUDED.last_fired_at - make_interval(days => ${p.add(rule.cooldownDays)})
           RETURNING k.subscriber_id)`
      : '';
    const sql = `
      WITH src AS MATERIALIZED (${src}),
      c AS MATERIALIZED (
        SELECT src.subscriber_id, src.anchor_key, src.vars, s.locale, s.attributes, z.tz,
               COALESCE(src.anchor_date, (src.anchor_ts AT TIME ZONE z.tz)::date) AS anchor_day
          FROM src
          JOIN audience_subscribers s ON s.id = src.subscriber_id
          JOIN audience_subscriptions x ON x.subscriber_id = src.subscriber_id AND x.topic_id = ${topic}::uuid
                              AND x.status = 'active'
          CROSS JOIN LATERAL (SELECT lifecycle_zone(s.timezone) AS tz) z
         WHERE s.status = 'active'
      ),
      t AS (
        SELECT c.*,
               lifecycle_notice_planned_at(c.anchor_day, ${offset}::int, ${wStart}::time, c.tz) AS planned_at,
               lifecycle_notice_deadline_at(c.anchor_day, ${deadline}::int, ${wEnd}::time, c.tz) AS deadline_at
          FROM c
      ),
      u AS (
        SELECT t.*,
               lifecycle_notice_send_after(t.planned_at, ${now}::timestamptz, t.tz, ${wStart}::time, ${wEnd}::time) AS send_after
          FROM t
      ),
      w AS (
        SELECT u.*, ${late} AS late, ${noConsent} AS no_consent FROM u WHERE ${filter}
      )${coolCte},
      ins AS (
        ${ledgerInsertSql({
          values: {
            dedupeKey: `lifecycle_notice_key(${ruleId}::uuid, w.subscriber_id, w.anchor_key)`,
            subscriberId: 'w.subscriber_id',
            topicId: `${topic}::uuid`,
            ruleId: `${ruleId}::uuid`,
            template: p.add(rule.template),
            kind: `'notice'`,
            // The subscriber's locale's content, else the default locale's.
            data: `lifecycle_fill(COALESCE(${content}::jsonb -> w.locale,
                                           ${content}::jsonb -> ${p.add(defaultLocale())}::text), f.vars)
                 || jsonb_build_object(
                      'lifecycle', jsonb_build_object(
                         'rule', ${p.add(rule.key)}::text, 'trigger', ${p.add(rule.triggerType)}::text,
                         'anchor', w.anchor_key, 'date', f.vars->>'date', 'dueDate', f.vars->>'deadline'),
                      'sendWindow', jsonb_build_object('start', ${p.add(hhmm(rule.windowStart))}::text,
                                                       'end', ${p.add(hhmm(rule.windowEnd))}::text))`,
            sendAfter: `CASE WHEN w.late OR w.no_consent THEN ${now}::timestamptz ELSE w.send_after END`,
            deadlineAt: 'w.deadline_at',
            status: `CASE WHEN w.late OR w.no_consent THEN 'skipped' ELSE 'queued' END`,
            skipReason: `CASE WHEN w.late THEN 'deadline_missed' WHEN w.no_consent THEN 'no_data_consent' END`,
          },
          from: `FROM w
          CROSS JOIN LATERAL (
            SELECT jsonb_build_object(
                     'date', lifecycle_format_date(w.anchor_day, w.locale, ${dates}::jsonb),
                     'deadline', CASE WHEN ${deadline}::int IS NULL THEN ''
                                      ELSE lifecycle_format_date(w.anchor_day + ${deadline}::int, w.locale, ${dates}::jsonb) END,
                     'days', abs(${offset}::int))
                   || lifecycle_attribute_vars(w.attributes) || w.vars AS vars) f
         ${cooldown ? 'WHERE w.late OR w.no_consent OR w.subscriber_id IN (SELECT subscriber_id FROM cool)' : ''}
         -- One order for every writer, so concurrent writers of the same keys queue up instead of
         -- deadlocking on each other's unique-index entries.
         ORDER BY 1`,
          // A date changed back, a rule edited or re-enabled: the same key comes back to life.
          onConflict: {
            revive: {
              reasons: `${p.add(REVIVABLE_REASONS)}::text[]`,
              now: `${now}::timestamptz`,
            },
          },
          returning: 'm.id, m.status, m.skip_reason, m.send_after, (m.xmax = 0) AS inserted',
        })}
      )
      SELECT (SELECT count(*) FROM src)::int AS scanned,
             (SELECT count(*) FROM w)::int AS eligible,
             (SELECT row_to_json(l) FROM (
                SELECT to_char(pos_date, 'YYYY-MM-DD') AS date, pos_ts AS ts, pos_id AS id FROM src
                 ORDER BY pos_date DESC NULLS LAST, pos_ts DESC NULLS LAST, pos_id DESC NULLS LAST
                 LIMIT 1) l) AS last,
             COALESCE((SELECT json_agg(json_build_object('id', id, 'status', status, 'reason', skip_reason,
                                                         'sendAfter', send_after, 'inserted', inserted))
                         FROM ins), '[]'::json) AS rows`;
    return { sql, params: p.values };
  }
}
