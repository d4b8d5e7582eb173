import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
} from '../../platform/errors/domain-errors';
import { ConsentAction, ConsentSource } from '../consent/consent-event.entity';
import { ConsentService } from '../consent/consent.service';
import { DEFAULT_WORDING_VERSION, defaultWording } from '../consent/wording';
import { firstDueAt } from '../topics/frequency';
import { Frequency, Topic } from '../topics/topic.entity';
import { TopicsService } from '../topics/topics.service';
import { Subscriber } from './subscriber.entity';
import { SubscriptionDto } from './subscriber.dto';
import { Subscription } from './subscription.entity';
import { inTransaction } from '../../platform/database/transaction';

/** Who made a change and with which words; recorded in the consent event. */
export interface ChangeContext {
  source: ConsentSource;
  /** The wording the person saw; without it a factual default is recorded. */
  consent?: { text: string; version: string };
  /** Human-readable channel for default wording ("the API", "the preference center"). */
  via: string;
  /** Extra facts for the consent record (API key id, request id). */
  details?: Record<string, unknown>;
}

export interface SubscriptionChange {
  subscription: Subscription;
  topic: Topic;
  changed: boolean;
  /** True when the subscriber (re)joined the topic with this change. */
  joined: boolean;
}

const MARKETING_BLOCKED = new Set(['bounced', 'complained', 'erased']);

