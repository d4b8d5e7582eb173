import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import { queryPrepared } from '../../platform/database/sql';
import { SuppressionsService } from '../../audience/suppressions/suppressions.service';
import type { SubscriberStatus } from '../../audience/subscribers/subscriber.entity';
import type { SubscriptionStatus } from '../../audience/subscribers/subscription.entity';
import type { ClaimedMessage } from './claimed-message';
import { recordDecisions } from './decisions';
import { GroupCommit } from './group-commit';
import { Outcome, outcomeCtes } from './outcome-writer';
import { baseDecision, SendDecision } from './send-checks';

/**
 * What became of a message at its hand-over: `handed` (recorded; its SMTP transaction may start),
 * a decision not to send it after all (recorded), or `lost` (no longer claimed by this worker:
 * reclaimed after this process lost its lease; its new holder decides).
 */
export type HandOverResult = 'handed' | 'lost' | SendDecision;

interface HandOverItem {
  message: ClaimedMessage;
  carried?: Outcome;
}

interface FreshState {
  id: string;
  subscriber_status: SubscriberStatus | null;
  subscription_status: SubscriptionStatus | null;
  paused_until: Date | null;
  email: string | null;
  suppressed: boolean;
  unchanged: boolean;
  handed: boolean;
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
  private readonly group: GroupCommit<HandOverItem, HandOverResult>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly suppressions: SuppressionsService,
    private readonly clock: Clock,
  ) {
    this.group = new GroupCommit((items) => this.handOver(items));
  }

  /**
   * Resolves once the hand-over (or the decision not to send) is committed. `carried`: the
   * previous message of the same SMTP connection, accepted by the server and not yet recorded; it
   * is recorded in the same statement (so the connection never has two messages unrecorded).
   */
  check(message: ClaimedMessage, carried?: Outcome): Promise<HandOverResult> {
    return this.group.submit({ message, carried });
  }

  /**
   * One statement for the whole group: the carried outcomes (outcome-writer.ts), then the hand-
   * overs in the lock order every writer uses: the subscribers (share, by id), then their
   * subscriptions (share; the uncorrelated sub-select makes PostgreSQL lock every subscriber
   * first), then the ledger rows. A row whose state is what it was at the claim (which passed the
   * send-time checks then) is handed over in the same statement, which commits on its own: one
   * round trip per group. The rest, rare, are decided again.
   */
  private async handOver(items: HandOverItem[]): Promise<HandOverResult[]> {
    const messages = items.map((i) => i.message);
    const carried = items.flatMap((i) => (i.carried ? [i.carried] : []));
    const params: unknown[] = [];
    const p = (value: unknown) => `$${params.push(value)}`;
    const rows = await queryPrepared<FreshState>(
      this.dataSource,
      carried.length ? 'tidings_hand_over_carrying' : 'tidings_hand_over',
      `WITH ${carried.length ? `${outcomeCtes(carried, p)},` : ''}
       c AS (
         SELECT * FROM unnest(${p(messages.map((m) => m.id))}::uuid[],
                              ${p(messages.map((m) => m.claimedBy))}::int[],
                              ${p(messages.map((m) => m.subscriberId))}::uuid[],
                              ${p(messages.map((m) => m.topicId))}::uuid[],
                              ${p(messages.map((m) => m.subscriberStatus))}::text[],
                              ${p(messages.map((m) => m.subscriptionStatus))}::text[],
                              ${p(messages.map((m) => m.pausedUntil))}::timestamptz[],
                              ${p(messages.map((m) => m.email))}::text[],
                              ${p(messages.map((m) => (m.email ? this.suppressions.hash(m.email) : null)))}::text[])
                  AS c(id, lease, subscriber_id, topic_id, subscriber_status, subscription_status,
                       paused_until, email, email_hash)),
       s AS (
         SELECT id, status, email, paused_until FROM audience_subscribers
          WHERE id IN (SELECT subscriber_id FROM c) ORDER BY id FOR SHARE),
       x AS (
         SELECT x.subscriber_id, x.topic_id, x.status FROM audience_subscriptions x
          WHERE (x.subscriber_id, x.topic_id) IN (SELECT subscriber_id, topic_id FROM c)
            AND (SELECT count(*) FROM s) >= 0
          ORDER BY x.subscriber_id, x.topic_id FOR SHARE),
       fresh AS (
         SELECT c.id, c.lease, s.status AS subscriber_status, x.status AS subscription_status,
                s.paused_until, s.email,
                EXISTS (SELECT 1 FROM audience_suppressions p WHERE p.address_hash = c.email_hash) AS suppressed,
                (s.status IS NOT DISTINCT FROM c.subscriber_status
                 AND (c.topic_id IS NULL OR x.status IS NOT DISTINCT FROM c.subscription_status)
                 AND s.paused_until IS NOT DISTINCT FROM c.paused_until
                 AND s.email IS NOT DISTINCT FROM c.email) AS unchanged
           FROM c
           LEFT JOIN s ON s.id = c.subscriber_id
           LEFT JOIN x ON x.subscriber_id = c.subscriber_id AND x.topic_id = c.topic_id),
       handed AS (
         UPDATE outbound_messages m SET handed_at = coalesce(m.handed_at, clock_timestamp())
           FROM (SELECT m.id FROM outbound_messages m JOIN fresh f ON f.id = m.id
                  WHERE f.unchanged AND NOT f.suppressed
                    AND m.status = 'sending' AND m.claimed_by = f.lease
                  ORDER BY m.id FOR NO KEY UPDATE OF m) mine
          WHERE m.id = mine.id
         RETURNING m.id)
       SELECT f.id, f.subscriber_status, f.subscription_status, f.paused_until, f.email,
              f.suppressed, f.unchanged, (h.id IS NOT NULL) AS handed
         FROM fresh f LEFT JOIN handed h ON h.id = f.id`,
      params,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const results = new Map<string, HandOverResult>();
    const changed: ClaimedMessage[] = [];
    for (const m of messages) {
      const r = byId.get(m.id)!;
      if (r.handed) results.set(m.id, 'handed');
      else if (r.unchanged && !r.suppressed) results.set(m.id, 'lost');
      else changed.push(m);
    }
    if (changed.length) {
      for (const [id, result] of await this.decideAgain(changed, byId)) results.set(id, result);
    }
    return messages.map((m) => results.get(m.id)!);
  }

  /**
   * Messages whose recipient changed since the claim (rare): the send-time checks on the new
   * state. One that may still be sent (a pause ended, an address changed) goes back to the queue
   * to be claimed again with its new state, rather than sent on what was claimed.
   */
  private async decideAgain(
    messages: ClaimedMessage[],
    fresh: Map<string, FreshState>,
  ): Promise<Map<string, HandOverResult>> {
    const now = this.clock.now();
    const decisions = new Map<string, SendDecision>();
    for (const m of messages) {
      const f = fresh.get(m.id)!;
      const decision = baseDecision(
        {
          ...m,
          email: f.email,
          subscriberStatus: f.subscriber_status ?? 'erased',
          subscriptionStatus: m.topicId ? f.subscription_status : null,
          pausedUntil: f.paused_until,
        },
        f.suppressed,
        now,
      );
      decisions.set(m.id, decision ?? { status: 'deferred', reason: 'changed', until: now });
    }
    await recordDecisions(this.dataSource, messages, decisions);
    return decisions;
  }
}
