import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { FREQUENCIES } from '../../audience/topics/topic.entity';
import { InvalidInputError, NotFoundError } from '../../platform/errors/domain-errors';
import { queryRows } from '../../platform/database/sql';
import { ReportRuleDto, ReportRuleRow, ReportTopicDto, toReportRule } from './report.dto';
import { Period } from './report-period';
import { FigureRow, ReportsService } from './reports.service';
import {
  KindFiguresDto,
  NoticeFiguresDto,
  NoticeRowDto,
  PreferenceFiguresDto,
  PreferenceRowDto,
  RegularFiguresDto,
  RegularRowDto,
  RegularTrustDto,
  TrustByKindQueryDto,
  TrustByKindReportDto,
  WelcomeCohortDto,
  WelcomeRowDto,
} from './trust-by-kind.dto';

/** An opt-out within this many days of confirming is an early unsubscribe. */
export const EARLY_UNSUBSCRIBE_DAYS = 30;

/**
 * The kind of contact a ledger row (alias `m`) is, by what wrote it: a campaign's send, a digest
 * (`digest:` key), the welcome email or a follow-up of a `confirmed` rule, a lifecycle notice (of a
 * date, event or attribute rule) or a notice sent through the API. Apologies, confirmations,
 * evergreen fallbacks and the rest are `other` and stay out of this report.
 */
export const CONTACT_KIND_SQL = `(CASE
  WHEN m.campaign_id IS NOT NULL THEN 'campaign'
  WHEN m.dedupe_key LIKE 'digest:%' THEN 'digest'
  WHEN m.dedupe_key LIKE 'welcome:%' THEN 'welcome'
  WHEN m.dedupe_key LIKE 'rule:%' AND m.data->'lifecycle'->>'trigger' = 'confirmed' THEN 'welcome'
  WHEN m.dedupe_key LIKE 'rule:%' OR (m.dedupe_key LIKE 'send:%' AND m.kind = 'notice') THEN 'notice'
  ELSE 'other' END)`;

type ContactKind = 'notice' | 'digest' | 'campaign' | 'welcome';

/** `$4` the topic id, `$5` the rule id (either may be null), as sentFigures numbers them. */
const FILTER_SQL = `($4::uuid IS NULL OR m.topic_id = $4::uuid) AND ($5::uuid IS NULL OR m.rule_id = $5::uuid)`;

interface Filter {
  topic: ReportTopicDto | null;
  rule: ReportRuleDto | null;
}

/**
 * Trust per kind of contact over one calendar month (UTC): a fitting measure per kind, per topic
 * and lifecycle rule (docs/trust-measures.md, "Trust per kind of contact"). Set-based: one
 * statement per figure family over the ledger's partial index on sent_at, the missed promises'
 * index on detected_at, the confirmed subscribers' index on confirmed_at and the preference
 * center's changes' index on occurred_at.
 */
