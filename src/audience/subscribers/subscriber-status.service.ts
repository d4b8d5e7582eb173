import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../../platform/database/sql';
import { EventOutbox } from '../../platform/events/event-outbox';
import { ConsentService } from '../consent/consent.service';
import { DEFAULT_WORDING_VERSION, defaultWording } from '../consent/wording';
import { SuppressionsService } from '../suppressions/suppressions.service';
import { SubscriberDate } from './subscriber-date.entity';
import { Subscriber, SubscriberStatus } from './subscriber.entity';
import type { ChangeContext } from './subscriptions.service';

/** Statuses that still receive marketing; leaving everything makes them `unsubscribed`. */
const REACHABLE = new Set<SubscriberStatus>(['active', 'pending']);
/** A hard bounce makes these `bounced`; complained and erased stay as they are. */
const BOUNCEABLE = new Set<SubscriberStatus>(['active', 'pending', 'unsubscribed']);

/** The spam complaint behind a `complained` transition, as recorded with it. */
export interface ComplaintEvidence {
  reportId: string;
  /** The ledger row the complaint is about, when it was matched. */
  messageId: string | null;
  feedbackType?: string;
}

/**
 * The transitions that stop what a subscriber receives, each with its consent event, its
 * suppression and its status rule, in one place: leaving every topic, a hard bounce, a spam
 * complaint, erasure. Every method runs in the caller's transaction (run it with
 * `inTransaction`, so a deadlock victim runs again) and takes its locks in the order every writer
 * uses: the subscriber row (`FOR NO KEY UPDATE`) first, then its subscriptions
 * (docs/delivery-guarantees.md).
 */
@Injectable()
export class SubscriberStatusService {
  constructor(
    private readonly suppressions: SuppressionsService,
    private readonly consent: ConsentService,
    private readonly events: EventOutbox,
  ) {}

  /**
   * Leaves every topic and marks the subscriber `unsubscribed` (bounced and complained stay as
   * they are), with one consent event for "all email" listing the topics left. Repeating it
   * changes and records nothing (returns false). The caller has locked the subscriber.
   */
  async leaveAll(
    m: EntityManager,
    subscriber: Subscriber,
    ctx: ChangeContext,
    now: Date,
  ): Promise<boolean> {
    const left = await this.leaveTopics(m, subscriber.id, now);
    const reachable = REACHABLE.has(subscriber.status);
    if (reachable) await m.update(Subscriber, { id: subscriber.id }, { status: 'unsubscribed' });
    if (!left.length && !reachable) return false;
    await this.consent.record(m, [
      {
        subscriberId: subscriber.id,
        action: 'opt_out',
        topicId: null,
        wording: defaultWording('opt_out', { via: ctx.via }),
        wordingVersion: DEFAULT_WORDING_VERSION,
        source: ctx.source,
        details: { ...ctx.details, topics: left },
      },
    ]);
    await this.events.record(m, [
      {
        type: 'subscriber.unsubscribed',
        subscriberId: subscriber.id,
        data: { subscriberId: subscriber.id, topicsLeft: left, source: ctx.source },
        occurredAt: now,
      },
    ]);
    return true;
  }

  /**
   * A double opt-in confirmed: the subscriber becomes `active`, confirmed now (a first
   * confirmation stays). The consent events are the caller's: they carry the form's wording.
   */
  async confirm(m: EntityManager, subscriber: Subscriber, now: Date): Promise<void> {
    subscriber.status = 'active';
    subscriber.confirmedAt = subscriber.confirmedAt ?? now;
    await m.save(subscriber);
    await this.events.record(m, [
      {
        type: 'subscriber.confirmed',
        subscriberId: subscriber.id,
        data: { subscriberId: subscriber.id },
        occurredAt: now,
      },
    ]);
  }

  /** Pauses all email until `until`, or resumes it (null). The caller records the consent event. */
  async setPausedUntil(m: EntityManager, subscriberId: string, until: Date | null): Promise<void> {
    await m.update(Subscriber, { id: subscriberId }, { pausedUntil: until });
  }

  /**
   * A hard bounce (or the soft-bounce limit): the address is suppressed with reason
   * `hard_bounce`, and the subscriber whose address it still is becomes `bounced` (from active,
   * pending or unsubscribed). No consent event: the person decided nothing.
   */
  async bounced(
    m: EntityManager,
    address: string,
    details: Record<string, unknown>,
    subscriberId: string | null,
  ): Promise<void> {
    if (subscriberId) {
      // Locks the subscriber row only when it changes it; the address is compared under the lock.
      const changed = await queryRows<{ id: string }>(
        m,
        `UPDATE subscribers SET status = 'bounced', updated_at = now()
          WHERE id = $1 AND email = $2 AND status = ANY($3)
         RETURNING id`,
        [subscriberId, address, [...BOUNCEABLE]],
      );
      if (changed.length) {
        await this.events.record(m, [
          {
            type: 'subscriber.bounced',
            subscriberId,
            data: { subscriberId, reason: 'hard_bounce' },
            occurredAt: new Date(),
          },
        ]);
      }
    }
    await this.suppressions.suppress(address, 'hard_bounce', details, m);
  }

