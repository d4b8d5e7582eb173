import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { FREQUENCIES, Frequency } from '../../audience/topics/topic.entity';
import { ScheduledCampaigns } from '../../programmes/campaigns/scheduled-campaigns';
import { ReportRuleRow, toReportRule } from './report.dto';
import { UpcomingReportDto } from './upcoming.dto';

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_DAYS = 7;
const MISSED_DAYS = 7;
const SILENT_CASES = 10;

interface CountRow {
  today: number;
  week: number;
}

/**
 * What goes out next, in one answer for the console's Home: campaigns scheduled before the end
 * of the week, digest periods coming due per topic and frequency, lifecycle notices due per
 * rule, and what went wrong lately (missed deadlines, silent subscriptions). Each part is one
 * aggregate statement over an index: subscriptions by next_due_at, queued messages by
 * send_after, subscriber dates by (name, value), missed promises by detected_at, open campaigns
 * by send_at.
 */
@Injectable()
export class UpcomingService {
  private readonly graceDays: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly campaigns: ScheduledCampaigns,
    config: ConfigService<AppConfig, true>,
  ) {
    this.graceDays = config.get('digests', { infer: true }).silenceGraceDays;
  }

  async report(now: Date): Promise<UpcomingReportDto> {
    const todayEnd = new Date(
      Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1),
    );
    const weekEnd = new Date(now.getTime() + WEEK_DAYS * DAY_MS);
    const [campaigns, digests, notices, missed, silentSubscriptions] = await Promise.all([
      this.campaigns.before(weekEnd),
      this.digests(todayEnd, weekEnd),
      this.notices(now, todayEnd, weekEnd),
      this.missed(now),
      this.silent(now),
    ]);
    return {
      window: { asOf: now, todayEnd, weekEnd },
      campaigns,
      digests,
      notices,
      missedDeadlines: missed,
      silentSubscriptions,
    };
  }

  /**
   * Digest periods coming due, as the digest scheduler finds them: active subscriptions of
   * topics that are not archived and not notice topics, subscriber active and not paused then.
   */
  private async digests(todayEnd: Date, weekEnd: Date) {
    const { sql, params } = this.digestsStatement(todayEnd, weekEnd);
    const rows = await queryRows<
      CountRow & { id: string; key: string; name: string; kind: string; frequency: Frequency }
    >(this.dataSource, sql, params);
    return rows
      .sort(
        (a, b) =>
          (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) ||
          FREQUENCIES.indexOf(a.frequency) - FREQUENCIES.indexOf(b.frequency),
      )
      .map((r) => ({
        topic: { id: r.id, key: r.key, name: r.name, kind: r.kind },
        frequency: r.frequency,
        today: r.today,
        week: r.week,
      }));
  }

  /**
   * Lifecycle notices due per enabled rule: those queued in the ledger (by send_after), and for
   * date rules the dates ahead whose notice the scheduler has not written yet, planned with the
   * engine's own lifecycle_notice_planned_at() in the subscriber's zone. Only dates whose send
   * day lies within a day of the window are read, by the (name, value) index.
   */
  private async notices(now: Date, todayEnd: Date, weekEnd: Date) {
    const { sql, params } = this.noticesStatement(now, todayEnd, weekEnd);
    const rows = await queryRows<CountRow & ReportRuleRow>(this.dataSource, sql, params);
    return rows
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map((r) => ({ rule: toReportRule(r, false), today: r.today, week: r.week }));
  }

  /**
   * The silent subscriptions as the watchdog defines them (watchdog_silent_subscriptions(), the
   * programme summary's figure): the counts per topic and the longest silent.
   */
  private async silent(now: Date) {
    const rows = await queryRows<{
      part: 'topic' | 'case';
      id: string;
      key: string;
      name: string;
      kind: string;
      n: number;
      subscriber_id: string | null;
      frequency: Frequency | null;
      due_by: Date | null;
    }>(
      this.dataSource,
      // Counted, and the oldest read in the order of the window-end index
      // (migrations/1764022000000-SilenceWindowEnd.ts), each straight from the definition: no
      // copy of the 100,000 or so silent rows is kept to share between the two.
      `WITH per_topic AS (
         SELECT w.topic_id, count(*)::int AS n FROM watchdog_silent_subscriptions($1, $2) w GROUP BY w.topic_id
       ),
       oldest AS (
         SELECT w.subscription_id, w.subscriber_id, w.topic_id, w.frequency, w.window_ended_at
           FROM watchdog_silent_subscriptions($1, $2) w
          ORDER BY w.window_ended_at, w.subscription_id LIMIT $3
       )
       SELECT 'topic' AS part, t.id, t.key, t.name, t.kind, p.n,
              NULL::uuid AS subscriber_id, NULL AS frequency, NULL::timestamptz AS due_by
         FROM per_topic p JOIN audience_topics t ON t.id = p.topic_id
       UNION ALL
       SELECT 'case', t.id, t.key, t.name, t.kind, 0, o.subscriber_id, o.frequency, o.window_ended_at
         FROM oldest o JOIN audience_topics t ON t.id = o.topic_id`,
      [now, this.graceDays, SILENT_CASES],
    );
    const topics = rows
      .filter((r) => r.part === 'topic')
      .sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return {
      count: topics.reduce((sum, r) => sum + r.n, 0),
      byTopic: topics.map((r) => ({
        topic: { id: r.id, key: r.key, name: r.name, kind: r.kind },
        subscriptions: r.n,
      })),
      oldest: rows
        .filter((r) => r.part === 'case')
        .sort((a, b) => new Date(a.due_by!).getTime() - new Date(b.due_by!).getTime())
        .map((r) => ({
          subscriberId: r.subscriber_id!,
          topicKey: r.key,
          topicName: r.name,
          frequency: r.frequency!,
          dueBy: r.due_by!,
        })),
    };
  }

  private async missed(now: Date) {
    const rows = await queryRows<ReportRuleRow & { n: number; deleted: boolean }>(
      this.dataSource,
      `SELECT r.id, r.key, r.name, r.trigger_type, r.enabled, r.topic_id, t.key AS topic_key,
              r.deleted_at IS NOT NULL AS deleted, count(*)::int AS n
         FROM programmes_lifecycle_missed_promises p
         JOIN programmes_lifecycle_rules r ON r.id = p.rule_id
         JOIN audience_topics t ON t.id = r.topic_id
        WHERE p.detected_at >= $1::timestamptz - make_interval(days => $2) AND p.detected_at <= $1
        GROUP BY r.id, r.key, r.name, r.trigger_type, r.enabled, r.topic_id, t.key, r.deleted_at
        ORDER BY n DESC, r.key`,
      [now, MISSED_DAYS],
    );
    return {
      days: MISSED_DAYS,
      total: rows.reduce((sum, r) => sum + r.n, 0),
      byRule: rows.map((r) => ({ rule: toReportRule(r, r.deleted), missed: r.n })),
    };
  }

  /** The statement behind the digest counts (public for the benchmark's EXPLAIN). */
  digestsStatement(todayEnd: Date, weekEnd: Date): { sql: string; params: unknown[] } {
    return {
      sql: `SELECT t.id, t.key, t.name, t.kind, x.frequency,
              count(*) FILTER (WHERE x.next_due_at < $1
                                 AND (s.paused_until IS NULL OR s.paused_until < $1))::int AS today,
              count(*)::int AS week
         FROM audience_subscriptions x
         JOIN audience_subscribers s ON s.id = x.subscriber_id
         JOIN audience_topics t ON t.id = x.topic_id
        WHERE x.status = 'active' AND x.next_due_at < $2
          AND s.status = 'active' AND (s.paused_until IS NULL OR s.paused_until < $2)
          AND t.archived_at IS NULL AND t.kind <> 'notice'
        GROUP BY t.id, t.key, t.name, t.kind, x.frequency`,
      params: [todayEnd, weekEnd],
    };
  }

  /** The statement behind the notice counts (public for the benchmark's EXPLAIN). */
  noticesStatement(now: Date, todayEnd: Date, weekEnd: Date): { sql: string; params: unknown[] } {
    const day = (d: Date) => d.toISOString().slice(0, 10);
    return {
      sql: `WITH r AS (
         SELECT r.id, r.key, r.name, r.trigger_type, r.enabled, r.topic_id, t.key AS topic_key,
                r.date_name, r.offset_days, r.window_start
           FROM programmes_lifecycle_rules r JOIN audience_topics t ON t.id = r.topic_id
          WHERE r.deleted_at IS NULL AND r.enabled
       ),
       queued AS (
         SELECT m.rule_id, m.send_after AS at
           FROM messaging_ledger_messages m
          WHERE m.status = 'queued' AND m.rule_id IS NOT NULL
            AND m.send_after < $3 AND m.rule_id IN (SELECT id FROM r)
       ),
       ahead AS (
         SELECT r.id AS rule_id,
                lifecycle_notice_planned_at(d.value, r.offset_days, r.window_start,
                                            lifecycle_zone(s.timezone)) AS at,
                d.subscriber_id, d.value
           FROM r
           JOIN audience_subscriber_dates d
             ON d.name = r.date_name
            AND d.value >= $4::date - r.offset_days - 1
            AND d.value <= $5::date - r.offset_days + 1
           JOIN audience_subscribers s ON s.id = d.subscriber_id AND s.status = 'active'
          WHERE r.trigger_type = 'date'
            AND EXISTS (SELECT 1 FROM audience_subscriptions x
                         WHERE x.subscriber_id = d.subscriber_id AND x.topic_id = r.topic_id
                           AND x.status = 'active')
       ),
       due AS (
         SELECT rule_id, at FROM queued
         UNION ALL
         SELECT a.rule_id, a.at FROM ahead a
          WHERE a.at >= $1 AND a.at < $3
            AND NOT EXISTS (SELECT 1 FROM messaging_ledger_messages m
                             WHERE m.dedupe_key = lifecycle_notice_key(a.rule_id, a.subscriber_id,
                                                                       lifecycle_date_anchor(a.value)))
       )
       SELECT r.id, r.key, r.name, r.trigger_type, r.enabled, r.topic_id, r.topic_key,
              count(*) FILTER (WHERE due.at < $2)::int AS today, count(*)::int AS week
         FROM due JOIN r ON r.id = due.rule_id
        GROUP BY r.id, r.key, r.name, r.trigger_type, r.enabled, r.topic_id, r.topic_key`,
      params: [now, todayEnd, weekEnd, day(now), day(weekEnd)],
    };
  }
}