@Injectable()
export class TrustByKindService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reports: ReportsService,
  ) {}

  async report(query: TrustByKindQueryDto, now: Date): Promise<TrustByKindReportDto> {
    const month = query.month ?? now.toISOString().slice(0, 7);
    const period = monthPeriod(month);
    const filter: Filter = {
      topic: query.topic ? await this.findTopic(query.topic) : null,
      rule: query.rule ? await this.findRule(query.rule) : null,
    };
    const params = [filter.topic?.id ?? null, filter.rule?.id ?? null];
    const byRule = !!filter.rule;
    const [sent, notices, missed, cohort, preferences] = await Promise.all([
      this.reports.sentFigures(
        `${CONTACT_KIND_SQL} || '|' || COALESCE(m.topic_id::text, '') || '|' || COALESCE(m.rule_id::text, '')`,
        `${CONTACT_KIND_SQL} <> 'other' AND ${FILTER_SQL}`,
        period,
        params,
      ),
      this.noticeTimes(period, params),
      this.missedNotices(period, params),
      filter.topic || filter.rule ? null : this.welcomeCohort(period, now),
      byRule ? null : this.preferenceChanges(period, filter.topic?.id ?? null),
    ]);

    const groups = sent.map((r) => {
      const [kind, topicId, ruleId] = r.g.split('|');
      return { kind: kind as ContactKind, topicId: topicId || null, ruleId: ruleId || null, r };
    });
    const [topics, rules] = await Promise.all([
      this.topics([
        ...groups.map((x) => x.topicId),
        ...missed.map((x) => x.topic_id),
        ...(preferences ?? []).map((x) => x.topic_id),
      ]),
      this.rules([...groups.map((x) => x.ruleId), ...missed.map((x) => x.rule_id)]),
    ]);
    const topicOf = (id: string | null) => (id ? (topics.get(id) ?? null) : null);
    const ruleOf = (id: string | null) => (id ? (rules.get(id) ?? null) : null);

    // Notices: a row per (topic, rule) that sent a notice or missed one in the month.
    const noticeRows = new Map<string, NoticeRowDto>();
    const noticeRow = (topicId: string | null, ruleId: string | null) => {
      const key = `${topicId ?? ''}|${ruleId ?? ''}`;
      let row = noticeRows.get(key);
      if (!row) {
        row = { topic: topicOf(topicId), rule: ruleOf(ruleId), ...emptyNotice() };
        noticeRows.set(key, row);
      }
      return row;
    };
    for (const x of groups.filter((x) => x.kind === 'notice')) {
      Object.assign(noticeRow(x.topicId, x.ruleId), kindFigures(x.r));
    }
    const noticeTotals = emptyNotice();
    for (const t of notices) {
      const target = t.total ? noticeTotals : noticeRow(t.topic_id, t.rule_id);
      target.medianLeadDays = round(t.lead, 2);
      target.medianDeadlineMarginDays = round(t.margin, 2);
    }
    for (const x of missed) noticeRow(x.topic_id, x.rule_id).missedDeadlines = x.n;
    const noticeList = sortRows([...noticeRows.values()]);
    Object.assign(noticeTotals, sumKind(noticeList), {
      missedDeadlines: noticeList.reduce((n, r) => n + r.missedDeadlines, 0),
    });

    const regular = (kind: 'digest' | 'campaign'): RegularTrustDto => {
      const rows: RegularRowDto[] = groups
        .filter((x) => x.kind === kind && x.topicId)
        .map((x) => ({ topic: topicOf(x.topicId)!, ...regularFigures(x.r) }));
      const sorted = sortRows(rows);
      return { rows: sorted, totals: sumRegular(sorted) };
    };

    const welcomeRows = sortRows<WelcomeRowDto>(
      groups
        .filter((x) => x.kind === 'welcome')
        .map((x) => ({ topic: topicOf(x.topicId), rule: ruleOf(x.ruleId), ...kindFigures(x.r) })),
    );

    let preferenceCenter: TrustByKindReportDto['preferenceCenter'] = null;
    if (preferences) {
      const rows = sortRows<PreferenceRowDto>(
        preferences.map((p) => ({
          topic: topicOf(p.topic_id),
          ...preferenceFigures(p.lowered, p.raised, p.left),
        })),
      );
      const sum = (k: 'lowered' | 'raised' | 'left') => rows.reduce((n, r) => n + r[k], 0);
      preferenceCenter = {
        rows,
        totals: preferenceFigures(sum('lowered'), sum('raised'), sum('left')),
      };
    }

    return {
      month,
      period,
      topic: filter.topic,
      rule: filter.rule,
      notices: { rows: noticeList, totals: noticeTotals },
      digests: byRule ? null : regular('digest'),
      campaigns: byRule ? null : regular('campaign'),
      welcome: { cohort, rows: welcomeRows, totals: sumKind(welcomeRows) },
      preferenceCenter,
    };
  }

  /** Median lead time (date notices) and deadline margin per (topic, rule), and over all. */
  private noticeTimes(period: Period, params: unknown[]) {
    return queryRows<{
      topic_id: string | null;
      rule_id: string | null;
      total: boolean;
      lead: number | null;
      margin: number | null;
    }>(
      this.dataSource,
      `SELECT m.topic_id, m.rule_id, GROUPING(m.topic_id, m.rule_id) = 3 AS total,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE
                WHEN m.dedupe_key LIKE 'rule:%' AND m.data->'lifecycle'->>'trigger' = 'date' THEN
                  extract(epoch FROM lifecycle_local_at((m.data->'lifecycle'->>'anchor')::date, '00:00',
                                                        lifecycle_zone(s.timezone)) - m.sent_at)
                END) / 86400 AS lead,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM m.deadline_at - m.sent_at))
                / 86400 AS margin
         FROM messaging_ledger_messages m JOIN audience_subscribers s ON s.id = m.subscriber_id
        WHERE m.status = 'sent' AND m.sent_at >= $1 AND m.sent_at < $2
          AND ${CONTACT_KIND_SQL} = 'notice'
          AND ($3::uuid IS NULL OR m.topic_id = $3::uuid) AND ($4::uuid IS NULL OR m.rule_id = $4::uuid)
        GROUP BY GROUPING SETS ((m.topic_id, m.rule_id), ())`,
      [period.from, period.to, ...params],
    );
  }

  /** Missed promises detected in the month, for the missed notice's topic and rule. */
  private missedNotices(period: Period, params: unknown[]) {
    return queryRows<{ topic_id: string | null; rule_id: string | null; n: number }>(
      this.dataSource,
      `SELECT m.topic_id, m.rule_id, count(*)::int AS n
         FROM programmes_lifecycle_missed_promises p
         JOIN messaging_ledger_messages m ON m.id = p.message_id
        WHERE p.detected_at >= $1 AND p.detected_at < $2 AND ${CONTACT_KIND_SQL} = 'notice'
          AND ($3::uuid IS NULL OR m.topic_id = $3::uuid) AND ($4::uuid IS NULL OR m.rule_id = $4::uuid)
        GROUP BY 1, 2`,
      [period.from, period.to, ...params],
    );
  }

  /**
   * Subscribers who first confirmed in the month: how soon their first message was sent, and
   * how many opted out within EARLY_UNSUBSCRIBE_DAYS of confirming.
   */
  private async welcomeCohort(period: Period, now: Date): Promise<WelcomeCohortDto> {
    const [r] = await queryRows<{
      confirmed: number;
      with_message: number;
      median: number | null;
      max: number | null;
      early: number;
      open: number;
    }>(
      this.dataSource,
      `WITH cohort AS (
         SELECT s.id, s.confirmed_at,
                (SELECT min(m.sent_at) FROM messaging_ledger_messages m
                  WHERE m.subscriber_id = s.id AND m.status = 'sent'
                    AND m.sent_at >= s.confirmed_at) AS first_at,
                EXISTS (SELECT 1 FROM audience_consent_events e
                         WHERE e.subscriber_id = s.id AND e.action = 'opt_out'
                           AND e.occurred_at >= s.confirmed_at
                           AND e.occurred_at < s.confirmed_at + make_interval(days => $3)) AS early
           FROM audience_subscribers s
          WHERE s.confirmed_at >= $1 AND s.confirmed_at < $2
       )
       SELECT count(*)::int AS confirmed, count(first_at)::int AS with_message,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_at - confirmed_at)) / 60 AS median,
              max(extract(epoch FROM first_at - confirmed_at)) / 60 AS max,
              count(*) FILTER (WHERE early)::int AS early,
              count(*) FILTER (WHERE confirmed_at > $4::timestamptz - make_interval(days => $3))::int AS open
         FROM cohort`,
      [period.from, period.to, EARLY_UNSUBSCRIBE_DAYS, now],
    );
    return {
      confirmed: r.confirmed,
      withMessage: r.with_message,
      medianMinutesToFirstMessage: round(r.median, 2),
      maxMinutesToFirstMessage: round(r.max, 2),
      earlyWindowDays: EARLY_UNSUBSCRIBE_DAYS,
      earlyUnsubscribes: r.early,
      earlyUnsubscribesPerThousand: perThousand(r.early, r.confirmed),
      stillInWindow: r.open,
    };
  }

  /** Frequency changes (up or down) and leaving, made on the preference page, per topic. */
  private preferenceChanges(period: Period, topicId: string | null) {
    return queryRows<{ topic_id: string | null; lowered: number; raised: number; left: number }>(
      this.dataSource,
      `SELECT e.topic_id,
              count(*) FILTER (WHERE e.action = 'frequency_change'
                AND array_position($3::text[], e.frequency) > array_position($3::text[], e.previous_frequency))::int AS lowered,
              count(*) FILTER (WHERE e.action = 'frequency_change'
                AND array_position($3::text[], e.frequency) < array_position($3::text[], e.previous_frequency))::int AS raised,
              count(*) FILTER (WHERE e.action = 'opt_out')::int AS left
         FROM audience_preference_changes e
        WHERE e.source = 'preference_center' AND e.occurred_at >= $1 AND e.occurred_at < $2
          AND ($4::uuid IS NULL OR e.topic_id = $4::uuid)
        GROUP BY e.topic_id`,
      // From most to least frequent: a higher position is less often.
      [period.from, period.to, [...FREQUENCIES], topicId],
    );
  }

  private async topics(ids: Array<string | null>): Promise<Map<string, ReportTopicDto>> {
    const wanted = [...new Set(ids.filter((id): id is string => !!id))];
    if (!wanted.length) return new Map();
    const rows = await queryRows<ReportTopicDto>(
      this.dataSource,
      `SELECT id, key, name, kind FROM audience_topics WHERE id = ANY($1::uuid[])`,
      [wanted],
    );
    return new Map(rows.map((t) => [t.id, t]));
  }

  private async rules(ids: Array<string | null>): Promise<Map<string, ReportRuleDto>> {
    const wanted = [...new Set(ids.filter((id): id is string => !!id))];
    if (!wanted.length) return new Map();
    const rows = await queryRows<ReportRuleRow & { deleted: boolean }>(
      this.dataSource,
      `SELECT r.id, r.key, r.name, r.trigger_type, r.enabled, r.deleted_at IS NOT NULL AS deleted,
              t.id AS topic_id, t.key AS topic_key
         FROM programmes_lifecycle_rules r JOIN audience_topics t ON t.id = r.topic_id
        WHERE r.id = ANY($1::uuid[])`,
      [wanted],
    );
    return new Map(rows.map((r) => [r.id, toReportRule(r, r.deleted)]));
  }

  /** A topic by id or key (archived ones too: their history is still reported); 404 otherwise. */
  private async findTopic(idOrKey: string): Promise<ReportTopicDto> {
    const [topic] = await queryRows<ReportTopicDto>(
      this.dataSource,
      `SELECT id, key, name, kind FROM audience_topics WHERE key = $1 OR id::text = $1`,
      [idOrKey],
    );
    if (!topic) throw new NotFoundError(`No topic "${idOrKey}"`, 'topic');
    return topic;
  }

  /** A rule that is not deleted, by id or key; 404 naming `rule` otherwise. */
  private async findRule(idOrKey: string): Promise<ReportRuleDto> {
    const [rule] = await queryRows<ReportRuleRow>(
      this.dataSource,
      `SELECT r.id, r.key, r.name, r.trigger_type, r.enabled, t.id AS topic_id, t.key AS topic_key
         FROM programmes_lifecycle_rules r JOIN audience_topics t ON t.id = r.topic_id
        WHERE r.deleted_at IS NULL AND (r.key = $1 OR r.id::text = $1)`,
      [idOrKey],
    );
    if (!rule) throw new NotFoundError(`No lifecycle rule "${idOrKey}"`, 'rule');
    return toReportRule(rule, false);
  }
}

