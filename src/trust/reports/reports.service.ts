import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryRows } from '../../platform/database/sql';
import { Period } from './report-period';
import {
  ReportFiguresDto,
  ReportTopicDto,
  RuleReportDto,
  RuleReportRowDto,
  TemplateReportDto,
  TopicReportDto,
  ReportRuleRow,
  toReportRule,
} from './report.dto';

/**
 * What a report groups the ledger by: `key` is the group ('' stands for "no topic" so groups join
 * on equality); `only` restricts the rows (a rule report has no use for other messages).
 */
const GROUPS = {
  topic: { key: `COALESCE(m.topic_id::text, '')`, only: 'true' },
  template: { key: `m.template`, only: 'true' },
  // Apologies carry their rule too: a rule's figures include the apologies it had to send.
  rule: { key: `m.rule_id::text`, only: 'm.rule_id IS NOT NULL' },
} as const;
export type GroupBy = keyof typeof GROUPS;

/** An opt-out or complaint counts against a send when it follows within this window. */
export const ATTRIBUTION_DAYS = 7;

export interface FigureRow {
  g: string;
  sent: number;
  helpful: number;
  unhelpful: number;
  hard: number;
  soft: number;
  unsubscribes: number;
  complaints: number;
}

/** Figures per group, and the totals of all of them (a median does not add up, so it comes along). */
export interface GroupedFigures {
  groups: Map<string, ReportFiguresDto>;
  totals: ReportFiguresDto;
}

/**
 * Sends and what followed them, per topic, template or lifecycle rule, over a period. Everything
 * is one set-based query per figure family, driven by the ledger's partial indexes on sent_at and
 * (subscriber_id, sent_at); nothing is loaded per subscriber.
 */