  /**
   * A spam complaint: the address is suppressed with reason `complaint`; the subscriber leaves
   * every topic with one `opt_out` consent event (source `system`; none when a repeat changes
   * nothing) and becomes `complained`, whatever their status was (except erased).
   */
  async complained(
    m: EntityManager,
    subscriberId: string,
    address: string,
    evidence: ComplaintEvidence,
    now: Date,
  ): Promise<void> {
    const subscriber = await this.lock(m, subscriberId);
    await this.suppressions.suppress(
      address,
      'complaint',
      {
        reportId: evidence.reportId,
        messageId: evidence.messageId,
        feedbackType: evidence.feedbackType,
      },
      m,
    );
    if (!subscriber || subscriber.status === 'erased') return;
    const left = await this.leaveTopics(m, subscriberId, now);
    if (left.length || subscriber.status !== 'complained') {
      await this.consent.record(m, [
        {
          subscriberId,
          action: 'opt_out',
          topicId: null,
          wording: defaultWording('opt_out', {
            via: 'a spam complaint reported by their mailbox provider',
          }),
          wordingVersion: DEFAULT_WORDING_VERSION,
          source: 'system',
          details: {
            reason: 'complaint',
            reportId: evidence.reportId,
            messageId: evidence.messageId,
            feedbackType: evidence.feedbackType ?? null,
            topicsLeft: left.length,
          },
          occurredAt: now,
        },
      ]);
    }
    await m.query(
      `UPDATE subscribers SET status = 'complained', updated_at = now() WHERE id = $1`,
      [subscriberId],
    );
    if (subscriber.status !== 'complained') {
      await this.events.record(m, [
        {
          type: 'subscriber.complained',
          subscriberId,
          data: {
            subscriberId,
            messageId: evidence.messageId,
            feedbackType: evidence.feedbackType ?? null,
            topicsLeft: left.length,
          },
          occurredAt: now,
        },
      ]);
    }
  }

  /**
   * Erasure: the address is kept only as a keyed hash on the suppression list (so it is never
   * mailed or imported again), the consent history is deleted, `personalData` removes what other
   * modules keep, then the dates, the subscriptions and the personal fields go and the status
   * becomes `erased`. The caller has locked the subscriber.
   */
  async erase(
    m: EntityManager,
    subscriber: Subscriber,
    personalData: (manager: EntityManager, subscriberId: string) => Promise<void>,
  ): Promise<void> {
    if (subscriber.email) {
      await this.suppressions.suppress(subscriber.email, 'erasure', {}, m);
    }
    await this.consent.eraseFor(m, subscriber.id);
    await personalData(m, subscriber.id);
    await m.delete(SubscriberDate, { subscriberId: subscriber.id });
    await m.query('DELETE FROM subscriptions WHERE subscriber_id = $1', [subscriber.id]);
    await m.update(
      Subscriber,
      { id: subscriber.id },
      {
        email: null,
        name: null,
        attributes: {},
        status: 'erased',
        pausedUntil: null,
        erasedAt: () => 'now()',
      },
    );
    await this.events.record(m, [
      {
        type: 'subscriber.erased',
        subscriberId: subscriber.id,
        data: { subscriberId: subscriber.id },
        occurredAt: new Date(),
      },
    ]);
  }

  /** Every subscription not left yet becomes `unsubscribed`; returns their topic keys, sorted. */
  private async leaveTopics(m: EntityManager, subscriberId: string, now: Date): Promise<string[]> {
    const rows = await queryRows<{ key: string }>(
      m,
      `WITH left_topics AS (
         UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $2, updated_at = now()
          WHERE subscriber_id = $1 AND status <> 'unsubscribed'
          RETURNING topic_id)
       SELECT t.key FROM left_topics l JOIN audience_topics t ON t.id = l.topic_id ORDER BY t.key`,
      [subscriberId, now],
    );
    return rows.map((r) => r.key);
  }

  /** Locks the subscriber row (the first lock of every writer); null when there is none. */
  private async lock(
    m: EntityManager,
    subscriberId: string,
  ): Promise<{ status: SubscriberStatus } | null> {
    const [row] = await queryRows<{ status: SubscriberStatus }>(
      m,
      `SELECT status FROM subscribers WHERE id = $1 FOR NO KEY UPDATE`,
      [subscriberId],
    );
    return row ?? null;
  }
}
