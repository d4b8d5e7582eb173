import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import type { ClaimedMessage } from '../../messaging/delivery/claimed-message';
import {
  SendCheck,
  type SendDecision,
  type SendTimeCheck,
} from '../../messaging/delivery/send-checks';

/** A subscriber's editorial and promotional messages in the rolling window. */
export interface MixStats {
  promotional: number;
  total: number;
  lastPromotionalAt: Date | null;
}

const EMPTY: MixStats = { promotional: 0, total: 0, lastPromotionalAt: null };

/**
 * The content-mix cap: promotional messages stay at or under a share of each subscriber's
 * editorial + promotional messages over a rolling window, at most one per gap, and only in topics
 * of kind `promotional`. Notices and transactional mail are neither counted nor blocked.
 * Checked when a send is decided (so a capped subscriber's slot is not spent) and again at send time.
 */
@Injectable()
@SendCheck({ order: 20 })
export class ContentMixPolicy implements SendTimeCheck {
  readonly name = 'content-mix';
  readonly config: AppConfig['contentMix'];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: ConfigService<AppConfig, true>,
  ) {
    this.config = config.get('contentMix', { infer: true });
  }

  /** Whether one more promotional message keeps the subscriber within the cap. */
  allows(stats: MixStats, now: Date): boolean {
    const share = (stats.promotional + 1) / (stats.total + 1);
    if (share > this.config.maxPromotionalShare + 1e-9) return false;
    const gapMs = this.config.promotionalGapDays * 86_400_000;
    return !stats.lastPromotionalAt || now.getTime() - stats.lastPromotionalAt.getTime() >= gapMs;
  }

  /**
   * The same rule as `allows()` in SQL, for set-based sends: a join on `alias` that counts a
   * subscriber's decided regular messages (the ledger's `messaging_regular_sends`) in the window,
   * and the condition that one more promotional message fits. `now` is a parameter reference;
   * values are appended to `params`.
   *
   * `probe` (a fan-out batch): a LATERAL index probe per subscriber. `pass` (a whole audience at
   * once, the forecast): one pass over the window's sends, grouped by subscriber. Both count the
   * same rows through the index of regular sends by subscriber and time (migration
   * 1764024000000), without reading the table.
   */
  capSql(
    subscriberRef: string,
    now: string,
    params: unknown[],
    mode: 'probe' | 'pass' = 'probe',
  ): { join: string; allows: string } {
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const window = p(this.config.windowDays);
    const share = p(this.config.maxPromotionalShare);
    const gap = p(this.config.promotionalGapDays);
    const counted = `SELECT count(*) FILTER (WHERE m.kind = 'promotional') AS promotional, count(*) AS total,
                 max(coalesce(m.sent_at, m.send_after)) FILTER (WHERE m.kind = 'promotional') AS last_promotional_at`;
    const inWindow = `coalesce(m.sent_at, m.send_after) > ${now}::timestamptz - make_interval(days => ${window}::int)
             AND coalesce(m.sent_at, m.send_after) <= ${now}::timestamptz`;
    const join =
      mode === 'probe'
        ? `LEFT JOIN LATERAL (
          ${counted}
            FROM messaging_regular_sends m
           WHERE m.subscriber_id = ${subscriberRef} AND ${inWindow}) mix ON true`
        : `LEFT JOIN (
          ${counted}, m.subscriber_id
            FROM messaging_regular_sends m
           WHERE ${inWindow}
           GROUP BY m.subscriber_id) mix ON mix.subscriber_id = ${subscriberRef}`;
    // A subscriber without sends in the window has no row in a pass: none counted. In doubles,
    // as allows() computes it (numeric cost a tenth of a whole topic's forecast).
    return {
      join,
      allows: `((coalesce(mix.promotional, 0) + 1)::float8
                  <= ${share}::float8 * (coalesce(mix.total, 0) + 1) + 0.000000001
                AND (mix.last_promotional_at IS NULL
                     OR mix.last_promotional_at <= ${now}::timestamptz - make_interval(days => ${gap}::int)))`,
    };
  }

  /**
   * Stats per subscriber. `pending` also counts messages decided but not yet sent (for deciding
   * new sends); at send time only messages sent, or claimed before this batch, count.
   */
  async stats(
    db: DataSource | EntityManager,
    subscriberIds: string[],
    now: Date,
    mode: 'pending' | 'sent',
    excludeIds: string[] = [],
  ): Promise<Map<string, MixStats>> {
    const out = new Map<string, MixStats>();
    if (!subscriberIds.length) return out;
    // Regular sends are queued, being sent or sent: all count while deciding.
    const statusFilter =
      mode === 'pending'
        ? 'true'
        : `(m.status = 'sent' OR (m.status = 'sending' AND m.claimed_at < $2))`;
    const rows = await queryRows<{
      subscriber_id: string;
      promotional: number;
      total: number;
      last_promotional_at: Date | null;
    }>(
      db,
      `SELECT m.subscriber_id,
              count(*) FILTER (WHERE m.kind = 'promotional')::int AS promotional,
              count(*)::int AS total,
              max(coalesce(m.sent_at, m.send_after)) FILTER (WHERE m.kind = 'promotional') AS last_promotional_at
         FROM messaging_regular_sends m
        WHERE m.subscriber_id = ANY($1)
          AND coalesce(m.sent_at, m.send_after) > $2::timestamptz - make_interval(days => $3)
          AND coalesce(m.sent_at, m.send_after) <= $2
          AND ${statusFilter} AND NOT (m.id = ANY($4))
        GROUP BY m.subscriber_id`,
      [subscriberIds, now, this.config.windowDays, excludeIds],
    );
    for (const r of rows) {
      out.set(r.subscriber_id, {
        promotional: r.promotional,
        total: r.total,
        lastPromotionalAt: r.last_promotional_at,
      });
    }
    return out;
  }

  /** The send-time check, over the batch in a stable order so messages of one batch count each other. */
  async check(messages: ClaimedMessage[], now: Date): Promise<Map<string, SendDecision>> {
    const decisions = new Map<string, SendDecision>();
    const regular = messages.filter((m) => m.kind === 'editorial' || m.kind === 'promotional');
    if (!regular.some((m) => m.kind === 'promotional')) return decisions;
    const topicIds = [...new Set(regular.map((m) => m.topicId).filter((t): t is string => !!t))];
    const promotionalTopics = new Set(
      (
        await queryRows<{ id: string }>(
          this.dataSource,
          `SELECT id FROM audience_topics WHERE id = ANY($1) AND kind = 'promotional'`,
          [topicIds],
        )
      ).map((r) => r.id),
    );
    const stats = await this.stats(
      this.dataSource,
      [...new Set(regular.map((m) => m.subscriberId))],
      now,
      'sent',
      messages.map((m) => m.id),
    );
    for (const m of [...regular].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      const s = { ...(stats.get(m.subscriberId) ?? EMPTY) };
      if (m.kind === 'promotional') {
        if (!m.topicId || !promotionalTopics.has(m.topicId) || !this.allows(s, now)) {
          decisions.set(m.id, { status: 'skipped', reason: 'content_mix' });
          continue;
        }
        s.promotional += 1;
        s.lastPromotionalAt = now;
      }
      s.total += 1;
      stats.set(m.subscriberId, s);
    }
    return decisions;
  }
}
