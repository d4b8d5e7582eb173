import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock';
import { queryRows } from '../../platform/database/sql';
import { SubscribersService } from '../../audience/subscribers/subscribers.service';
import { SubscriberStatusService } from '../../audience/subscribers/subscriber-status.service';
import {
  ChangeContext,
  SubscriptionsService,
} from '../../audience/subscribers/subscriptions.service';
import {
  TOKEN_TTL_SECONDS,
  TokenClaims,
  TokensService,
} from '../../platform/tokens/tokens.service';
import { inTransaction } from '../../platform/database/transaction';
import { isTestRecipient } from '../../platform/tokens/test-recipient';
import { Locale, localeOr } from '../../platform/locale';

/** What an unsubscribe link is about: one topic (the message's), or all email. */
export interface UnsubscribeTarget {
  locale: Locale;
  topic: { id: string; key: string; name: string } | null;
  /** Nothing left to unsubscribe from (already done, or the person was erased). */
  alreadyDone: boolean;
  /** The address the link is about, shown as the preference page shows it (null once erased). */
  email: string | null;
  /**
   * The preference link the same email carried: a `manage` token issued when the unsubscribe
   * link was, so it is no fresher and expires no later than that email's own preference link.
   */
  preferencesToken: string | null;
}

export interface OneClickResult extends UnsubscribeTarget {
  changed: boolean;
}

const ONE_CLICK: ChangeContext = { source: 'one_click', via: 'one-click unsubscribe' };

/**
 * RFC 8058 one-click unsubscribe and "unsubscribe from everything". A link from a message with a
 * topic leaves that topic; a link from a message without one (a welcome) leaves everything.
 * Repeating it changes nothing and records nothing.
 */
@Injectable()
export class UnsubscribeService {
  private readonly logger = new Logger('Unsubscribe');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: TokensService,
    private readonly clock: Clock,
    private readonly subscriptions: SubscriptionsService,
    private readonly status: SubscriberStatusService,
    private readonly subscribers: SubscribersService,
  ) {}

  /** For the GET page: what the button would do. Changes nothing. */
  async describe(token: string): Promise<UnsubscribeTarget> {
    const claims = this.tokens.verify(token, 'unsubscribe', this.clock.now());
    if (isTestRecipient(claims.subscriberId)) return testTarget();
    return this.target(this.dataSource.manager, claims);
  }

  /** A manage token with the unsubscribe link's issue time (its expiry minus its lifetime). */
  private preferencesToken(claims: TokenClaims): string {
    const issuedAt = claims.expiresAt.getTime() - TOKEN_TTL_SECONDS.unsubscribe * 1000;
    return this.tokens.sign('manage', claims.subscriberId, { now: new Date(issuedAt) });
  }

  async oneClick(token: string): Promise<OneClickResult> {
    const now = this.clock.now();
    const claims = this.tokens.verify(token, 'unsubscribe', now);
    // A template test send's link: it works as a real one would, and touches nobody.
    if (isTestRecipient(claims.subscriberId)) {
      this.logger.log({ messageId: claims.ref }, 'One-click unsubscribe of a test send');
      return { ...testTarget(), changed: true };
    }
    const result = await inTransaction(this.dataSource, (m) =>
      this.unsubscribeIn(m, claims, ONE_CLICK, now),
    );
    if (result.changed) {
      this.logger.log(
        {
          subscriberId: claims.subscriberId,
          messageId: claims.ref,
          topic: result.topic?.key ?? null,
        },
        'One-click unsubscribe',
      );
    }
    return result;
  }

  /**
   * What an unsubscribe link does, in the caller's transaction: the message's topic, or every
   * topic for a message without one; nothing when already done. One-click and the mailto:
   * List-Unsubscribe address (inbound mail) use it, each with its own context.
   */
  async unsubscribeIn(
    m: EntityManager,
    claims: TokenClaims,
    ctx: ChangeContext,
    now: Date,
  ): Promise<OneClickResult> {
    const target = await this.target(m, claims, true);
    if (target.alreadyDone) return { ...target, changed: false };
    const subscriber = await this.subscriptions.lockSubscriber(m, claims.subscriberId);
    const changed = target.topic
      ? (await this.subscriptions.unsubscribe(m, subscriber, target.topic.id, ctx)).changed
      : await this.status.leaveAll(m, subscriber, ctx, now);
    return { ...target, changed };
  }

  private async target(
    m: EntityManager,
    claims: TokenClaims,
    lock = false,
  ): Promise<UnsubscribeTarget> {
    const subscriber = lock
      ? await this.subscribers.lock(m, { id: claims.subscriberId })
      : await this.subscribers.find(claims.subscriberId, m);
    if (!subscriber || subscriber.status === 'erased' || !subscriber.email) {
      return {
        locale: localeOr(subscriber?.locale ?? 'en'),
        topic: null,
        alreadyDone: true,
        email: null,
        preferencesToken: null,
      };
    }
    const about = { email: subscriber.email, preferencesToken: this.preferencesToken(claims) };
    const [topic] = claims.ref
      ? await queryRows<{ id: string; key: string; name: string; status: string | null }>(
          m,
          `SELECT t.id, t.key, COALESCE(t.names->>$3::text, t.name) AS name, x.status
             FROM messaging_ledger_messages o
             JOIN audience_topics t ON t.id = o.topic_id
             LEFT JOIN audience_subscriptions x ON x.topic_id = t.id AND x.subscriber_id = o.subscriber_id
            WHERE o.id = $1 AND o.subscriber_id = $2`,
          [claims.ref, subscriber.id, subscriber.locale],
        )
      : [];
    if (topic) {
      return {
        locale: subscriber.locale,
        topic: { id: topic.id, key: topic.key, name: topic.name },
        alreadyDone: topic.status === null || topic.status === 'unsubscribed',
        ...about,
      };
    }
    const [{ n }] = await queryRows<{ n: number }>(
      m,
      `SELECT count(*)::int AS n FROM audience_subscriptions
        WHERE subscriber_id = $1 AND status <> 'unsubscribed'`,
      [subscriber.id],
    );
    const reachable = subscriber.status === 'active' || subscriber.status === 'pending';
    return { locale: subscriber.locale, topic: null, alreadyDone: n === 0 && !reachable, ...about };
  }
}

/** What a test send's unsubscribe link is about: nothing stored, nobody real. */
function testTarget(): UnsubscribeTarget {
  return { locale: 'en', topic: null, alreadyDone: false, email: null, preferencesToken: null };
}