/** A `YYYY-MM` month as a UTC period; 400 naming `month` for a month that does not exist. */
export function monthPeriod(month: string): Period {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const year = m ? Number(m[1]) : NaN;
  const index = m ? Number(m[2]) - 1 : NaN;
  if (!m || index < 0 || index > 11 || year < 1970) {
    throw new InvalidInputError('month must be YYYY-MM', 'month');
  }
  return { from: new Date(Date.UTC(year, index, 1)), to: new Date(Date.UTC(year, index + 1, 1)) };
}

/** n × 1000 / of, 2 decimals; null when `of` is 0 (a rate of nothing is not 0). */
export function perThousand(n: number, of: number): number | null {
  return of ? Math.round((n * 1000 * 100) / of) / 100 : null;
}

function round(value: number | string | null, decimals: number): number | null {
  if (value === null) return null;
  const f = 10 ** decimals;
  return Math.round(Number(value) * f) / f;
}

function ratio(helpful: number, unhelpful: number): number | null {
  return helpful + unhelpful ? round(helpful / (helpful + unhelpful), 4) : null;
}

function kindFigures(r: FigureRow): KindFiguresDto {
  return {
    sent: r.sent,
    helpful: r.helpful,
    unhelpful: r.unhelpful,
    helpfulRatio: ratio(r.helpful, r.unhelpful),
  };
}

