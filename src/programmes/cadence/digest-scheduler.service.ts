import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { LedgerService } from '../../messaging/delivery/ledger.service';
import { SubscriptionSlots } from '../../audience/subscribers/subscription-slots';
import { DEFAULT_SEND_HOUR } from '../../audience/topics/frequency';
import type { Frequency } from '../../audience/topics/topic.entity';
import { OnSchedulerTick } from '../../platform/scheduler/tick-handlers';
import { ContentMixPolicy } from './content-mix';
import { PeriodMessages } from './period-messages';

const BATCH = 500;

interface DueRow {
  id: string;
  subscriber_id: string;
  topic_id: string;
  frequency: Frequency;
  next_due_at: Date;
}

interface CandidateRow {
  subscription_id: string;
  item_id: string;
  kind: 'editorial' | 'promotional';
}

/** What a digest row carries: item ids, resolved to content at send time. */
export interface DigestRef {
  digest: { itemIds: string[]; frequency: Frequency };
}

export function isDigestRef(
  data: Record<string, unknown>,
): data is Record<string, unknown> & DigestRef {
  const d = data.digest as DigestRef['digest'] | undefined;
  return !!d && Array.isArray(d.itemIds);
}

/**
 * Finds subscriptions whose period has come due, during the subscriber's local send hour, and
 * gathers the topic's content they have not received (and campaigns folded for them) into one
 * digest. Writing the digest reserves the slot: `next_due_at` moves one period on, in the same
 * transaction, under the subscription's row lock (the campaign fan-out takes the same lock), so a
 * period never gets two messages. No content: no digest, and the slot stays open.
 */
@Injectable()
export class DigestScheduler {
  private readonly logger = new Logger('Digests');
  private readonly maxItems: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly periods: PeriodMessages,
    private readonly slots: SubscriptionSlots,
    private readonly mix: ContentMixPolicy,
    config: ConfigService<AppConfig, true>,
  ) {
    this.maxItems = config.get('digests', { infer: true }).maxItems;
  }

  @OnSchedulerTick('digests', { order: 20 })
  async run(now: Date): Promise<{ scheduled: number; digests: number; due: number }> {
    // Subscriptions that never got a slot start their first period now.
    const started = await this.slots.startUnscheduled(now);
    let last = '00000000-0000-0000-0000-000000000000';
    let due = 0;
    let digests = 0;
    for (;;) {
      const batch = await this.dataSource.transaction(async (manager) => {
        const rows = await queryRows<DueRow>(
          manager,
          `SELECT x.id, x.subscriber_id, x.topic_id, x.frequency, x.next_due_at
             FROM audience_subscriptions x
             JOIN audience_subscribers s ON s.id = x.subscriber_id
             JOIN audience_topics t ON t.id = x.topic_id
            WHERE x.status = 'active' AND x.next_due_at <= $1 AND x.id > $2
              AND s.status = 'active' AND (s.paused_until IS NULL OR s.paused_until <= $1)
              AND t.archived_at IS NULL AND t.kind <> 'notice'
              AND extract(hour FROM $1::timestamptz AT TIME ZONE s.timezone) = $3
            ORDER BY x.id
            LIMIT ${BATCH}
            FOR UPDATE OF x SKIP LOCKED`,
          [now, last, DEFAULT_SEND_HOUR],
        );
        if (!rows.length) return null;
        const ids = await this.writeDigests(manager, rows, now);
        return { rows, ids };
      });
      if (!batch) break;
      last = batch.rows[batch.rows.length - 1].id;
      due += batch.rows.length;
      digests += batch.ids.length;
      await this.ledger.enqueue(batch.ids);
      if (batch.rows.length < BATCH) break;
    }
    if (digests) this.logger.log({ digests, due }, 'Digests queued');
    return { scheduled: started, digests, due };
  }

  private async writeDigests(manager: EntityManager, due: DueRow[], now: Date): Promise<string[]> {
    // New content since they joined that they have not received, plus items of campaigns folded
    // for them; "received" means in a message that is queued, being sent or sent.
    const candidates = await queryRows<CandidateRow>(
      manager,
      `SELECT d.id AS subscription_id, c.id AS item_id, c.kind
         FROM audience_subscriptions d
         JOIN programmes_content_items c ON c.topic_id = d.topic_id
        WHERE d.id = ANY($1)
          AND c.withdrawn_at IS NULL AND c.published_at <= $2
          AND (c.expires_at IS NULL OR c.expires_at > $2)
          AND ((c.in_digests AND c.published_at >= d.created_at)
               OR EXISTS (SELECT 1 FROM messaging_folded_items f
                           WHERE f.subscriber_id = d.subscriber_id AND f.topic_id = d.topic_id
                             AND c.id = ANY (f.content_item_ids)))
          AND NOT EXISTS (SELECT 1 FROM messaging_regular_sends r
                           WHERE r.subscriber_id = d.subscriber_id AND r.topic_id = d.topic_id
                             AND c.id = ANY (r.content_item_ids))
        ORDER BY d.id, c.published_at DESC, c.id`,
      [due.map((d) => d.id), now],
    );
    if (!candidates.length) return [];
    const bySubscription = new Map<string, CandidateRow[]>();
    for (const c of candidates) {
      const list = bySubscription.get(c.subscription_id) ?? [];
      list.push(c);
      bySubscription.set(c.subscription_id, list);
    }
    const withPromotions = due.filter((d) =>
      bySubscription.get(d.id)?.some((c) => c.kind === 'promotional'),
    );
    const mixStats = await this.mix.stats(
      manager,
      withPromotions.map((d) => d.subscriber_id),
      now,
      'pending',
    );

    const digests: Array<{ due: DueRow; items: CandidateRow[] }> = [];
    for (const d of due) {
      let items = bySubscription.get(d.id) ?? [];
      const stats = mixStats.get(d.subscriber_id);
      // Promotional items wait while the subscriber is at the cap; the editorial ones go.
      if (items.some((c) => c.kind === 'promotional') && !this.mix.allows(stats ?? EMPTY, now)) {
        items = items.filter((c) => c.kind !== 'promotional');
      }
      if (items.length) digests.push({ due: d, items: items.slice(0, this.maxItems) });
    }
    if (!digests.length) return [];

    return this.periods.write(
      manager,
      digests.map((g) => ({
        use: 'digest' as const,
        subscriptionId: g.due.id,
        slot: g.due.next_due_at,
        message: {
          subscriberId: g.due.subscriber_id,
          topicId: g.due.topic_id,
          template: 'digest',
          kind: g.items.some((c) => c.kind === 'promotional') ? 'promotional' : 'editorial',
          data: {
            digest: { itemIds: g.items.map((c) => c.item_id), frequency: g.due.frequency },
          } satisfies DigestRef,
          contentItemIds: g.items.map((c) => c.item_id),
        },
      })),
      now,
    );
  }
}

const EMPTY = { promotional: 0, total: 0, lastPromotionalAt: null };
