import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import { queryRows, SqlParams } from '../../platform/database/sql';
import { LedgerService } from '../../messaging/delivery/ledger.service';
import { DeadlinesService } from './deadlines.service';
import { LifecycleRule } from './lifecycle-rule.entity';
import { NoticeSource, NoticeWriter } from './notice-writer';

const MIN_UUID = '00000000-0000-0000-0000-000000000000';
/** Confirmations younger than this are left to the next tick, so a transaction that commits late
 * (its confirmed_at is older than its commit) is never passed over by the scan's keyset. */
const COMMIT_LAG_MS = 5 * 60_000;

export interface Progress {
  active_since: Date;
  cursor_date: string | null;
  cursor_ts: Date | null;
  cursor_id: string | null;
  /** Where a date rule's scan continues (lifecycle_date_scan_after): it writes the dates after. */
  scan_date: string;
  scan_id: string;
}

export interface ScanReport {
  scanned: number;
  written: number;
  missed: number;
}

/** UTC calendar day of an instant, shifted by whole days, as YYYY-MM-DD. */
export function utcDay(at: Date, plusDays = 0): string {
  return DateTime.fromJSDate(at, { zone: 'utc' })
    .startOf('day')
    .plus({ days: plusDays })
    .toISODate()!;
}

/**
 * The forward scans of `date` and `confirmed` rules. Each rule keeps a keyset position; a tick
 * moves it over the anchors whose send day has come (in any time zone: up to tomorrow in UTC),
 * so a pass touches only the day's new anchors: a range scan on subscriber_dates
 * (name, value, subscriber_id) or on subscribers (confirmed_at, id), never a full scan. Notices
 * are written ahead with `send_after` at the window's start in the subscriber's zone; the
 * dispatcher enqueues them when that moment comes.
 */
