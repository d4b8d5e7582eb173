import { ConfigService } from '@nestjs/config';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { Frequency } from '../../audience/topics/topic.entity';
import { Period } from './report-period';
import {
  ComplaintRateDto,
  ConfirmedWithoutMessageDto,
  ProgrammeSummaryDto,
  PromotionalShareDto,
  ReportTopicDto,
  SilentSubscriptionsDto,
} from './report.dto';
import { ReportsService } from './reports.service';

/** Mailbox providers ask senders to keep spam complaints below 0.1% of delivered mail. */
export const COMPLAINT_RATE_GUIDELINE = 0.001;
/** The content-mix default (SPEC: promotional mail under 25% over a rolling 90 days). */
export const PROMOTIONAL_CAP = 0.25;
export const PROMOTIONAL_WINDOW_DAYS = 90;
/** The welcome goes out within minutes; a confirmation younger than this is not a miss yet. */
export const CONFIRMATION_GRACE_MINUTES = 60;
/** Digests go out at the subscriber's local send hour, up to a day after the period ends. */

const BUCKETS = [
  { label: '0%', min: 0, max: 0 },
  { label: 'up to 10%', min: 0, max: 0.1 },
  { label: '10–25%', min: 0.1, max: 0.25 },
  { label: '25–50%', min: 0.25, max: 0.5 },
  { label: 'over 50%', min: 0.5, max: 1 },
];

export interface SilentSubscriptionRow {
  subscriptionId: string;
  subscriberId: string;
  topicKey: string;
  topicName: string;
  frequency: Frequency;
  /** The last message in the topic, or null when there never was one. */
  lastDeliveredAt: Date | null;
  /** When a message was due at the latest (last message or joining, plus the period). */
  dueBy: Date;
}

/**
 * The programme-wide figures: promises kept to new subscribers, subscriptions gone silent, how
 * promotional each person's mail is, and the complaint rate against the providers' guideline.
 */