function regularFigures(r: FigureRow): RegularFiguresDto {
  return {
    ...kindFigures(r),
    unsubscribes: r.unsubscribes,
    complaints: r.complaints,
    unsubscribesPerThousand: perThousand(r.unsubscribes, r.sent),
    complaintsPerThousand: perThousand(r.complaints, r.sent),
  };
}

function emptyNotice(): NoticeFiguresDto {
  return {
    sent: 0,
    helpful: 0,
    unhelpful: 0,
    helpfulRatio: null,
    medianLeadDays: null,
    medianDeadlineMarginDays: null,
    missedDeadlines: 0,
  };
}

function sumKind(rows: KindFiguresDto[]): KindFiguresDto {
  const sent = rows.reduce((n, r) => n + r.sent, 0);
  const helpful = rows.reduce((n, r) => n + r.helpful, 0);
  const unhelpful = rows.reduce((n, r) => n + r.unhelpful, 0);
  return { sent, helpful, unhelpful, helpfulRatio: ratio(helpful, unhelpful) };
}

function sumRegular(rows: RegularFiguresDto[]): RegularFiguresDto {
  const kind = sumKind(rows);
  const unsubscribes = rows.reduce((n, r) => n + r.unsubscribes, 0);
  const complaints = rows.reduce((n, r) => n + r.complaints, 0);
  return {
    ...kind,
    unsubscribes,
    complaints,
    unsubscribesPerThousand: perThousand(unsubscribes, kind.sent),
    complaintsPerThousand: perThousand(complaints, kind.sent),
  };
}

function preferenceFigures(lowered: number, raised: number, left: number): PreferenceFiguresDto {
  return {
    lowered,
    raised,
    left,
    loweredShare: lowered + left ? round(lowered / (lowered + left), 4) : null,
  };
}

/** By topic key, then rule key; rows without a topic (or rule) after those with one. */
function sortRows<R extends { topic: ReportTopicDto | null; rule?: ReportRuleDto | null }>(
  rows: R[],
): R[] {
  const cmp = (a: string | undefined, b: string | undefined) =>
    a === b ? 0 : a === undefined ? 1 : b === undefined ? -1 : a.localeCompare(b);
  return rows.sort((a, b) => cmp(a.topic?.key, b.topic?.key) || cmp(a.rule?.key, b.rule?.key));
}
