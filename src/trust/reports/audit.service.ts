import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { InvalidInputError } from '../../platform/errors/domain-errors';
import { queryRows, SqlParams } from '../../platform/database/sql';
import { SuppressionsService } from '../../audience/suppressions/suppressions.service';
import { REVIVABLE_REASONS } from '../../programmes/lifecycle/notice-writer';
import { lacksDataConsentSql } from '../../audience/purposes/data-consent-sql';
import {
  AUDIT_DEFAULT_DAYS,
  AUDIT_NONE_REASONS,
  AuditCountsDto,
  AuditItemDto,
  AuditReason,
  AuditReportDto,
  AuditRuleDto,
  AuditStatus,
  RuleAuditDto,
} from './lifecycle-report.dto';
import { MissedDeadlinesService } from './missed-deadlines.service';
import { ReportRuleRow, toReportRule } from './report.dto';

const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
/** A classified row `o` as JSON (ClassifiedJson). */
const CLASSIFIED_JSON = `json_build_object(
  'rule_id', o.rule_id, 'subscriber_id', o.subscriber_id,
  'value', to_char(o.value, 'YYYY-MM-DD'), 'status', o.status,
  'reason', o.reason, 'expected_at', o.expected_at, 'due_by', o.due_by,
  'message_id', o.message_id, 'ledger_status', o.ledger_status,
  'skip_reason', o.skip_reason, 'subscriber_status', o.subscriber_status,
  'paused_until', o.paused_until)`;
/** Candidates classified per statement when a filter may drop most of them. */
const FILTERED_CHUNK = 5000;

const NOT_APPLICABLE: Record<string, string> = {
  confirmed:
    'Anchored on the confirmation, not on a date ahead: see confirmedWithoutMessage in the summary',
  event: 'Fires when an event arrives; it cannot be foreseen',
  attribute: 'Fires when a condition becomes true; it cannot be foreseen',
};

export interface AuditFilter {
  days?: number;
  rule?: string;
  reason?: AuditReason;
  status?: AuditStatus;
  limit?: number;
  cursor?: string;
  /**
   * Classify a disabled rule as if it were enabled now: what enabling it would promise. Enabling
   * restarts a rule (LifecycleRulesService.restart: active since now, scan from its start), so
   * the rule's progress is read as a fresh one from now.
   */
  asIfEnabled?: boolean;
}

export interface AuditRuleRow extends ReportRuleRow {
  date_name: string | null;
}

export interface AuditWindow {
  from: string;
  to: string;
}

interface AuditPage {
  items: AuditItemDto[];
  nextCursor: string | null;
}

interface ClassifiedJson {
  rule_id: string;
  subscriber_id: string;
  value: string;
  status: AuditStatus;
  reason: AuditReason | null;
  expected_at: string | null;
  due_by: string;
  message_id: string | null;
  ledger_status: string | null;
  skip_reason: string | null;
  subscriber_status: string;
  paused_until: string | null;
}

/**
 * The trust audit: for every date rule, the dates coming up in the next N days and, per
 * subscriber, whether the notice is sent, scheduled or will not come, and why. Each candidate is
 * classified the way the engine would treat it (src/programmes/lifecycle: the forward scan, the recheck of
 * changed subscribers, the notice writer's eligibility and lateness rules, delivery's send-time
 * checks and pause rule, the deadline sweep); see docs/trust-measures.md for the exact rules.
 * The engine's own definitions decide: the dedupe key, the due moment, deadline and lateness,
 * what the forward scan writes and where it continues are the lifecycle module's SQL functions
 * (migrations/1764000970000-LifecycleNoticeRules.ts) that the scheduler runs too, and the
 * revivable skip reasons are the notice writer's.
 * Everything is set-based: candidates come from a range scan of subscriber_dates (name, value),
 * suppression is checked with the keyed hash computed in SQL.
 */