@Injectable()
export class SubscriptionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly topics: TopicsService,
    private readonly consent: ConsentService,
  ) {}

  /** Locks the subscriber row for the rest of the transaction; 404 when unknown or erased. */
  async lockSubscriber(manager: EntityManager, subscriberId: string): Promise<Subscriber> {
    const subscriber = await manager.findOne(Subscriber, {
      where: { id: subscriberId },
      // NO KEY UPDATE: it does not block the foreign-key checks of producers inserting ledger rows
      // for this subscriber (KEY SHARE), which held their subscription locks and deadlocked with it.
      lock: { mode: 'for_no_key_update' },
    });
    if (!subscriber || subscriber.status === 'erased') {
      throw new NotFoundError(`Subscriber ${subscriberId} not found`, 'id');
    }
    return subscriber;
  }

  /**
   * Joins a topic, changes the frequency of an existing subscription, or does nothing when the
   * request repeats the current state. Runs in the caller's transaction with the subscriber locked.
   */
  async subscribe(
    manager: EntityManager,
    subscriber: Subscriber,
    choice: { topic: string; frequency?: Frequency },
    ctx: ChangeContext,
    field = 'topic',
  ): Promise<SubscriptionChange> {
    if (MARKETING_BLOCKED.has(subscriber.status)) {
      throw new RuleViolationError(
        `Subscriber ${subscriber.id} cannot be subscribed: their status is ${subscriber.status}`,
        field,
        'subscriber_blocked',
      );
    }
    const topic = await this.topics.getOpen(choice.topic, manager, field);
    if (!subscriber.isCustomer && !topic.prospectsAllowed) {
      throw new RuleViolationError(
        `Topic "${topic.key}" is for customers only; this subscriber is a prospect`,
        field,
        'prospects_not_allowed',
      );
    }
    const frequency = choice.frequency ?? topic.defaultFrequency;
    assertAllowed(
      topic,
      frequency,
      field === 'topic' ? 'frequency' : field.replace(/topic$/, 'frequency'),
    );

    const existing = await manager.findOne(Subscription, {
      where: { subscriberId: subscriber.id, topicId: topic.id },
    });
    const targetStatus = subscriber.status === 'pending' ? 'pending' : 'active';
    if (existing && existing.status !== 'unsubscribed') {
      return this.setFrequency(manager, subscriber, topic, existing, frequency, ctx);
    }

    const subscription =
      existing ?? manager.create(Subscription, { subscriberId: subscriber.id, topicId: topic.id });
    subscription.status = targetStatus;
    subscription.frequency = frequency;
    subscription.unsubscribedAt = null;
    await manager.save(subscription);
    if (subscriber.status === 'unsubscribed') {
      // A new, explicit opt-in after leaving everything makes the subscriber reachable again.
      subscriber.status = 'active';
      await manager.save(subscriber);
    }
    await this.recordEvent(manager, subscriber, topic, 'opt_in', ctx, { frequency });
    return { subscription, topic, changed: true, joined: true };
  }

  async changeFrequency(
    manager: EntityManager,
    subscriber: Subscriber,
    topicKey: string,
    frequency: Frequency,
    ctx: ChangeContext,
  ): Promise<SubscriptionChange> {
    const { subscription, topic } = await this.findCurrent(manager, subscriber, topicKey);
    if (subscription.status === 'unsubscribed') {
      throw new RuleViolationError(
        `Subscriber is not subscribed to "${topic.key}"; subscribe first`,
        'topic',
        'not_subscribed',
      );
    }
    assertAllowed(topic, frequency, 'frequency');
    return this.setFrequency(manager, subscriber, topic, subscription, frequency, ctx);
  }

  /** A repeat of the current frequency changes and records nothing. */
  private async setFrequency(
    manager: EntityManager,
    subscriber: Subscriber,
    topic: Topic,
    subscription: Subscription,
    frequency: Frequency,
    ctx: ChangeContext,
  ): Promise<SubscriptionChange> {
    if (subscription.frequency === frequency) {
      return { subscription, topic, changed: false, joined: false };
    }
    const previousFrequency = subscription.frequency;
    subscription.frequency = frequency;
    await manager.save(subscription);
    await this.recordEvent(manager, subscriber, topic, 'frequency_change', ctx, {
      frequency,
      previousFrequency,
    });
    return { subscription, topic, changed: true, joined: false };
  }

  /** Leaving a topic; repeating it changes nothing and records nothing. */
  async unsubscribe(
    manager: EntityManager,
    subscriber: Subscriber,
    topicKey: string,
    ctx: ChangeContext,
  ): Promise<SubscriptionChange> {
    const { subscription, topic } = await this.findCurrent(manager, subscriber, topicKey);
    if (subscription.status === 'unsubscribed')
      return { subscription, topic, changed: false, joined: false };
    subscription.status = 'unsubscribed';
    subscription.unsubscribedAt = new Date();
    await manager.save(subscription);
    await this.recordEvent(manager, subscriber, topic, 'opt_out', ctx, {
      frequency: subscription.frequency,
    });
    return { subscription, topic, changed: true, joined: false };
  }

  /**
   * Convenience for callers outside a transaction: lock, change, commit; run again if PostgreSQL
   * picks it as a deadlock victim (see database/transaction.ts).
   */
  inTransaction<T>(
    subscriberId: string,
    fn: (m: EntityManager, s: Subscriber) => Promise<T>,
  ): Promise<T> {
    return inTransaction(this.dataSource, async (manager) =>
      fn(manager, await this.lockSubscriber(manager, subscriberId)),
    );
  }

  async list(
    subscriberId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<SubscriptionDto[]> {
    const rows = await manager
      .createQueryBuilder(Subscription, 'x')
      .innerJoin('audience_topics', 't', 't.id = x.topic_id')
      .addSelect('t.key', 'topic_key')
      .where('x.subscriber_id = :subscriberId', { subscriberId })
      .orderBy('t.key', 'ASC')
      .getRawAndEntities();
    return rows.entities.map((x, i) =>
      toSubscriptionDto(x, (rows.raw[i] as { topic_key: string }).topic_key),
    );
  }

  /** The subscriber's subscription to a topic, whatever its status; null if they never joined. */
  find(
    manager: EntityManager,
    subscriberId: string,
    topicId: string,
  ): Promise<Subscription | null> {
    return manager.findOne(Subscription, { where: { subscriberId, topicId } });
  }

  /**
   * A confirmed sign-up's topic becomes active at `frequency`; returns when its first regular
   * message is due (one period from `now`, or the slot it already had when it was active). No
   * consent event: the caller records the form's.
   */
  async activateConfirmed(
    manager: EntityManager,
    subscriber: Subscriber,
    topicId: string,
    frequency: Frequency,
    now: Date,
  ): Promise<Date> {
    const dueAt = firstDueAt(now, frequency, subscriber.timezone);
    const existing = await this.find(manager, subscriber.id, topicId);
    const subscription =
      existing ?? manager.create(Subscription, { subscriberId: subscriber.id, topicId });
    subscription.status = 'active';
    subscription.frequency = frequency;
    subscription.unsubscribedAt = null;
    subscription.nextDueAt =
      existing?.status === 'active' && existing.nextDueAt ? existing.nextDueAt : dueAt;
    await manager.save(subscription);
    return subscription.nextDueAt;
  }

  /** A (re)joined topic's first regular message is one period away, as after a confirmed sign-up. */
  async scheduleFirst(
    manager: EntityManager,
    x: Subscription,
    s: Subscriber,
    now: Date,
  ): Promise<void> {
    if (x.status !== 'active' || (x.nextDueAt && x.nextDueAt.getTime() > now.getTime())) return;
    await manager.update(
      Subscription,
      { id: x.id },
      { nextDueAt: firstDueAt(now, x.frequency, s.timezone) },
    );
  }

  private async findCurrent(manager: EntityManager, subscriber: Subscriber, topicKey: string) {
    const topic = await this.topics.get(topicKey, manager);
    const subscription = await manager.findOne(Subscription, {
      where: { subscriberId: subscriber.id, topicId: topic.id },
    });
    if (!subscription) {
      throw new NotFoundError(`Subscriber has no subscription to "${topic.key}"`, 'topic');
    }
    return { subscription, topic };
  }

  private recordEvent(
    manager: EntityManager,
    subscriber: Subscriber,
    topic: Topic,
    action: ConsentAction,
    ctx: ChangeContext,
    facts: { frequency: string; previousFrequency?: string },
  ): Promise<void> {
    // Supplied wording describes an opt-in; other actions record what was done.
    const useSupplied = ctx.consent && (action === 'opt_in' || action === 'frequency_change');
    return this.consent.record(manager, [
      {
        subscriberId: subscriber.id,
        action,
        topicId: topic.id,
        wording: useSupplied
          ? ctx.consent!.text
          : defaultWording(action, { topic: topic.name, via: ctx.via, ...facts }),
        wordingVersion: useSupplied ? ctx.consent!.version : DEFAULT_WORDING_VERSION,
        source: ctx.source,
        details: { ...ctx.details, ...facts },
      },
    ]);
  }
}

export function toSubscriptionDto(x: Subscription, topicKey: string): SubscriptionDto {
  return {
    id: x.id,
    topic: topicKey,
    status: x.status,
    frequency: x.frequency,
    lastDeliveredAt: x.lastDeliveredAt,
    nextDueAt: x.nextDueAt,
    createdAt: x.createdAt,
    updatedAt: x.updatedAt,
  };
}

function assertAllowed(topic: Topic, frequency: Frequency, field: string): void {
  if (!topic.allowedFrequencies.includes(frequency)) {
    throw new InvalidInputError(
      `${field} must be one of ${topic.allowedFrequencies.join(', ')} for topic "${topic.key}"`,
      field,
    );
  }
}