@Injectable()
export class DueScanService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly writer: NoticeWriter,
    private readonly deadlines: DeadlinesService,
    private readonly ledger: LedgerService,
  ) {}

  /** Batches of one rule until it has caught up or the time budget (epoch ms) is spent. */
  async scan(
    rule: LifecycleRule,
    now: Date,
    batchSize: number,
    budgetEnd: number,
  ): Promise<ScanReport> {
    const report: ScanReport = { scanned: 0, written: 0, missed: 0 };
    for (;;) {
      const batch = await this.dataSource.transaction(async (manager) => {
        const [progress] = await queryRows<Progress>(
          manager,
          `SELECT g.active_since, to_char(g.cursor_date, 'YYYY-MM-DD') AS cursor_date, g.cursor_ts,
                  g.cursor_id, to_char(a.scan_date, 'YYYY-MM-DD') AS scan_date, a.scan_id
             FROM lifecycle_rule_progress g
             CROSS JOIN LATERAL lifecycle_date_scan_after(g.cursor_date, g.cursor_id, g.active_since, $2) a
            WHERE g.rule_id = $1 FOR UPDATE OF g`,
          [rule.id, rule.deadlineDays],
        );
        if (!progress) return null;
        const source =
          rule.triggerType === 'date'
            ? this.dateBandSource(rule, progress, now, batchSize)
            : this.confirmedBand(rule, progress, now, batchSize);
        const result = await this.writer.write(manager, rule, source, {
          now,
          mode: 'band',
          activeSince: progress.active_since,
        });
        if (result.last) {
          await manager.query(
            `UPDATE lifecycle_rule_progress
                SET cursor_date = $2, cursor_ts = $3, cursor_id = $4, updated_at = now()
              WHERE rule_id = $1`,
            [rule.id, result.last.date, result.last.ts, result.last.id],
          );
        }
        const late = result.rows.filter((r) => r.status === 'skipped');
        const missed = await this.deadlines.recordMissed(
          manager,
          late.map((r) => ({ messageId: r.id, cause: 'scheduled_late' as const })),
          now,
        );
        return { result, missed };
      });
      if (!batch) break;
      const queued = batch.result.rows.filter((r) => r.status === 'queued').map((r) => r.id);
      await this.ledger.enqueue([...queued, ...batch.missed.apologyIds]);
      report.scanned += batch.result.scanned;
      report.written += queued.length;
      report.missed += batch.missed.missed;
      if (batch.result.scanned < batchSize || Date.now() > budgetEnd) break;
    }
    return report;
  }

  /**
   * Subscribers whose data changed: cancels queued notices whose date moved or vanished, and
   * writes the ones now due (a late date still gets its notice while the deadline allows).
   */
  async recheck(
    manager: EntityManager,
    rule: LifecycleRule,
    subscriberIds: string[],
    now: Date,
    activeSince: Date,
  ): Promise<string[]> {
    if (rule.triggerType === 'date') {
      const current = await queryRows<{ subscriber_id: string; anchor: string | null }>(
        manager,
        `SELECT b.id AS subscriber_id, lifecycle_date_anchor(d.value) AS anchor
           FROM unnest($1::uuid[]) AS b(id)
           LEFT JOIN audience_subscriber_dates d ON d.subscriber_id = b.id AND d.name = $2`,
        [subscriberIds, rule.dateName],
      );
      await this.ledger.skipMovedNotices(
        manager,
        rule.id,
        current.map((c) => ({ subscriberId: c.subscriber_id, anchor: c.anchor })),
      );
    }
    const source: NoticeSource =
      rule.triggerType === 'date'
        ? (p) => `
            SELECT d.subscriber_id, lifecycle_date_anchor(d.value) AS anchor_key, d.value AS anchor_date,
                   NULL::timestamptz AS anchor_ts, '{}'::jsonb AS vars,
                   NULL::date AS pos_date, NULL::timestamptz AS pos_ts, NULL::uuid AS pos_id
              FROM audience_subscriber_dates d
             WHERE d.subscriber_id = ANY(${p.add(subscriberIds)}::uuid[]) AND d.name = ${p.add(rule.dateName)}
               AND d.value <= ${p.add(utcDay(now, 1 - rule.offsetDays))}::date`
        : (p) => `
            SELECT s.id AS subscriber_id, 'confirmed' AS anchor_key, NULL::date AS anchor_date,
                   s.confirmed_at AS anchor_ts, '{}'::jsonb AS vars,
                   NULL::date AS pos_date, NULL::timestamptz AS pos_ts, NULL::uuid AS pos_id
              FROM audience_subscribers s
             WHERE s.id = ANY(${p.add(subscriberIds)}::uuid[]) AND s.confirmed_at IS NOT NULL
               AND s.confirmed_at >= ${p.add(confirmedLowerBound(rule, activeSince).toISOString())}::timestamptz
               AND s.confirmed_at < ${p.add(confirmedUpperBound(rule, now).toISOString())}::timestamptz`;
    const result = await this.writer.write(manager, rule, source, { now, mode: 'drop' });
    return result.rows.filter((r) => r.status === 'queued').map((r) => r.id);
  }

  /** The range scan over subscriber_dates for one batch of a date rule (public for the benchmark). */
  dateBandSource(
    rule: LifecycleRule,
    progress: Progress,
    now: Date,
    batchSize: number,
  ): NoticeSource {
    return (p: SqlParams) => {
      const name = p.add(rule.dateName);
      return `
        SELECT d.subscriber_id, lifecycle_date_anchor(d.value) AS anchor_key, d.value AS anchor_date,
               NULL::timestamptz AS anchor_ts, '{}'::jsonb AS vars,
               d.value AS pos_date, NULL::timestamptz AS pos_ts, d.subscriber_id AS pos_id
          FROM audience_subscriber_dates d
         WHERE d.name = ${name}
           AND (d.name, d.value, d.subscriber_id) > (${name}, ${p.add(progress.scan_date)}::date, ${p.add(progress.scan_id)}::uuid)
           AND d.value <= ${p.add(utcDay(now, 1 - rule.offsetDays))}::date
         ORDER BY d.name, d.value, d.subscriber_id
         LIMIT ${p.add(batchSize)}`;
    };
  }

  private confirmedBand(
    rule: LifecycleRule,
    progress: Progress,
    now: Date,
    batchSize: number,
  ): NoticeSource {
    const cursorTs = progress.cursor_ts ?? confirmedLowerBound(rule, progress.active_since);
    const cursorId = progress.cursor_ts ? (progress.cursor_id ?? MIN_UUID) : MIN_UUID;
    return (p: SqlParams) => `
      SELECT s.id AS subscriber_id, 'confirmed' AS anchor_key, NULL::date AS anchor_date,
             s.confirmed_at AS anchor_ts, '{}'::jsonb AS vars,
             NULL::date AS pos_date, s.confirmed_at AS pos_ts, s.id AS pos_id
        FROM audience_subscribers s
       WHERE s.confirmed_at IS NOT NULL
         AND (s.confirmed_at, s.id) > (${p.add(new Date(cursorTs).toISOString())}::timestamptz, ${p.add(cursorId)}::uuid)
         AND s.confirmed_at < ${p.add(confirmedUpperBound(rule, now).toISOString())}::timestamptz
       ORDER BY s.confirmed_at, s.id
       LIMIT ${p.add(batchSize)}`;
  }
}

/** A follow-up series covers people who confirmed at most a day before its first send day could come. */
function confirmedLowerBound(rule: LifecycleRule, activeSince: Date): Date {
  return new Date(activeSince.getTime() - (rule.offsetDays + 1) * 86_400_000);
}

/** Confirmations whose follow-up day can have come somewhere on earth, minus the commit lag. */
function confirmedUpperBound(rule: LifecycleRule, now: Date): Date {
  const byDay = new Date(`${utcDay(now, 3 - rule.offsetDays)}T00:00:00Z`);
  return new Date(Math.min(byDay.getTime(), now.getTime() - COMMIT_LAG_MS));
}