@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly suppressions: SuppressionsService,
    private readonly missed: MissedDeadlinesService,
  ) {}

  async report(filter: AuditFilter, now: Date): Promise<AuditReportDto> {
    const days = filter.days ?? AUDIT_DEFAULT_DAYS;
    const window = auditWindow(now, days);
    const rules = await this.rules(filter.rule);
    const [counts, page] = await Promise.all([
      filter.cursor ? Promise.resolve(null) : this.counts(rules, window, now, filter.asIfEnabled),
      this.page(rules, window, now, filter),
    ]);
    return {
      asOf: now,
      days,
      window,
      rules: counts?.rules ?? null,
      totals: counts?.totals ?? null,
      ...page,
    };
  }

  /**
   * One rule's audit, for the console before enabling it: a disabled rule is classified as if it
   * were enabled now (the same classification; see asIfEnabled), plus who has no such date.
   */
  async ruleAudit(
    idOrKey: string,
    filter: Omit<AuditFilter, 'rule' | 'asIfEnabled'>,
    now: Date,
  ): Promise<RuleAuditDto> {
    const days = filter.days ?? AUDIT_DEFAULT_DAYS;
    const window = auditWindow(now, days);
    const [rule] = await this.rules(idOrKey);
    const rules = [rule];
    const asIfEnabled = !rule.enabled;
    const first = !filter.cursor;
    const date = rule.trigger_type === 'date' && first;
    // A filtered first page of a date rule comes from the counts' own classification (every
    // date of the window, in the page's order): one pass over the window instead of two, as the
    // filtered page classifies up to 5,000 dates at a time. Unfiltered, the page classifies only
    // its own rows, alongside the counts.
    const filtered = !!(filter.reason || filter.status);
    const [[counts, page], others] = await Promise.all([
      date && filtered
        ? this.countsAndFirstPage(rule, window, now, asIfEnabled, filter)
        : Promise.all([
            first ? this.counts(rules, window, now, asIfEnabled) : Promise.resolve(null),
            this.page(rules, window, now, { ...filter, asIfEnabled }),
          ]),
      date
        ? queryRows<{ without_date: number; after_window: number }>(
            this.dataSource,
            // The topic's active subscribers without the date: by the subscriptions' topic index
            // and the dates' primary key; the later dates: a range scan of the date index.
            `SELECT (SELECT count(*) FROM audience_subscriptions x
                       JOIN audience_subscribers s ON s.id = x.subscriber_id
                      WHERE x.topic_id = $1 AND x.status = 'active' AND s.status = 'active'
                        AND NOT EXISTS (SELECT 1 FROM audience_subscriber_dates d
                                         WHERE d.subscriber_id = x.subscriber_id AND d.name = $2))::int
                      AS without_date,
                    (SELECT count(*) FROM audience_subscriber_dates d
                      WHERE d.name = $2 AND d.value > $3::date)::int AS after_window`,
            [rule.topic_id, rule.date_name, window.to],
          )
        : Promise.resolve(null),
    ]);
    return {
      asOf: now,
      days,
      window,
      asIfEnabled,
      counts: counts?.rules[0] ?? null,
      withoutDate: others?.[0].without_date ?? null,
      afterWindow: others?.[0].after_window ?? null,
      ...page,
    };
  }

  /** Rules that are not deleted, by key (or the one asked for: 404 naming `rule` if unknown). */
  async rules(idOrKey?: string): Promise<AuditRuleRow[]> {
    const id = idOrKey ? (await this.missed.findRule(idOrKey)).id : null;
    const rules = await queryRows<AuditRuleRow>(
      this.dataSource,
      `SELECT r.id, r.key, r.name, r.trigger_type, r.enabled, r.date_name, t.id AS topic_id, t.key AS topic_key
         FROM programmes_lifecycle_rules r JOIN audience_topics t ON t.id = r.topic_id
        WHERE r.deleted_at IS NULL AND ($1::uuid IS NULL OR r.id = $1)`,
      [id],
    );
    // Ordered in code point order, as the page cursor compares keys (a collation might not).
    return rules.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * One date rule's counts and its first page, classified once: the page's rows are the first
   * `limit` (+1, for the cursor) of the window's dates in (date, subscriber) order that pass the
   * filter, the rows page() would walk to, classified by the same statement.
   */
  async countsAndFirstPage(
    rule: AuditRuleRow,
    window: AuditWindow,
    now: Date,
    asIfEnabled: boolean,
    filter: Pick<AuditFilter, 'reason' | 'status' | 'limit'>,
  ): Promise<[{ rules: AuditRuleDto[]; totals: AuditCountsDto }, AuditPage]> {
    const limit = filter.limit ?? 50;
    const p = new SqlParams();
    const source = `
      SELECT r.*, d.subscriber_id, d.value
        FROM r JOIN audience_subscriber_dates d
          ON d.name = r.date_name AND d.value >= ${p.add(window.from)}::date
         AND d.value <= ${p.add(window.to)}::date`;
    const sql = this.classified(p, [rule.id], now, source, asIfEnabled);
    const reason = p.add(filter.reason ?? null);
    const status = p.add(filter.status ?? null);
    const [result] = await this.classify<{
      counts: Array<{
        rule_id: string;
        status: AuditStatus;
        reason: string | null;
        n: number;
      }> | null;
      rows: ClassifiedJson[];
    }>(
      `${sql}
       SELECT (SELECT json_agg(g) FROM (SELECT rule_id, status, reason, count(*)::int AS n
                                          FROM o GROUP BY 1, 2, 3) g) AS counts,
              COALESCE((SELECT json_agg(${CLASSIFIED_JSON} ORDER BY o.value, o.subscriber_id)
                          FROM (SELECT * FROM o
                                 WHERE (${reason}::text IS NULL OR o.reason = ${reason})
                                   AND (${status}::text IS NULL OR o.status = ${status})
                                 ORDER BY o.value, o.subscriber_id
                                 LIMIT ${p.add(limit + 1)}) o), '[]'::json) AS rows`,
      p.values,
    );
    const items = result.rows.map((r) => toItem(r, rule));
    const kept = items.slice(0, limit);
    const last = kept[kept.length - 1];
    return [
      this.tally([rule], result.counts ?? []),
      {
        items: kept,
        nextCursor:
          items.length > limit && last
            ? encodeAuditCursor({ key: rule.key, date: last.date, subscriberId: last.subscriberId })
            : null,
      },
    ];
  }

  /** Counts per rule, status and reason over every date in the window. */
  async counts(
    rules: AuditRuleRow[],
    window: AuditWindow,
    now: Date,
    asIfEnabled = false,
  ): Promise<{ rules: AuditRuleDto[]; totals: AuditCountsDto }> {
    const dateRules = rules.filter((r) => r.trigger_type === 'date');
    let rows: Array<{ rule_id: string; status: AuditStatus; reason: string | null; n: number }> =
      [];
    if (dateRules.length) {
      const { sql, params } = this.countsStatement(dateRules, window, now, asIfEnabled);
      rows = await this.classify(sql, params);
    }
    return this.tally(rules, rows);
  }

  private tally(
    rules: AuditRuleRow[],
    rows: Array<{ rule_id: string; status: AuditStatus; reason: string | null; n: number }>,
  ): { rules: AuditRuleDto[]; totals: AuditCountsDto } {
    const totals = emptyCounts();
    const out = rules.map((r): AuditRuleDto => {
      const applicable = r.trigger_type === 'date';
      const c = emptyCounts();
      for (const row of rows.filter((x) => x.rule_id === r.id)) {
        for (const target of [c, totals]) {
          target.dates += row.n;
          target[row.status] += row.n;
          if (row.reason) target.byReason[row.reason] = (target.byReason[row.reason] ?? 0) + row.n;
        }
      }
      return {
        rule: toReportRule(r, false),
        applicable,
        note: applicable ? null : (NOT_APPLICABLE[r.trigger_type] ?? null),
        ...c,
      };
    });
    return { rules: out, totals };
  }

  /**
   * One page of classified rows, by rule key, date and subscriber id. Walks each rule's dates in
   * index order a chunk at a time, classifies the chunk in one statement and keeps the rows that
   * pass the filter, until the page is full: the cost of a page does not grow with its depth.
   */
  async page(
    rules: AuditRuleRow[],
    window: AuditWindow,
    now: Date,
    filter: AuditFilter,
  ): Promise<{ items: AuditItemDto[]; nextCursor: string | null }> {
    const limit = filter.limit ?? 50;
    const after = filter.cursor ? decodeAuditCursor(filter.cursor) : null;
    const filtered = !!(filter.reason || filter.status);
    const chunk = filtered ? FILTERED_CHUNK : limit + 1;
    const items: Array<AuditItemDto & { ruleKey: string }> = [];
    const dateRules = rules.filter(
      (r) => r.trigger_type === 'date' && (!after || r.key >= after.key),
    );
    for (const rule of dateRules) {
      let pos =
        after && rule.key === after.key
          ? { value: after.date, id: after.subscriberId }
          : { value: dayBefore(window.from), id: MAX_UUID };
      for (;;) {
        const { sql, params } = this.chunkStatement(rule, pos, chunk, window, now, filter);
        const [result] = await this.classify<{
          scanned: number;
          last: { value: string; id: string } | null;
          rows: ClassifiedJson[];
        }>(sql, params);
        for (const r of result.rows) items.push({ ...toItem(r, rule), ruleKey: rule.key });
        if (items.length > limit) break;
        if (result.scanned < chunk || !result.last) break;
        pos = result.last;
      }
      if (items.length > limit) break;
    }
    const kept = items.slice(0, limit);
    const last = kept[kept.length - 1];
    return {
      items: kept.map(({ ruleKey: _, ...item }) => item),
      nextCursor:
        items.length > limit && last
          ? encodeAuditCursor({
              key: last.ruleKey,
              date: last.date,
              subscriberId: last.subscriberId,
            })
          : null,
    };
  }

  /**
   * Runs a classification statement with JIT compilation off: it is a chain of index lookups per
   * date, and PostgreSQL's cost estimate for that crosses the JIT threshold, where compiling
   * costs far more (measured: over a second) than the statement itself.
   */
  private classify<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL jit = off');
      return queryRows<T>(manager, sql, params);
    });
  }

  /** The statement behind counts() (public for the benchmark's EXPLAIN). */
  countsStatement(
    dateRules: AuditRuleRow[],
    window: AuditWindow,
    now: Date,
    asIfEnabled = false,
  ): { sql: string; params: unknown[] } {
    const p = new SqlParams();
    const source = `
      SELECT r.*, d.subscriber_id, d.value
        FROM r JOIN audience_subscriber_dates d
          ON d.name = r.date_name AND d.value >= ${p.add(window.from)}::date
         AND d.value <= ${p.add(window.to)}::date`;
    const sql = this.classified(
      p,
      dateRules.map((r) => r.id),
      now,
      source,
      asIfEnabled,
    );
    return {
      sql: `${sql} SELECT rule_id, status, reason, count(*)::int AS n FROM o GROUP BY 1, 2, 3`,
      params: p.values,
    };
  }

  /**
   * One chunk of a page: the next `chunk` dates of one rule after `pos` in index order
   * (a range scan of subscriber_dates (name, value, subscriber_id)), classified; returns how many
   * were scanned, the last position, and the rows that pass the filter.
   */
  chunkStatement(
    rule: AuditRuleRow,
    pos: { value: string; id: string },
    chunk: number,
    window: AuditWindow,
    now: Date,
    filter: Pick<AuditFilter, 'reason' | 'status' | 'asIfEnabled'>,
  ): { sql: string; params: unknown[] } {
    const p = new SqlParams();
    const name = p.add(rule.date_name);
    const source = `
      SELECT r.*, d.subscriber_id, d.value
        FROM r CROSS JOIN LATERAL (
          SELECT d.subscriber_id, d.value FROM audience_subscriber_dates d
           WHERE d.name = ${name}
             AND (d.name, d.value, d.subscriber_id) > (${name}, ${p.add(pos.value)}::date, ${p.add(pos.id)}::uuid)
             AND d.value <= ${p.add(window.to)}::date
           ORDER BY d.name, d.value, d.subscriber_id
           LIMIT ${p.add(chunk)}) d`;
    const sql = this.classified(p, [rule.id], now, source, filter.asIfEnabled);
    const reason = p.add(filter.reason ?? null);
    const status = p.add(filter.status ?? null);
    return {
      sql: `${sql}
       SELECT (SELECT count(*) FROM src)::int AS scanned,
              (SELECT json_build_object('value', to_char(value, 'YYYY-MM-DD'), 'id', subscriber_id)
                 FROM src ORDER BY value DESC, subscriber_id DESC LIMIT 1) AS last,
              COALESCE((SELECT json_agg(${CLASSIFIED_JSON} ORDER BY o.value, o.subscriber_id)
                          FROM o
                         WHERE (${reason}::text IS NULL OR o.reason = ${reason})
                           AND (${status}::text IS NULL OR o.status = ${status})), '[]'::json) AS rows`,
      params: p.values,
    };
  }

  /**
   * The classification of candidates from the SQL `source` (the columns of the CTE `r` of the
   * rules, then `subscriber_id` and `value`), as CTEs ending in `o`. In order, the first that applies:
   *
   * 1. A ledger row `rule:<rule>:<subscriber>:<date>` that is `sent` → sent; `sending` →
   *    scheduled.
   * 2. A final ledger row (failed, suppressed, or skipped for a reason that is never revived):
   *    none, with the ledger's reason (deadline_missed; left_topic for not_subscribed and
   *    subscriber_unsubscribed/complained; no_valid_address for subscriber_bounced/erased;
   *    suppressed; delivery_failed).
   * 3. Queued, or not written yet (no row, or a row the engine would revive): what the engine
   *    would do now. rule_disabled; no_valid_address (no address, or bounced); suppressed (the
   *    address's keyed hash is in suppressions: delivery would mark it so); left_topic (left the
   *    notice topic or everything); not_subscribed (never joined the topic, or not confirmed).
   * 4. Queued with its deadline passed: deadline_missed (the next sweep records it).
   *    Not written and too late to send before the deadline: deadline_missed when the forward scan
   *    will still reach it while the rule was active before the deadline (it records the miss
   *    and apologises), otherwise deadline_passed (never promised: the date or the rule came
   *    after the deadline).
   * 5. Not written, on time, but the forward scan is past it and the subscriber is not waiting for
   *    a recheck: not_picked_up (nothing would write it; should never happen).
   * 6. Scheduled. With a pause running at the moment it goes out: paused_past_deadline when the
   *    deadline falls inside the pause or the first window after it (delivery sends it during the
   *    pause), paused otherwise (delivery defers it to the first window after the pause).
   */
  private classified(
    p: SqlParams,
    ruleIds: string[],
    now: Date,
    source: string,
    asIfEnabled = false,
  ): string {
    const at = p.add(now.toISOString());
    // As if enabled now: a disabled rule is read as restarted at `now` (no scan position yet).
    const fresh = `(${p.add(asIfEnabled)}::boolean AND NOT r.enabled)`;
    const noneReasons = p.add([...AUDIT_NONE_REASONS]);
    const hash = this.suppressions.sqlHash('c.email', (v) => p.add(v));
    return `
      WITH r AS MATERIALIZED (
        SELECT r.id AS rule_id, r.date_name, r.topic_id, r.offset_days, r.deadline_days, r.window_start,
               r.window_end, r.enabled OR ${fresh} AS enabled, r.purposes, f.active_since,
               a.scan_date, a.scan_id
          FROM programmes_lifecycle_rules r
          LEFT JOIN programmes_lifecycle_rule_progress g ON g.rule_id = r.id
          CROSS JOIN LATERAL (
            SELECT CASE WHEN ${fresh} THEN ${at}::timestamptz ELSE g.active_since END AS active_since,
                   CASE WHEN ${fresh} THEN NULL ELSE g.cursor_date END AS cursor_date,
                   CASE WHEN ${fresh} THEN NULL ELSE g.cursor_id END AS cursor_id) f
          -- Where the forward scan continues, as the due scan reads it: it writes the dates after.
          CROSS JOIN LATERAL lifecycle_date_scan_after(f.cursor_date, f.cursor_id, f.active_since,
                                                       r.deadline_days) a
         WHERE r.id = ANY(${p.add(ruleIds)}::uuid[])
      ),
      src AS MATERIALIZED (${source}),
      -- Materialised, so each row's zone is looked up once, not once per use below.
      j AS MATERIALIZED (
        SELECT src.rule_id, src.subscriber_id, src.value, src.enabled, src.window_start, src.window_end,
               src.offset_days, src.deadline_days, src.active_since, src.scan_date, src.scan_id,
               COALESCE(cardinality(src.purposes) > 0
                        AND ${lacksDataConsentSql('src.subscriber_id', 'src.purposes')}, false) AS no_consent,
               s.status AS subscriber_status, s.email, s.paused_until, lifecycle_zone(s.timezone) AS tz,
               x.status AS subscription_status,
               m.id AS message_id, m.status AS ledger_status, m.skip_reason,
               m.send_after AS ledger_send_after, m.deadline_at AS ledger_deadline, m.sent_at
          FROM src
          -- Lookups by unique key, per date: the cost follows the dates in the window, not the
          -- size of the ledger or of the subscriber table. (LIMIT 1 keeps the planner from
          -- turning them into hash joins over whole tables.)
          CROSS JOIN LATERAL (SELECT s.status, s.email, s.paused_until, s.timezone
                                FROM audience_subscribers s WHERE s.id = src.subscriber_id LIMIT 1) s
          LEFT JOIN LATERAL (SELECT x.status FROM audience_subscriptions x
                              WHERE x.subscriber_id = src.subscriber_id AND x.topic_id = src.topic_id
                              LIMIT 1) x ON true
          LEFT JOIN LATERAL (
            SELECT m.id, m.status, m.skip_reason, m.send_after, m.deadline_at, m.sent_at
              FROM messaging_ledger_messages m
             WHERE m.dedupe_key = lifecycle_notice_key(src.rule_id, src.subscriber_id, lifecycle_date_anchor(src.value))
             LIMIT 1
          ) m ON true
      ),
      -- When the notice is due and its deadline, as the notice writer computes them.
      c AS MATERIALIZED (
        SELECT j.*,
               lifecycle_notice_planned_at(j.value, j.offset_days, j.window_start, j.tz) AS planned_at,
               lifecycle_notice_deadline_at(j.value, j.deadline_days, j.window_end, j.tz) AS deadline_at
          FROM j
      ),
      e AS (
        SELECT c.*,
               c.ledger_status IS NULL
                 OR (c.ledger_status = 'skipped' AND c.skip_reason = ANY(${p.add(REVIVABLE_REASONS)}::text[])) AS unwritten,
               CASE WHEN c.ledger_status = 'queued' THEN c.ledger_deadline ELSE c.deadline_at END AS due_by,
               -- Queued: when it is to go; not written yet: when it would go if written now.
               CASE WHEN c.ledger_status = 'queued' THEN c.ledger_send_after
                    ELSE lifecycle_notice_send_after(c.planned_at, ${at}::timestamptz, c.tz, c.window_start, c.window_end)
               END AS send_at,
               c.email IS NOT NULL
                 AND EXISTS (SELECT 1 FROM audience_suppressions h WHERE h.address_hash = ${hash}) AS suppressed,
               EXISTS (SELECT 1 FROM programmes_lifecycle_recheck k WHERE k.subscriber_id = c.subscriber_id) AS recheck,
               COALESCE((c.value, c.subscriber_id) > (c.scan_date, c.scan_id), false) AS ahead
          FROM c
      ),
      q AS MATERIALIZED (
        SELECT e.*, CASE
            WHEN e.ledger_status IN ('sent', 'sending') THEN NULL
            WHEN e.ledger_status = 'suppressed' THEN 'suppressed'
            WHEN e.ledger_status = 'failed' THEN 'delivery_failed'
            WHEN e.ledger_status = 'skipped' AND NOT e.unwritten THEN CASE
                 WHEN e.skip_reason = 'deadline_missed' THEN 'deadline_missed'
                 WHEN e.skip_reason IN ('not_subscribed', 'subscriber_unsubscribed', 'subscriber_complained') THEN 'left_topic'
                 WHEN e.skip_reason IN ('subscriber_bounced', 'subscriber_erased') THEN 'no_valid_address'
                 WHEN e.skip_reason = 'subscriber_pending' THEN 'not_subscribed'
                 WHEN e.skip_reason = 'no_data_consent' THEN 'no_data_consent'
                 ELSE 'other' END
            WHEN NOT e.enabled THEN 'rule_disabled'
            WHEN e.email IS NULL OR e.subscriber_status IN ('bounced', 'erased') THEN 'no_valid_address'
            WHEN e.suppressed THEN 'suppressed'
            WHEN e.subscriber_status IN ('unsubscribed', 'complained') OR e.subscription_status = 'unsubscribed' THEN 'left_topic'
            WHEN e.subscriber_status <> 'active' OR e.subscription_status IS DISTINCT FROM 'active' THEN 'not_subscribed'
            -- The notice writer (and delivery, for one queued before a withdrawal) skips it.
            WHEN e.no_consent THEN 'no_data_consent'
            WHEN NOT e.unwritten AND e.due_by <= ${at}::timestamptz THEN 'deadline_missed'
            WHEN e.unwritten AND lifecycle_notice_late(e.send_at, e.due_by) THEN
                 CASE WHEN e.ahead AND lifecycle_scan_writes(true, e.due_by, e.active_since)
                      THEN 'deadline_missed' ELSE 'deadline_passed' END
            WHEN e.unwritten AND NOT e.ahead AND NOT e.recheck THEN 'not_picked_up'
            WHEN e.paused_until > e.send_at THEN
                 CASE WHEN e.due_by <= e.paused_until
                        OR lifecycle_next_window(e.paused_until, e.tz, e.window_start, e.window_end) > e.due_by
                      THEN 'paused_past_deadline' ELSE 'paused' END
          END AS reason
          FROM e
      ),
      o AS (
        SELECT q.*, st.status,
               CASE WHEN st.status = 'sent' THEN q.sent_at
                    WHEN st.status = 'none' THEN NULL
                    WHEN q.reason = 'paused'
                      THEN lifecycle_next_window(q.paused_until, q.tz, q.window_start, q.window_end)
                    ELSE q.send_at END AS expected_at
          FROM q
          CROSS JOIN LATERAL (SELECT CASE WHEN q.ledger_status = 'sent' THEN 'sent'
                                          WHEN q.reason = ANY(${noneReasons}::text[]) THEN 'none'
                                          ELSE 'scheduled' END AS status) st
      )`;
  }
}

