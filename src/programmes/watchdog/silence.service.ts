import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AlertsService } from '../../messaging/alerts/alerts.service';
import { Clock } from '../../platform/clock';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { LedgerService } from '../../messaging/delivery/ledger.service';
import { RenderingService } from '../../messaging/rendering/rendering.service';
import { DEFAULT_SEND_HOUR, frequencyLabel } from '../../audience/topics/frequency';
import type { Frequency } from '../../audience/topics/topic.entity';
import { OnSchedulerTick } from '../../platform/scheduler/tick-handlers';
import { PeriodMessages } from '../cadence/period-messages';
import { Fallback, SilenceReportDto, SilentTopicDto } from './silence.dto';
import type { Locale } from '../../platform/locale';

const OPT_IN_WINDOW_DAYS = 90;
const OLDEST_CASES = 10;
const BATCH = 500;

interface FallbackRow {
  id: string;
  subscriber_id: string;
  topic_id: string;
  frequency: Frequency;
  next_due_at: Date;
  locale: Locale;
  topic_name: string;
  topic_description: string;
  template: string;
}

/**
 * The silence watchdog. On every scheduler tick it sends the topic's evergreen fallback to
 * silent subscribers whose local send hour it is (reserving their slot, so once per period);
 * once a day it stores the report and alerts the marketer for each topic with silent subscribers.
 * What "silent" means is defined once, in SQL (watchdog_silent() and
 * watchdog_silent_subscriptions(), migrations/1764001061000-WatchdogSilenceColumns.ts), for the
 * fallback, this report, the programme summary and the dashboard.
 */