@Injectable()
export class ReportsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async byTopic(period: Period): Promise<TopicReportDto> {
    const { groups, totals } = await this.figures('topic', period);
    const ids = [...groups.keys()].filter(Boolean);
    const topics = new Map(
      (
        await queryRows<ReportTopicDto>(
          this.dataSource,
          `SELECT id, key, name, kind FROM audience_topics WHERE id = ANY($1::uuid[])`,
          [ids],
        )
      ).map((t) => [t.id, t]),
    );
    const rows = [...groups.entries()]
      .map(([g, f]) => ({ topic: g ? (topics.get(g) ?? null) : null, ...f }))
      // Messages without a topic (confirmations) last.
      .sort((a, b) =>
        a.topic && b.topic
          ? a.topic.key.localeCompare(b.topic.key)
          : a.topic
            ? -1
            : b.topic
              ? 1
              : 0,
      );
    return { period, rows, totals };
  }

  async byTemplate(period: Period): Promise<TemplateReportDto> {
    const { groups, totals } = await this.figures('template', period);
    const rows = [...groups.entries()]
      .map(([template, f]) => ({ template, ...f }))
      .sort((a, b) => a.template.localeCompare(b.template));
    return { period, rows, totals };
  }

  /**
   * Every rule that is not deleted (with zeros when it had nothing to do), and deleted rules that
   * still have figures in the period. `sent` includes the rule's apologies; `apologiesSent` says
   * how many of them there were.
   */
  async byRule(period: Period): Promise<RuleReportDto> {
    const [{ groups, totals }, rules, apologies] = await Promise.all([
      this.figures('rule', period),
      queryRows<ReportRuleRow & { deleted: boolean }>(
        this.dataSource,
        `SELECT r.id, r.key, r.name, r.trigger_type, r.enabled, r.deleted_at IS NOT NULL AS deleted,
                t.id AS topic_id, t.key AS topic_key
           FROM programmes_lifecycle_rules r JOIN audience_topics t ON t.id = r.topic_id
          ORDER BY r.key, r.deleted_at NULLS FIRST`,
      ),
      queryRows<{ rule_id: string; n: number }>(
        this.dataSource,
        `SELECT m.rule_id, count(*)::int AS n
           FROM messaging_ledger_messages m
          WHERE m.status = 'sent' AND m.sent_at >= $1 AND m.sent_at < $2
            AND m.rule_id IS NOT NULL AND m.dedupe_key LIKE 'apology:%'
          GROUP BY m.rule_id`,
        [period.from, period.to],
      ),
    ]);
    const apologyCounts = new Map(apologies.map((a) => [a.rule_id, a.n]));
    const rows: RuleReportRowDto[] = rules
      .filter((r) => !r.deleted || groups.has(r.id))
      .map((r) => ({
        rule: toReportRule(r, r.deleted),
        ...(groups.get(r.id) ?? emptyFigures()),
        apologiesSent: apologyCounts.get(r.id) ?? 0,
      }));
    return { period, rows, totals };
  }

  /** Figures keyed by group (topic id or '' / template / rule id), and their totals. */
  async figures(groupBy: GroupBy, period: Period): Promise<GroupedFigures> {
    const { key: g, only } = GROUPS[groupBy];
    const [main, decided, lifecycle] = await Promise.all([
      this.sentFigures(g, only, period),
      queryRows<{ g: string; status: string; reason: string | null; n: number }>(
        this.dataSource,
        `SELECT ${g} AS g, m.status, m.skip_reason AS reason, count(*)::int AS n
           FROM messaging_ledger_messages m
          WHERE m.status IN ('skipped', 'suppressed', 'failed') AND m.updated_at >= $1 AND m.updated_at < $2
            AND ${only}
          GROUP BY 1, 2, 3`,
        [period.from, period.to],
      ),
      this.lifecycleFigures(g, only, period),
    ]);
    const out = new Map<string, ReportFiguresDto>();
    const at = (key: string) => {
      let f = out.get(key);
      if (!f) out.set(key, (f = emptyFigures()));
      return f;
    };
    for (const r of main) {
      Object.assign(at(r.g), {
        sent: r.sent,
        helpful: r.helpful,
        unhelpful: r.unhelpful,
        helpfulRatio: ratio(r.helpful, r.unhelpful),
        unsubscribes: r.unsubscribes,
        complaints: r.complaints,
        bounces: { hard: r.hard, soft: r.soft },
      });
    }
    for (const r of decided) {
      const f = at(r.g);
      if (r.status === 'skipped') f.skipped[r.reason ?? 'unknown'] = r.n;
      else if (r.status === 'suppressed') f.suppressed += r.n;
      else f.failed += r.n;
    }
    let totalLead: number | null = null;
    for (const r of lifecycle) {
      if (r.total) {
        totalLead = roundDays(r.lead_days);
        continue;
      }
      const f = at(r.g);
      f.missedDeadlines = r.missed;
      f.medianLeadDays = roundDays(r.lead_days);
    }
    const totals = sumFigures([...out.values()]);
    totals.medianLeadDays = totalLead;
    return { groups: out, totals };
  }

  /**
   * Sent, votes, bounces, complaints and attributed opt-outs per group `g` (an SQL expression
   * over the ledger alias `m`) of the sent messages `only` selects. `params` are `$4` onwards.
   */
  sentFigures(
    g: string,
    only: string,
    period: Period,
    params: unknown[] = [],
  ): Promise<FigureRow[]> {
    return queryRows<FigureRow>(
      this.dataSource,
      `WITH sent AS (
         SELECT m.id, m.subscriber_id, m.sent_at, ${g} AS g
           FROM messaging_ledger_messages m
          WHERE m.status = 'sent' AND m.sent_at >= $1 AND m.sent_at < $2 AND ${only}
       ),
       votes AS (
         SELECT s.g, count(*) FILTER (WHERE v.helpful) AS helpful,
                count(*) FILTER (WHERE NOT v.helpful) AS unhelpful
           FROM sent s JOIN trust_feedback_votes v ON v.message_id = s.id
          GROUP BY s.g
       ),
       signals AS (
         SELECT s.g, count(*) FILTER (WHERE d.type = 'hard_bounce') AS hard,
                count(*) FILTER (WHERE d.type = 'soft_bounce') AS soft,
                count(*) FILTER (WHERE d.type = 'complaint') AS complaints
           FROM sent s JOIN surfaces_delivery_signals d ON d.message_id = s.id
          WHERE d.type IN ('hard_bounce', 'soft_bounce', 'complaint')
          GROUP BY s.g
       ),
       -- Each opt-out is attributed once: to the last message sent to that person before it
       -- (in the topic they left, or any message when they left everything), if within the window,
       -- and counted when that message is one of "sent" (sent in the period, of the rows counted).
       -- Tested on the last message itself: joining "sent" sorted every sent row of the period to
       -- match a few opt-outs (npm run bench:console: the 30-day topic report 2.7 s, then 1.4 s).
       unsubscribes AS (
         SELECT last.g, count(*) AS n
           FROM audience_consent_events e
           CROSS JOIN LATERAL (
             SELECT m.sent_at, ${g} AS g, (${only}) AS counted
               FROM messaging_ledger_messages m
              WHERE m.subscriber_id = e.subscriber_id AND m.status = 'sent'
                AND m.sent_at <= e.occurred_at
                AND m.sent_at > e.occurred_at - make_interval(days => $3)
                AND (e.topic_id IS NULL OR m.topic_id = e.topic_id)
              ORDER BY m.sent_at DESC LIMIT 1
           ) last
          WHERE e.action = 'opt_out' AND e.source <> 'system'
            AND e.occurred_at >= $1 AND e.occurred_at < $2::timestamptz + make_interval(days => $3)
            AND last.sent_at >= $1 AND last.sent_at < $2 AND last.counted
          GROUP BY last.g
       ),
       sent_counts AS (SELECT g, count(*) AS n FROM sent GROUP BY g)
       SELECT c.g, c.n::int AS sent,
              COALESCE(v.helpful, 0)::int AS helpful, COALESCE(v.unhelpful, 0)::int AS unhelpful,
              COALESCE(x.hard, 0)::int AS hard, COALESCE(x.soft, 0)::int AS soft,
              COALESCE(x.complaints, 0)::int AS complaints, COALESCE(u.n, 0)::int AS unsubscribes
         FROM sent_counts c
         LEFT JOIN votes v ON v.g = c.g
         LEFT JOIN signals x ON x.g = c.g
         LEFT JOIN unsubscribes u ON u.g = c.g`,
      [period.from, period.to, ATTRIBUTION_DAYS, ...params],
    );
  }

  /**
   * Missed deadlines detected in the period (lifecycle_missed_promises, attributed through the
   * missed notice's ledger row) and the median lead time of the date notices sent in it: from
   * sent_at to the start of the date the notice is about, in the subscriber's time zone. The
   * date comes from `data.lifecycle.anchor` (YYYY-MM-DD for date rules; `date` and `dueDate`
   * there are formatted for people). Apologies are not notices ahead of a date and stay out.
   * One extra row (`total`) carries the median over all groups.
   */
  private lifecycleFigures(
    g: string,
    only: string,
    period: Period,
  ): Promise<Array<{ g: string; total: boolean; missed: number; lead_days: number | null }>> {
    return queryRows(
      this.dataSource,
      `WITH missed AS (
         SELECT ${g} AS g, count(*) AS n
           FROM programmes_lifecycle_missed_promises p JOIN messaging_ledger_messages m ON m.id = p.message_id
          WHERE p.detected_at >= $1 AND p.detected_at < $2 AND ${only}
          GROUP BY 1
       ),
       leads AS (
         SELECT ${g} AS g, GROUPING(${g}) = 1 AS total,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM
                  lifecycle_local_at((m.data->'lifecycle'->>'anchor')::date, '00:00', lifecycle_zone(s.timezone))
                  - m.sent_at)) / 86400 AS lead_days
           FROM messaging_ledger_messages m JOIN audience_subscribers s ON s.id = m.subscriber_id
          WHERE m.status = 'sent' AND m.sent_at >= $1 AND m.sent_at < $2 AND ${only}
            AND m.rule_id IS NOT NULL AND m.dedupe_key LIKE 'rule:%'
            AND m.data->'lifecycle'->>'trigger' = 'date'
          GROUP BY GROUPING SETS ((${g}), ())
       )
       SELECT COALESCE(l.g, x.g) AS g, COALESCE(l.total, false) AS total,
              COALESCE(x.n, 0)::int AS missed, l.lead_days
         FROM leads l FULL JOIN missed x ON x.g = l.g AND NOT l.total`,
      [period.from, period.to],
    );
  }
}

