import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import type { ClaimedMessage } from '../../messaging/delivery/claimed-message';
import {
  SendCheck,
  type SendDecision,
  type SendTimeCheck,
} from '../../messaging/delivery/send-checks';

/** The window the overall cap counts over. */
export const CAP_WINDOW_MS = 7 * 86_400_000;

/**
 * When a subscriber who had `counted` regular messages in the window (their send times, oldest
 * first) may have one more under `cap`: now, or when enough of them left the window.
 */
export function roomAt(counted: Date[], cap: number): Date | null {
  if (counted.length < cap) return null;
  // With L counted, one more fits once the oldest L - cap + 1 have left the window.
  return new Date(counted[counted.length - cap].getTime() + CAP_WINDOW_MS);
}

interface CapRow {
  id: string;
  cap: number | null;
  foldable: boolean;
  counted: Date[] | null;
}

/**
 * The overall cap: at most N regular (editorial and promotional) emails per subscriber in any
 * 7 days, across all topics; N is the subscriber's own choice (`subscribers.weekly_cap`), else the
 * marketer's default (OVERALL_WEEKLY_CAP), else no cap. A message counts from when it went
 * (sent, or claimed before this batch); messages of one batch count each other in a stable order.
 * Over the cap, a campaign message that carries a content item is skipped as `folded`, so the
 * item goes into the subscriber's next digest of that topic (messaging_folded_items); any other
 * regular message (a digest, a template campaign) is deferred to when room opens, the moment the
 * oldest counted message leaves the window: its content is not lost and the cap still holds.
 * Notices and transactional mail are neither counted nor held.
 */
@Injectable()
@SendCheck({ order: 30 })
export class OverallCapCheck implements SendTimeCheck {
  readonly name = 'overall-cap';
  private readonly weeklyDefault: number | null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService<AppConfig, true>,
  ) {
    this.weeklyDefault = config.get('overallCap', { infer: true }).weeklyDefault;
  }

  async check(messages: ClaimedMessage[], now: Date): Promise<Map<string, SendDecision>> {
    const decisions = new Map<string, SendDecision>();
    // Only subscribers with a cap (their own, or the default) are looked up: without either, a
    // batch costs no query (the claim loaded each subscriber's own cap).
    const regular = messages.filter(
      (m) =>
        (m.kind === 'editorial' || m.kind === 'promotional') &&
        (m.weeklyCap === undefined || (m.weeklyCap ?? this.weeklyDefault) !== null),
    );
    if (!regular.length) return decisions;
    // One row per claimed regular message: its subscriber's cap, whether it can fold, and the
    // send times of that subscriber's counted messages in the window (oldest first).
    const rows = await queryRows<CapRow>(
      this.dataSource,
      `SELECT c.id, coalesce(s.weekly_cap, $3::int) AS cap,
              (l.campaign_id IS NOT NULL AND cardinality(l.content_item_ids) > 0) AS foldable,
              w.counted
         FROM unnest($1::uuid[]) AS c(id)
         JOIN messaging_ledger_messages l ON l.id = c.id
         JOIN audience_subscribers s ON s.id = l.subscriber_id
         LEFT JOIN LATERAL (
           SELECT array_agg(coalesce(r.sent_at, r.claimed_at)
                            ORDER BY coalesce(r.sent_at, r.claimed_at)) AS counted
             FROM messaging_regular_sends r
            WHERE r.subscriber_id = l.subscriber_id AND NOT (r.id = ANY($4))
              AND (r.status = 'sent' OR (r.status = 'sending' AND r.claimed_at < $2))
              AND coalesce(r.sent_at, r.claimed_at) > $2::timestamptz - interval '7 days') w
           ON true
        WHERE coalesce(s.weekly_cap, $3::int) IS NOT NULL`,
      [regular.map((m) => m.id), now, this.weeklyDefault, messages.map((m) => m.id)],
    );
    if (!rows.length) return decisions;
    const byId = new Map(rows.map((r) => [r.id, r]));
    const counted = new Map<string, Date[]>();
    for (const m of [...regular].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      const row = byId.get(m.id);
      if (!row || row.cap === null) continue;
      const times = counted.get(m.subscriberId) ?? (row.counted ?? []).map((t) => new Date(t));
      counted.set(m.subscriberId, times);
      const room = roomAt(times, row.cap);
      if (!room) {
        times.push(now);
        continue;
      }
      decisions.set(
        m.id,
        row.foldable
          ? { status: 'skipped', reason: 'folded' }
          : { status: 'deferred', reason: 'overall_cap', until: room },
      );
    }
    return decisions;
  }
}