@Injectable()
export class SilenceService {
  private readonly logger = new Logger('SilenceWatchdog');
  private readonly graceDays: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly periods: PeriodMessages,
    private readonly rendering: RenderingService,
    private readonly alerts: AlertsService,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    this.graceDays = config.get('digests', { infer: true }).silenceGraceDays;
  }

  @OnSchedulerTick('silence-watchdog', { order: 50 })
  async tick(now: Date): Promise<{ fallbacks: number; reported: number }> {
    const fallbacks = await this.sendFallbacks(now);
    const reported = await this.dailyReport(now);
    return { fallbacks, reported };
  }

  async report(now: Date = this.clock.now()): Promise<SilenceReportDto> {
    const rows = await queryRows<{
      key: string;
      name: string;
      evergreen_template: string | null;
      n: number;
      newest_silent_since: Date;
      subscriber_id: string;
      frequency: Frequency;
      last_message_at: Date | null;
      window_ended_at: Date;
    }>(
      this.dataSource,
      `WITH silent AS (
         SELECT w.topic_id, w.subscriber_id, w.frequency, w.last_delivered_at AS last_message_at,
                w.window_ended_at
           FROM watchdog_silent_subscriptions($1, $2) w),
       ranked AS (
         SELECT silent.*, count(*) OVER (PARTITION BY topic_id)::int AS n,
                max(window_ended_at) OVER (PARTITION BY topic_id)
                  + make_interval(days => $2) AS newest_silent_since,
                row_number() OVER (PARTITION BY topic_id ORDER BY window_ended_at, subscriber_id) AS rn
           FROM silent)
       SELECT t.key, t.name, t.evergreen_template, r.n, r.newest_silent_since, r.subscriber_id, r.frequency,
              r.last_message_at, r.window_ended_at
         FROM ranked r JOIN audience_topics t ON t.id = r.topic_id
        WHERE r.rn <= ${OLDEST_CASES}
        ORDER BY r.n DESC, t.key, r.rn`,
      [now, this.graceDays],
    );
    const topics = new Map<string, SilentTopicDto>();
    for (const r of rows) {
      let topic = topics.get(r.key);
      if (!topic) {
        topic = {
          topic: r.key,
          name: r.name,
          silentSubscribers: r.n,
          evergreenTemplate: r.evergreen_template,
          fallback: this.fallbackOf(r.evergreen_template),
          newestSilentSince: r.newest_silent_since,
          oldest: [],
        };
        topics.set(r.key, topic);
      }
      topic.oldest.push({
        subscriberId: r.subscriber_id,
        frequency: r.frequency,
        lastMessageAt: r.last_message_at,
        windowEndedAt: r.window_ended_at,
      });
    }
    const [optIns] = await queryRows<{ confirmed: number; nothing: number }>(
      this.dataSource,
      `SELECT count(*)::int AS confirmed,
              count(*) FILTER (WHERE NOT EXISTS (
                SELECT 1 FROM messaging_ledger_messages m
                 WHERE m.subscriber_id = s.id AND m.status = 'sent'
                   AND m.template <> 'confirm-subscription'))::int AS nothing
         FROM audience_subscribers s
        WHERE s.status <> 'erased'
          AND s.confirmed_at > $1::timestamptz - make_interval(days => $2)
          AND s.confirmed_at <= $1::timestamptz - interval '1 hour'`,
      [now, OPT_IN_WINDOW_DAYS],
    );
    const list = [...topics.values()];
    return {
      generatedAt: now,
      graceDays: this.graceDays,
      totalSilent: list.reduce((sum, t) => sum + t.silentSubscribers, 0),
      topics: list,
      optIns: {
        windowDays: OPT_IN_WINDOW_DAYS,
        confirmed: optIns.confirmed,
        receivedNothing: optIns.nothing,
        share: optIns.confirmed ? optIns.nothing / optIns.confirmed : 0,
      },
    };
  }

  private fallbackOf(template: string | null): Fallback {
    if (!template) return 'none';
    return this.rendering.has(template) ? 'evergreen' : 'template_missing';
  }

  private async sendFallbacks(now: Date): Promise<number> {
    const templates = this.rendering.keys();
    let last = '00000000-0000-0000-0000-000000000000';
    let sent = 0;
    for (;;) {
      const batch = await this.dataSource.transaction(async (manager) => {
        const rows = await queryRows<FallbackRow>(
          manager,
          `SELECT x.id, x.subscriber_id, x.topic_id, x.frequency, x.next_due_at, s.locale,
                  COALESCE(t.names->>s.locale, t.name) AS topic_name,
                  COALESCE(t.descriptions->>s.locale, t.description) AS topic_description,
                  t.evergreen_template AS template
             FROM watchdog_silent_subscriptions($1, $2) w
             JOIN audience_subscriptions x ON x.id = w.subscription_id
             JOIN audience_subscribers s ON s.id = x.subscriber_id
             JOIN audience_topics t ON t.id = x.topic_id
            WHERE x.next_due_at <= $1 AND x.id > $3
              AND t.evergreen_template = ANY ($4)
              AND extract(hour FROM $1::timestamptz AT TIME ZONE s.timezone) = $5
            ORDER BY x.id
            LIMIT ${BATCH}
            FOR UPDATE OF x SKIP LOCKED`,
          [now, this.graceDays, last, templates, DEFAULT_SEND_HOUR],
        );
        if (!rows.length) return null;
        return { rows, ids: await this.writeFallbacks(manager, rows, now) };
      });
      if (!batch) break;
      last = batch.rows[batch.rows.length - 1].id;
      sent += batch.ids.length;
      await this.ledger.enqueue(batch.ids);
      if (batch.rows.length < BATCH) break;
    }
    if (sent)
      this.logger.log({ fallbacks: sent }, 'Evergreen fallbacks queued for silent subscribers');
    return sent;
  }

  /** The fallback is the period's message: it reserves the slot like a digest does. */
  private async writeFallbacks(
    manager: EntityManager,
    rows: FallbackRow[],
    now: Date,
  ): Promise<string[]> {
    return this.periods.write(
      manager,
      rows.map((r) => ({
        use: 'evergreen' as const,
        subscriptionId: r.id,
        slot: r.next_due_at,
        message: {
          subscriberId: r.subscriber_id,
          topicId: r.topic_id,
          template: r.template,
          kind: 'editorial',
          data: {
            topic: { name: r.topic_name, description: r.topic_description },
            frequencyLabel: frequencyLabel(r.frequency, r.locale),
          },
        },
      })),
      now,
    );
  }

  /**
   * Once per UTC day: keep the report, and tell the marketer about each topic whose silence is
   * news since the last report: a topic newly silent, more silent subscribers, or someone who
   * fell silent since then (the same silence day after day is not repeated).
   */
  private async dailyReport(now: Date): Promise<number> {
    const day = now.toISOString().slice(0, 10);
    const done = await queryRows<{ day: string }>(
      this.dataSource,
      `SELECT day FROM silence_reports WHERE day = $1`,
      [day],
    );
    if (done.length) return 0;
    const report = await this.report(now);
    const [previous] = await queryRows<{ report: SilenceReportDto }>(
      this.dataSource,
      `SELECT report FROM silence_reports WHERE day < $1 ORDER BY day DESC LIMIT 1`,
      [day],
    );
    const inserted = await queryRows<{ day: string }>(
      this.dataSource,
      `INSERT INTO silence_reports (day, report) VALUES ($1, $2)
       ON CONFLICT (day) DO NOTHING RETURNING day`,
      [day, JSON.stringify(report)],
    );
    if (!inserted.length) return 0;
    for (const topic of report.topics.filter((x) => silenceIsNews(x, previous?.report))) {
      await this.alerts.raise({
        dedupeKey: `silence:${topic.topic}:${day}`,
        kind: 'silent_subscribers',
        title: `${topic.silentSubscribers} subscriber(s) of "${topic.name}" heard nothing in their chosen period`,
        details: {
          topic: topic.topic,
          silentSubscribers: topic.silentSubscribers,
          fallback: topic.fallback,
          evergreenTemplate: topic.evergreenTemplate,
          oldest: topic.oldest,
        },
      });
    }
    if (report.totalSilent) {
      this.logger.warn(
        { silent: report.totalSilent, topics: report.topics.length },
        'Silent subscribers found',
      );
    }
    return 1;
  }
}

/**
 * Whether a topic's silence is worth an alert after `previous` (the last stored report, its JSON
 * as stored): the topic was not silent then, the count grew, or someone fell silent after it.
 */
export function silenceIsNews(
  topic: SilentTopicDto,
  previous: SilenceReportDto | undefined,
): boolean {
  const before = previous?.topics.find((x) => x.topic === topic.topic);
  if (!before) return true;
  if (topic.silentSubscribers > before.silentSubscribers) return true;
  return new Date(topic.newestSilentSince).getTime() > new Date(previous!.generatedAt).getTime();
}