@Injectable()
export class ProgrammeSummaryService {
  private readonly graceDays: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reports: ReportsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.graceDays = config.get('digests', { infer: true }).silenceGraceDays;
  }

  async summary(period: Period, now: Date): Promise<ProgrammeSummaryDto> {
    const [confirmedWithoutMessage, silentSubscriptions, promotionalShare, complaintRate, figures] =
      await Promise.all([
        this.confirmedWithoutMessage(now),
        this.silentSubscriptions(now),
        this.promotionalShare(now),
        this.complaintRate(period),
        this.reports.figures('topic', period),
      ]);
    return {
      period,
      confirmedWithoutMessage,
      silentSubscriptions,
      promotionalShare,
      complaintRate,
      totals: figures.totals,
    };
  }

  /**
   * Active subscribers confirmed over the grace ago without a sent message since. Only those not
   * known to have had one are probed (`messaged_confirmed_at`, migration 1764025000000: a partial
   * index holds them), so the probe covers the subscribers still waiting and those confirmed
   * since the last scheduler tick, not every confirmed subscriber.
   */
  async confirmedWithoutMessage(now: Date): Promise<ConfirmedWithoutMessageDto> {
    const rows = await queryRows<{ id: string; total: number }>(
      this.dataSource,
      `SELECT s.id, count(*) OVER ()::int AS total
         FROM audience_subscribers s
        WHERE s.status = 'active' AND s.confirmed_at IS NOT NULL
          AND s.messaged_confirmed_at IS DISTINCT FROM s.confirmed_at
          AND s.confirmed_at < $1::timestamptz - make_interval(mins => $2)
          AND NOT EXISTS (
            SELECT 1 FROM messaging_ledger_messages m
             WHERE m.subscriber_id = s.id AND m.status = 'sent' AND m.sent_at >= s.confirmed_at)
        ORDER BY s.confirmed_at, s.id
        LIMIT 20`,
      [now, CONFIRMATION_GRACE_MINUTES],
    );
    return {
      count: rows[0]?.total ?? 0,
      graceMinutes: CONFIRMATION_GRACE_MINUTES,
      sample: rows.map((r) => r.id),
    };
  }

  async silentSubscriptions(now: Date): Promise<SilentSubscriptionsDto> {
    const rows = await queryRows<ReportTopicDto & { n: number }>(
      this.dataSource,
      `${SILENT_CTE}
       SELECT t.id, t.key, t.name, t.kind, count(*)::int AS n
         FROM silent x JOIN audience_topics t ON t.id = x.topic_id
        GROUP BY t.id, t.key, t.name, t.kind ORDER BY n DESC, t.key`,
      [now, this.graceDays],
    );
    return {
      count: rows.reduce((sum, r) => sum + r.n, 0),
      byTopic: rows.map(({ n, ...topic }) => ({ topic, subscriptions: n })),
    };
  }

  /** The longest-silent subscriptions first, for the dashboard. */
  async silentList(now: Date, limit = 50): Promise<SilentSubscriptionRow[]> {
    const rows = await queryRows<{
      id: string;
      subscriber_id: string;
      key: string;
      name: string;
      frequency: Frequency;
      last_delivered_at: Date | null;
      due_by: Date;
    }>(
      this.dataSource,
      `${SILENT_CTE}
       SELECT x.id, x.subscriber_id, t.key, t.name, x.frequency, x.last_delivered_at, x.due_by
         FROM silent x JOIN audience_topics t ON t.id = x.topic_id
        ORDER BY x.due_by, x.id
        LIMIT $3`,
      [now, this.graceDays, limit],
    );
    return rows.map((r) => ({
      subscriptionId: r.id,
      subscriberId: r.subscriber_id,
      topicKey: r.key,
      topicName: r.name,
      frequency: r.frequency,
      lastDeliveredAt: r.last_delivered_at,
      dueBy: r.due_by,
    }));
  }

  async promotionalShare(now: Date): Promise<PromotionalShareDto> {
    const rows = await queryRows<{ bucket: number; n: number }>(
      this.dataSource,
      // In subscriber order: then PostgreSQL counts along the ledger's index of sent rows by
      // subscriber, which carries the kind (an index-only scan, 0.12 s on 500,000 rows), where it
      // otherwise costed a hash of every subscriber over the whole ledger about the same and
      // picked it (0.52 s, spilling to disk; npm run bench:console).
      `WITH per AS (
         SELECT m.subscriber_id, count(*) AS total, count(*) FILTER (WHERE m.kind = 'promotional') AS promo
           FROM messaging_ledger_messages m
          WHERE m.status = 'sent' AND m.kind <> 'transactional'
            AND m.sent_at > $1::timestamptz - make_interval(days => $2) AND m.sent_at <= $1
          GROUP BY m.subscriber_id
          ORDER BY m.subscriber_id
       )
       SELECT CASE WHEN promo = 0 THEN 0
                   WHEN promo::float8 / total <= 0.10 THEN 1
                   WHEN promo::float8 / total <= 0.25 THEN 2
                   WHEN promo::float8 / total <= 0.50 THEN 3
                   ELSE 4 END AS bucket,
              count(*)::int AS n
         FROM per GROUP BY 1`,
      [now, PROMOTIONAL_WINDOW_DAYS],
    );
    const counts = new Map(rows.map((r) => [r.bucket, r.n]));
    const buckets = BUCKETS.map((b, i) => ({ ...b, subscribers: counts.get(i) ?? 0 }));
    return {
      windowDays: PROMOTIONAL_WINDOW_DAYS,
      cap: PROMOTIONAL_CAP,
      subscribers: buckets.reduce((sum, b) => sum + b.subscribers, 0),
      overCap: buckets
        .filter((b) => b.min >= PROMOTIONAL_CAP)
        .reduce((s, b) => s + b.subscribers, 0),
      buckets,
    };
  }

  async complaintRate(period: Period): Promise<ComplaintRateDto> {
    const [row] = await queryRows<{ complaints: number; sent: number }>(
      this.dataSource,
      `SELECT (SELECT count(*) FROM surfaces_delivery_signals
                WHERE type = 'complaint' AND occurred_at >= $1 AND occurred_at < $2)::int AS complaints,
              (SELECT count(*) FROM messaging_ledger_messages
                WHERE status = 'sent' AND sent_at >= $1 AND sent_at < $2)::int AS sent`,
      [period.from, period.to],
    );
    const rate = row.sent ? row.complaints / row.sent : null;
    return {
      complaints: row.complaints,
      sent: row.sent,
      rate: rate === null ? null : Math.round(rate * 1_000_000) / 1_000_000,
      threshold: COMPLAINT_RATE_GUIDELINE,
      withinGuideline: rate === null || rate < COMPLAINT_RATE_GUIDELINE,
    };
  }
}

/**
 * The silent subscriptions, as the silence watchdog defines them (its SQL function
 * watchdog_silent_subscriptions(), migrations/1764001061000-WatchdogSilenceColumns.ts): one definition
 * for its report and fallback, the summary and the dashboard. `$1` now, `$2` the grace in days.
 */
const SILENT_CTE = `
  WITH silent AS (
    SELECT w.subscription_id AS id, w.subscriber_id, w.topic_id, w.frequency, w.last_delivered_at,
           w.window_ended_at AS due_by
      FROM watchdog_silent_subscriptions($1, $2) w
  )`;