/** Today (UTC) up to and including today + days. */
export function auditWindow(now: Date, days: number): AuditWindow {
  const today = DateTime.fromJSDate(now, { zone: 'utc' }).startOf('day');
  return { from: today.toISODate()!, to: today.plus({ days }).toISODate()! };
}

function dayBefore(day: string): string {
  return DateTime.fromISO(day, { zone: 'utc' }).minus({ days: 1 }).toISODate()!;
}

function emptyCounts(): AuditCountsDto {
  return { dates: 0, sent: 0, scheduled: 0, none: 0, byReason: {} };
}

const date = (v: string | null) => (v ? new Date(v) : null);

function toItem(r: ClassifiedJson, rule: AuditRuleRow): AuditItemDto {
  return {
    rule: { id: rule.id, key: rule.key, name: rule.name },
    subscriberId: r.subscriber_id,
    date: r.value,
    status: r.status,
    reason: r.reason,
    sendAt: date(r.expected_at),
    deadlineAt: new Date(r.due_by),
    messageId: r.message_id,
    ledgerStatus: r.ledger_status,
    skipReason: r.skip_reason,
    subscriberStatus: r.subscriber_status,
    pausedUntil: date(r.paused_until),
  };
}

interface AuditCursor {
  key: string;
  date: string;
  subscriberId: string;
}

function encodeAuditCursor(c: AuditCursor): string {
  return Buffer.from(JSON.stringify([c.key, c.date, c.subscriberId])).toString('base64url');
}

function decodeAuditCursor(cursor: string): AuditCursor {
  try {
    const [key, day, subscriberId] = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    ) as unknown[];
    if (
      typeof key === 'string' &&
      typeof day === 'string' &&
      /^\d{4}-\d{2}-\d{2}$/.test(day) &&
      typeof subscriberId === 'string' &&
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(subscriberId)
    ) {
      return { key, date: day, subscriberId };
    }
  } catch {
    // fall through
  }
  throw new InvalidInputError('cursor is not a cursor this API returned', 'cursor');
}
