import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock';
import { queryRows } from '../database/sql';
import { SuppressionsService } from '../suppressions/suppressions.service';
import type { Locale, SubscriberStatus } from '../subscribers/subscriber.entity';
import type { SubscriptionStatus } from '../subscribers/subscription.entity';
import type { ClaimedMessage } from './claimed-message';
import { recordDecisions } from './decisions';
import { GroupCommit } from './group-commit';
import { baseDecision, SendDecision } from './send-checks';

/**
 * What became of a message at its hand-over: `handed` (recorded; its SMTP transaction may start),
 * a decision not to send it after all (recorded), or `lost` (no longer claimed by this worker:
 * reclaimed after this process lost its lease; its new holder decides).
 */
export type HandOverResult = 'handed' | 'lost' | SendDecision;

interface SubscriberState {
  id: string;
  email: string | null;
  status: SubscriberStatus;
  locale: Locale;
  paused_until: Date | null;
}

/**
 * The last check before a message is handed to SMTP, per message and immediately before its
 * SMTP transaction starts: consent (subscriber and subscription status), suppression and pause
 * are read again under share locks, and the hand-over is recorded (`handed_at`) in the same
 * transaction.
 *
 * The share locks are what makes "an unsubscribe always wins" exact: every path that ends a
 * subscription (one-click, preference page, API, complaint, hard bounce, erasure) writes the
 * subscriber or subscription row. If it has not committed yet, this check waits for it and then
 * sees the new state; if this check got there first, the unsubscribe waits the few milliseconds
 * until the hand-over is recorded. So no message is handed over after an unsubscribe committed;
 * what remains is a message already handed over, whose SMTP transaction ends after it.
 *
 * Locks are taken in the order every writer uses: subscribers by id, then subscriptions by
 * (subscriber, topic), then ledger rows by id. Concurrent hand-overs are written together
 * (group commit), one transaction per group.
 */
@Injectable()
export class HandOverService {
  private readonly group: GroupCommit<ClaimedMessage, HandOverResult>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly suppressions: SuppressionsService,
    private readonly clock: Clock,
  ) {
    this.group = new GroupCommit((messages) =>
      this.dataSource.transaction((tx) => this.handOver(tx, messages)),
    );
  }

  /** Resolves once the hand-over (or the decision not to send) is committed. */
  check(message: ClaimedMessage): Promise<HandOverResult> {
    return this.group.submit(message);
  }

  private async handOver(tx: EntityManager, messages: ClaimedMessage[]): Promise<HandOverResult[]> {
    const now = this.clock.now();
    const subscriberIds = [...new Set(messages.map((m) => m.subscriberId))].sort();
    const subscribers = await queryRows<SubscriberState>(
      tx,
      `SELECT id, email, status, locale, paused_until FROM subscribers
        WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`,
      [subscriberIds],
    );
    const withTopic = messages.filter((m) => m.topicId);
    const subscriptions = withTopic.length
      ? await queryRows<{ subscriber_id: string; topic_id: string; status: SubscriptionStatus }>(
          tx,
          `SELECT x.subscriber_id, x.topic_id, x.status
             FROM subscriptions x
             JOIN unnest($1::uuid[], $2::uuid[]) AS w(subscriber_id, topic_id)
               ON x.subscriber_id = w.subscriber_id AND x.topic_id = w.topic_id
            ORDER BY x.subscriber_id, x.topic_id FOR SHARE OF x`,
          [withTopic.map((m) => m.subscriberId), withTopic.map((m) => m.topicId)],
        )
      : [];
    const byId = new Map(subscribers.map((s) => [s.id, s]));
    const subscription = new Map(
      subscriptions.map((x) => [`${x.subscriber_id}/${x.topic_id}`, x.status]),
    );
    const suppressed = await this.suppressions.suppressedAmong(
      subscribers.map((s) => s.email).filter((e): e is string => !!e),
      tx,
    );

    const decisions = new Map<string, SendDecision>();
    for (const m of messages) {
      const s = byId.get(m.subscriberId);
      const fresh: ClaimedMessage = {
        ...m,
        email: s?.email ?? null,
        subscriberStatus: s?.status ?? 'erased',
        pausedUntil: s?.paused_until ?? null,
        subscriptionStatus: m.topicId
          ? (subscription.get(`${m.subscriberId}/${m.topicId}`) ?? null)
          : null,
      };
      const decision = baseDecision(fresh, !!fresh.email && suppressed.has(fresh.email), now);
      if (decision) decisions.set(m.id, decision);
    }
    const passing = messages.filter((m) => !decisions.has(m.id));
    const handed = passing.length
      ? await queryRows<{ id: string }>(
          tx,
          `WITH mine AS (
             SELECT m.id FROM outbound_messages m
               JOIN unnest($1::uuid[], $2::int[]) AS c(id, lease) ON m.id = c.id
              WHERE m.status = 'sending' AND m.claimed_by = c.lease
              ORDER BY m.id FOR NO KEY UPDATE OF m)
           UPDATE outbound_messages m
              SET handed_at = coalesce(m.handed_at, clock_timestamp())
             FROM mine WHERE m.id = mine.id
           RETURNING m.id`,
          [passing.map((m) => m.id), passing.map((m) => m.claimedBy)],
        )
      : [];
    // Rows not taken back meanwhile get their decision; recordDecisions skips the others.
    await recordDecisions(tx, messages, decisions);
    const ok = new Set(handed.map((r) => r.id));
    return messages.map((m) => decisions.get(m.id) ?? (ok.has(m.id) ? 'handed' : 'lost'));
  }
}