export function emptyFigures(): ReportFiguresDto {
  return {
    sent: 0,
    helpful: 0,
    unhelpful: 0,
    helpfulRatio: null,
    unsubscribes: 0,
    complaints: 0,
    bounces: { hard: 0, soft: 0 },
    skipped: {},
    suppressed: 0,
    failed: 0,
    missedDeadlines: 0,
    medianLeadDays: null,
  };
}

function ratio(helpful: number, unhelpful: number): number | null {
  return helpful + unhelpful
    ? Math.round((helpful / (helpful + unhelpful)) * 10_000) / 10_000
    : null;
}

function roundDays(days: number | null): number | null {
  return days === null ? null : Math.round(Number(days) * 100) / 100;
}

/** Adds up groups; the median lead time cannot be added up and is left null (see figures()). */
export function sumFigures(all: ReportFiguresDto[]): ReportFiguresDto {
  const t = emptyFigures();
  for (const f of all) {
    t.sent += f.sent;
    t.helpful += f.helpful;
    t.unhelpful += f.unhelpful;
    t.unsubscribes += f.unsubscribes;
    t.complaints += f.complaints;
    t.bounces.hard += f.bounces.hard;
    t.bounces.soft += f.bounces.soft;
    t.suppressed += f.suppressed;
    t.failed += f.failed;
    t.missedDeadlines += f.missedDeadlines;
    for (const [reason, n] of Object.entries(f.skipped))
      t.skipped[reason] = (t.skipped[reason] ?? 0) + n;
  }
  t.helpfulRatio = ratio(t.helpful, t.unhelpful);
  return t;
}
