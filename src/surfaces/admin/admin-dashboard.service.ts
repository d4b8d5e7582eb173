import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { AlertsService } from '../../messaging/alerts/alerts.service';
import { Clock } from '../../platform/clock';
import { InvalidInputError } from '../../platform/errors/domain-errors';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { MESSAGE_KINDS, MessageKind } from '../../messaging/delivery/outbound-message.entity';
import {
  ProgrammeSummaryService,
  SilentSubscriptionRow,
} from '../../trust/reports/programme-summary.service';
import { AuditRuleRow, AuditService, auditWindow } from '../../trust/reports/audit.service';
import {
  AUDIT_DEFAULT_DAYS,
  AUDIT_REASONS,
  AUDIT_STATUSES,
  AuditCountsDto,
  AuditItemDto,
  AuditReason,
  AuditRuleDto,
  AuditStatus,
  MissedDeadlinesReportDto,
} from '../../trust/reports/lifecycle-report.dto';
import { MissedDeadlinesService } from '../../trust/reports/missed-deadlines.service';
import {
  ProgrammeSummaryDto,
  RuleReportRowDto,
  TopicReportRowDto,
} from '../../trust/reports/report.dto';
import { ReportsService } from '../../trust/reports/reports.service';
import { TrustByKindReportDto } from '../../trust/reports/trust-by-kind.dto';
import { TrustByKindService } from '../../trust/reports/trust-by-kind.service';

export const DASHBOARD_PERIODS = [7, 30, 90] as const;
export type DashboardDays = (typeof DASHBOARD_PERIODS)[number];

export interface RecentSignal {
  occurredAt: Date;
  type: string;
  outcome: string;
  subscriberId: string | null;
  messageId: string | null;
  statusCode: string | null;
}

/** The audit table's filters as the dashboard's GET form sends them (`audit_*` parameters). */
export interface AuditQuery {
  rule?: string;
  reason?: string;
  /** Absent: the default (`none`); empty: every outcome. */
  status?: string;
  cursor?: string;
}

export interface DashboardAudit {
  days: number;
  window: { from: string; to: string };
  rules: AuditRuleDto[];
  totals: AuditCountsDto;
  /** The filters in force (unknown values are dropped). */
  filter: { rule: string | null; reason: AuditReason | null; status: AuditStatus | null };
  /** Date rules, for the rule filter. */
  ruleOptions: Array<{ key: string; name: string }>;
  items: AuditItemDto[];
  nextCursor: string | null;
  /** Set when this is a later page (the link back goes to the first). */
  paged: boolean;
}

export interface DashboardData {
  days: DashboardDays;
  timezone: string;
  summary: ProgrammeSummaryDto;
  topics: TopicReportRowDto[];
  /** Sends per local day and kind, every day of the period present. */
  sends: { days: string[]; series: Array<{ kind: MessageKind; counts: number[] }> };
  silent: SilentSubscriptionRow[];
  alerts: Array<{ createdAt: Date; kind: string; title: string; delivered: boolean }>;
  signals: RecentSignal[];
  rules: RuleReportRowDto[];
  missed: MissedDeadlinesReportDto;
  audit: DashboardAudit;
  /** Trust per kind of contact for one month (`kinds_month`, default the current UTC month). */
  kinds: TrustByKindReportDto;
}

/** A `YYYY-MM` the month form could have sent; anything else means the current month. */
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** Everything the dashboard shows, from the report services and a few small queries of its own. */
@Injectable()
export class AdminDashboardService {
  private readonly timezone: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reports: ReportsService,
    private readonly summaries: ProgrammeSummaryService,
    private readonly missedDeadlines: MissedDeadlinesService,
    private readonly audits: AuditService,
    private readonly trustByKind: TrustByKindService,
    private readonly alerts: AlertsService,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    this.timezone = config.get('app', { infer: true }).defaultTimezone;
  }

  async load(
    days: DashboardDays,
    auditQuery: AuditQuery = {},
    kindsMonth?: string,
  ): Promise<DashboardData> {
    const now = this.clock.now();
    const start = DateTime.fromJSDate(now, { zone: this.timezone })
      .startOf('day')
      .minus({ days: days - 1 });
    const period = { from: start.toJSDate(), to: now };
    const month = kindsMonth && MONTH.test(kindsMonth) ? kindsMonth : undefined;
    const [summary, topics, sends, silent, alerts, signals, rules, missed, audit, kinds] =
      await Promise.all([
        this.summaries.summary(period, now),
        this.reports.byTopic(period),
        this.sendsPerDay(start, days, now),
        this.summaries.silentList(now, 50),
        this.alerts.recent(20),
        this.recentSignals(20),
        this.reports.byRule(period),
        this.missedDeadlines.report(period, { limit: 20 }),
        this.audit(auditQuery, now),
        this.trustByKind.report({ month }, now),
      ]);
    return {
      days,
      timezone: this.timezone,
      summary,
      topics: topics.rows,
      sends,
      silent,
      alerts: alerts.map((a) => ({
        createdAt: a.createdAt,
        kind: a.kind,
        title: a.title,
        delivered: !!(a.webhookDeliveredAt || a.emailDeliveredAt),
      })),
      signals,
      rules: rules.rows,
      missed,
      audit,
      kinds,
    };
  }

  /**
   * The audit's counts for every rule and one page of the table. A filter value the form could
   * not have sent (an unknown rule or reason, a stale cursor) is ignored rather than refused: this
   * is a page people bookmark.
   */
  private async audit(query: AuditQuery, now: Date): Promise<DashboardAudit> {
    const all = await this.audits.rules();
    const dateRules = all.filter((r) => r.trigger_type === 'date');
    const rule = dateRules.find((r) => r.key === query.rule) ?? null;
    const reason = (AUDIT_REASONS as readonly string[]).includes(query.reason ?? '')
      ? (query.reason as AuditReason)
      : null;
    const status =
      query.status === undefined
        ? 'none'
        : (AUDIT_STATUSES as readonly string[]).includes(query.status)
          ? (query.status as AuditStatus)
          : null;
    const window = auditWindow(now, AUDIT_DEFAULT_DAYS);
    const selected: AuditRuleRow[] = rule ? [rule] : all;
    const filter = { reason: reason ?? undefined, status: status ?? undefined, limit: 50 };
    const [counts, page] = await Promise.all([
      this.audits.counts(all, window, now),
      this.audits
        .page(selected, window, now, { ...filter, cursor: query.cursor || undefined })
        .catch((err: unknown) => {
          if (err instanceof InvalidInputError)
            return this.audits.page(selected, window, now, filter);
          throw err;
        }),
    ]);
    return {
      days: AUDIT_DEFAULT_DAYS,
      window,
      rules: counts.rules,
      totals: counts.totals,
      filter: { rule: rule?.key ?? null, reason, status },
      ruleOptions: dateRules.map((r) => ({ key: r.key, name: r.name })),
      items: page.items,
      nextCursor: page.nextCursor,
      paged: !!query.cursor,
    };
  }

  private async sendsPerDay(
    start: DateTime,
    days: number,
    now: Date,
  ): Promise<DashboardData['sends']> {
    const rows = await queryRows<{ day: string; kind: MessageKind; n: number }>(
      this.dataSource,
      `SELECT to_char((sent_at AT TIME ZONE $3)::date, 'YYYY-MM-DD') AS day, kind, count(*)::int AS n
         FROM messaging_ledger_messages
        WHERE status = 'sent' AND sent_at >= $1 AND sent_at < $2
        GROUP BY 1, 2`,
      [start.toJSDate(), now, this.timezone],
    );
    const labels = Array.from({ length: days }, (_, i) => start.plus({ days: i }).toISODate()!);
    const index = new Map(labels.map((d, i) => [d, i]));
    const series = MESSAGE_KINDS.map((kind) => ({ kind, counts: labels.map(() => 0) }));
    for (const r of rows) {
      const i = index.get(r.day);
      if (i !== undefined) series.find((s) => s.kind === r.kind)!.counts[i] = r.n;
    }
    return { days: labels, series };
  }

  private async recentSignals(limit: number): Promise<RecentSignal[]> {
    const rows = await queryRows<{
      occurred_at: Date;
      type: string;
      outcome: string;
      subscriber_id: string | null;
      message_id: string | null;
      status_code: string | null;
    }>(
      this.dataSource,
      `SELECT occurred_at, type, outcome, subscriber_id, message_id, status_code
         FROM surfaces_delivery_signals ORDER BY occurred_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      occurredAt: r.occurred_at,
      type: r.type,
      outcome: r.outcome,
      subscriberId: r.subscriber_id,
      messageId: r.message_id,
      statusCode: r.status_code,
    }));
  }
}
