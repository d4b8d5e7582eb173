import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { Clock } from '../../platform/clock';
import { normaliseEmail } from '../../platform/email';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
  UnauthorizedError,
} from '../../platform/errors/domain-errors';
import { AppConfig } from '../../platform/config/configuration';
import { ConsentService, NewConsentEvent } from '../../audience/consent/consent.service';
import { DataPurposesService } from '../../audience/purposes/data-purposes.service';
import {
  PurposeGrantsService,
  purposeWording,
  purposeWordingVersion,
} from '../../audience/purposes/purpose-grants.service';
import type { DataPurpose } from '../../audience/purposes/data-purpose.entity';
import { LedgerService, NewMessage } from '../../messaging/delivery/ledger.service';
import type { ClaimedMessage } from '../../messaging/delivery/claimed-message';
import { ContributesLinks, LinkContributor } from '../../messaging/delivery/message-composer';
import type { Subscriber } from '../../audience/subscribers/subscriber.entity';
import { SubscriberStatusService } from '../../audience/subscribers/subscriber-status.service';
import { SubscribersService } from '../../audience/subscribers/subscribers.service';
import { SubscriptionsService } from '../../audience/subscribers/subscriptions.service';
import {
  ErasesPersonalData,
  PersonalDataEraser,
} from '../../audience/subscribers/personal-data-erasers';
import { SuppressionsService } from '../../audience/suppressions/suppressions.service';
import { TokensService } from '../../platform/tokens/tokens.service';
import { cadenceLabel, firstDueAt } from '../../audience/topics/frequency';
import { formatLocalDate, localeOr, localText } from '../../platform/locale';
import { Frequency, Topic } from '../../audience/topics/topic.entity';
import { TopicsService } from '../../audience/topics/topics.service';
import { freshLinkMessage } from '../fresh-link-mail';
import { UpcomingNotices } from '../upcoming-notices';
import { consentWordings, FORM_WORDING_VERSION } from './form-wording';
import { SubscribeRequestDto } from './signup.dto';
import { SignupRequest } from './signup-request.entity';

/** A topic as the confirmed page and the welcome describe it. */
export interface ConfirmedTopic {
  name: string;
  /** The frequency, or for a notice topic that it comes when something is due. */
  frequencyLabel: string;
  /** When the first regular message is due (not for notice topics: they follow dates). */
  firstExpected: string | null;
  /** Notice topics: the notices already planned for the subscriber, soonest first. */
  notices: Array<{ description: string; date: string }>;
}

export interface ConfirmResult {
  alreadyConfirmed: boolean;
  locale: Subscriber['locale'];
  topics: ConfirmedTopic[];
}

/** Statuses that never get a confirmation email (and the caller is not told why). */
const SILENT = new Set(['bounced', 'complained', 'erased']);

/**
 * Double opt-in. A sign-up creates a pending subscriber and sends only the confirmation email;
 * confirming records consent with the exact form wording and queues the welcome at once.
 * The response never reveals whether an address is known, active or suppressed.
 */
@Injectable()
@ContributesLinks()
@ErasesPersonalData()
export class SignupService implements LinkContributor, PersonalDataEraser {
  private readonly logger = new Logger('Signup');
  private readonly publicUrl: string;
  private readonly resendMinutes: number;
  private readonly defaultTimezone: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly topics: TopicsService,
    private readonly purposes: DataPurposesService,
    private readonly grants: PurposeGrantsService,
    private readonly subscribers: SubscribersService,
    private readonly subscriptions: SubscriptionsService,
    private readonly status: SubscriberStatusService,
    private readonly suppressions: SuppressionsService,
    private readonly consent: ConsentService,
    private readonly ledger: LedgerService,
    private readonly tokens: TokensService,
    private readonly clock: Clock,
    private readonly upcoming: UpcomingNotices,
    config: ConfigService<AppConfig, true>,
  ) {
    this.publicUrl = config.get('app', { infer: true }).publicUrl;
    this.resendMinutes = config.get('delivery', { infer: true }).confirmResendMinutes;
    this.defaultTimezone = config.get('app', { infer: true }).defaultTimezone;
  }

  /** The confirm link is signed at send time, so no token is ever stored. */
  linksFor(m: ClaimedMessage): Record<string, string> {
    const ref = m.data.signupRequestId;
    if (typeof ref !== 'string') return {};
    return {
      confirm: `${this.publicUrl}/confirm/${this.tokens.sign('confirm', m.subscriberId, { ref, now: this.clock.now() })}`,
    };
  }

  async erasePersonalData(manager: EntityManager, subscriberId: string): Promise<void> {
    await manager.delete(SignupRequest, { subscriberId });
  }

  async subscribe(dto: SubscribeRequestDto, source: 'form' | 'api'): Promise<void> {
    const email = normaliseEmail(dto.email);
    const locale = dto.locale ?? localeOr('en');
    const choices = await this.resolveTopics(dto.topics);
    const purposes = await this.resolvePurposes(dto.purposes ?? []);
    if ((dto.consentText === undefined) !== (dto.consentVersion === undefined)) {
      throw new InvalidInputError('consentText and consentVersion go together', 'consentVersion');
    }
    const ids = await this.dataSource.transaction(async (manager) => {
      if (await this.suppressions.isSuppressed(email, manager)) return [];
      let subscriber = await this.subscribers.lock(manager, { email });
      if (subscriber && SILENT.has(subscriber.status)) return [];
      // Already subscribed: the owner of the address gets a link to their preferences, where
      // topics can be added; the answer is the same as for a new address.
      if (subscriber?.status === 'active') {
        return this.ledger.insert(manager, [
          freshLinkMessage(subscriber.id, this.clock.now(), 'signup'),
        ]);
      }
      if (subscriber && (await this.sentRecently(manager, subscriber.id))) return [];
      if (!subscriber) {
        subscriber = await this.subscribers.createPending(manager, {
          email,
          name: dto.name?.trim() || null,
          locale,
          timezone: dto.timezone ?? this.defaultTimezone,
        });
      }
      // Customers-only topics are dropped for prospects, silently: an error would reveal who is a customer.
      const allowed = choices.filter((c) => subscriber.isCustomer || c.topic.prospectsAllowed);
      if (!allowed.length) return [];
      const request = await manager.save(
        manager.create(SignupRequest, {
          subscriberId: subscriber.id,
          topics: allowed.map((c) => ({ topicId: c.topic.id, frequency: c.frequency })),
          // The wording in the language the sign-up was made in, as the request saw it.
          purposes: purposes.map((p) => ({
            purposeId: p.id,
            wording: purposeWording(p, true, locale),
            wordingVersion: purposeWordingVersion(p),
          })),
          wording: dto.consentText ?? consentWordings(locale).form,
          wordingVersion: dto.consentVersion ?? FORM_WORDING_VERSION,
          source,
          lastSentAt: this.clock.now(),
        }),
      );
      return this.ledger.insert(manager, [
        confirmationMessage(request, subscriber, allowed, `confirm:${request.id}`),
      ]);
    });
    await this.ledger.enqueue(ids);
    if (ids.length) this.logger.log({ messageId: ids[0] }, 'Sign-up email queued');
  }

  /**
   * The confirmation email of a pending subscriber's latest unconfirmed sign-up, sent again (a
   * support action). At most one a minute: a repeat within the same minute queues nothing and
   * returns null. 409 `not_pending` when the subscriber is not awaiting confirmation, 422
   * `no_signup` when no sign-up of theirs waits for one.
   */
  async resendConfirmation(subscriberId: string): Promise<string | null> {
    const now = this.clock.now();
    const ids = await this.dataSource.transaction(async (manager) => {
      const subscriber = await this.subscribers.lock(manager, { id: subscriberId });
      if (!subscriber || subscriber.status === 'erased')
        throw new NotFoundError(`Subscriber ${subscriberId} not found`, 'id');
      if (subscriber.status !== 'pending') {
        throw new ConflictError(
          `Only a subscriber awaiting confirmation gets the confirmation email again; this one is ${subscriber.status}`,
          'id',
          'not_pending',
        );
      }
      const request = await manager.findOne(SignupRequest, {
        where: { subscriberId, confirmedAt: IsNull() },
        order: { createdAt: 'DESC' },
      });
      if (!request) {
        throw new RuleViolationError(
          'This subscriber has no sign-up waiting for confirmation',
          'id',
          'no_signup',
        );
      }
      const topics: Array<{ topic: Topic; frequency: Frequency }> = [];
      for (const t of request.topics) {
        topics.push({ topic: await this.topics.get(t.topicId, manager), frequency: t.frequency });
      }
      request.lastSentAt = now;
      await manager.save(request);
      const minute = Math.floor(now.getTime() / 60_000);
      return this.ledger.insert(manager, [
        confirmationMessage(request, subscriber, topics, `confirm:${request.id}:resend:${minute}`),
      ]);
    });
    await this.ledger.enqueue(ids);
    if (ids.length) this.logger.log({ messageId: ids[0], subscriberId }, 'Confirmation resent');
    return ids[0] ?? null;
  }

  async confirm(token: string): Promise<ConfirmResult> {
    const claims = this.tokens.verify(token, 'confirm', this.clock.now());
    const result = await this.dataSource.transaction(async (manager) => {
      const request = await manager.findOne(SignupRequest, {
        where: { id: claims.ref, subscriberId: claims.subscriberId },
        lock: { mode: 'pessimistic_write' },
      });
      const subscriber = await this.subscribers.lock(manager, { id: claims.subscriberId });
      if (
        !request ||
        !subscriber ||
        ['erased', 'bounced', 'complained'].includes(subscriber.status)
      ) {
        throw new UnauthorizedError(
          'This confirmation link is no longer valid',
          'token',
          'invalid_token',
        );
      }
      const now = this.clock.now();
      const topics: ConfirmedTopic[] = [];
      const welcomeTopics: Array<{ topic: Topic; entry: ConfirmedTopic }> = [];
      const events: NewConsentEvent[] = [];
      for (const choice of request.topics) {
        const topic = await this.topics.find(choice.topicId, manager);
        if (!topic || topic.archivedAt) continue;
        const dueAt = request.confirmedAt
          ? ((await this.subscriptions.find(manager, subscriber.id, topic.id))?.nextDueAt ??
            firstDueAt(now, choice.frequency, subscriber.timezone))
          : await this.subscriptions.activateConfirmed(
              manager,
              subscriber,
              topic.id,
              choice.frequency,
              now,
            );
        const entry: ConfirmedTopic = {
          name: localText(topic.names, subscriber.locale, topic.name),
          frequencyLabel: cadenceLabel(topic.kind, choice.frequency, subscriber.locale),
          firstExpected:
            topic.kind === 'notice'
              ? null
              : formatLocalDate(dueAt, subscriber.timezone, subscriber.locale),
          notices: [],
        };
        topics.push(entry);
        welcomeTopics.push({ topic, entry });
        if (!request.confirmedAt) {
          const details = { frequency: choice.frequency, signupRequestId: request.id };
          events.push(
            {
              subscriberId: subscriber.id,
              action: 'opt_in',
              topicId: topic.id,
              wording: request.wording,
              wordingVersion: request.wordingVersion,
              source: request.source,
              details,
              occurredAt: request.createdAt,
            },
            {
              subscriberId: subscriber.id,
              action: 'confirm',
              topicId: topic.id,
              wording: consentWordings(subscriber.locale).confirm,
              wordingVersion: FORM_WORDING_VERSION,
              source: request.source,
              details,
            },
          );
        }
      }
      if (request.confirmedAt) {
        await this.addNotices(manager, subscriber, welcomeTopics, now);
        return { result: { alreadyConfirmed: true, locale: subscriber.locale, topics }, ids: [] };
      }

      await this.status.confirm(manager, subscriber, now);
      request.confirmedAt = now;
      await manager.save(request);
      await this.consent.record(manager, events);
      await this.grantPurposes(manager, subscriber, request);
      // Read in this transaction: the subscription and the confirmation are not committed yet.
      await this.addNotices(manager, subscriber, welcomeTopics, now);
      const purposes = await this.offeredPurposes(
        manager,
        subscriber,
        welcomeTopics.map((w) => w.topic.id),
      );
      const ids = await this.ledger.insert(manager, [
        {
          dedupeKey: `welcome:${subscriber.id}`,
          subscriberId: subscriber.id,
          template: 'welcome',
          kind: 'editorial',
          data: {
            topics: welcomeTopics.map(({ topic, entry }) => ({
              name: entry.name,
              description: localText(topic.descriptions, subscriber.locale, topic.description),
              frequencyLabel: entry.frequencyLabel,
              ...(topic.kind === 'notice'
                ? { notice: true, notices: entry.notices }
                : { firstExpected: entry.firstExpected }),
            })),
            purposes,
          },
        },
      ]);
      return { result: { alreadyConfirmed: false, locale: subscriber.locale, topics }, ids };
    });
    await this.ledger.enqueue(result.ids);
    if (!result.result.alreadyConfirmed) {
      this.logger.log(
        { subscriberId: claims.subscriberId },
        'Subscription confirmed; welcome queued',
      );
    }
    return result.result;
  }

  /**
   * The consent-based purposes the welcome offers: those a live lifecycle rule of a chosen topic
   * declares and the subscriber has not granted. Only offered: nothing is granted by the email.
   */
  private async offeredPurposes(
    manager: EntityManager,
    subscriber: Subscriber,
    topicIds: string[],
  ): Promise<Array<{ key: string; name: string; benefit: string }>> {
    if (topicIds.length === 0) return [];
    const rows = await manager.query<{ key: string }[]>(
      `SELECT DISTINCT unnest(purposes) AS key FROM programmes_lifecycle_rules
        WHERE topic_id = ANY($1::uuid[]) AND deleted_at IS NULL AND purposes IS NOT NULL`,
      [topicIds],
    );
    if (rows.length === 0) return [];
    const declared = new Set(rows.map((r) => r.key));
    return (await this.grants.forSubscriber(subscriber, true, manager))
      .filter((p) => declared.has(p.purpose) && p.legalBasis === 'consent' && !p.inUse)
      .map((p) => ({ key: p.purpose, name: p.name, benefit: p.benefit }));
  }

  /** Notice topics list the notices the subscriber will get (what the preference page shows). */
  private async addNotices(
    manager: EntityManager,
    subscriber: Subscriber,
    chosen: Array<{ topic: Topic; entry: ConfirmedTopic }>,
    now: Date,
  ): Promise<void> {
    if (!chosen.some((c) => c.topic.kind === 'notice')) return;
    const notices = await this.upcoming.for(subscriber.id, subscriber.locale, now, manager);
    for (const { topic, entry } of chosen) {
      if (topic.kind !== 'notice') continue;
      entry.notices = notices
        .filter((n) => n.topicKey === topic.key)
        .map((n) => ({
          description: n.description,
          date: formatLocalDate(n.plannedAt, subscriber.timezone, subscriber.locale),
        }));
    }
  }

  private async sentRecently(manager: EntityManager, subscriberId: string): Promise<boolean> {
    const rows = await manager.query<{ recent: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM signup_requests WHERE subscriber_id = $1
                        AND last_sent_at > $3::timestamptz - make_interval(mins => $2)) AS recent`,
      [subscriberId, this.resendMinutes, this.clock.now()],
    );
    return rows[0].recent;
  }

  /** Purposes must exist, be unarchived and rest on consent (the others need no grant). */
  private async resolvePurposes(keys: string[]): Promise<DataPurpose[]> {
    const out: DataPurpose[] = [];
    for (const [i, key] of keys.entries()) {
      const field = `purposes.${i}`;
      const purpose = await this.purposes.get(key).catch(() => null);
      if (!purpose || purpose.archivedAt) {
        throw new InvalidInputError(`${field}: purpose "${key}" not found`, field);
      }
      if (purpose.legalBasis !== 'consent') {
        throw new InvalidInputError(
          `${field}: purpose "${key}" rests on ${purpose.legalBasis}, not on consent: there is nothing to grant`,
          field,
        );
      }
      if (!out.some((p) => p.id === purpose.id)) out.push(purpose);
    }
    return out;
  }

  /**
   * On confirmation, each purpose the sign-up asked for becomes a grant with the wording the
   * sign-up saw; one archived (or no longer consent-based) since then is left out.
   */
  private async grantPurposes(
    manager: EntityManager,
    subscriber: Subscriber,
    request: SignupRequest,
  ): Promise<void> {
    for (const asked of request.purposes ?? []) {
      const purpose = await this.purposes.get(asked.purposeId, manager).catch(() => null);
      if (!purpose || purpose.archivedAt || purpose.legalBasis !== 'consent') continue;
      await this.grants.decideLocked(manager, subscriber, purpose.id, true, {
        wording: asked.wording,
        wordingVersion: asked.wordingVersion,
        source: request.source,
        details: { signupRequestId: request.id },
      });
    }
  }

  /** Topics must exist, be open and public; a frequency must be one the topic allows. */
  private async resolveTopics(
    entries: string[],
  ): Promise<Array<{ topic: Topic; frequency: Frequency }>> {
    const out: Array<{ topic: Topic; frequency: Frequency }> = [];
    for (const [i, entry] of entries.entries()) {
      const [key, freq] = entry.split(':') as [string, Frequency | undefined];
      const topic = await this.topics.getOpen(key, undefined, `topics.${i}`);
      if (!topic.isPublic)
        throw new RuleViolationError(
          `Topic "${key}" is not open to sign-ups`,
          `topics.${i}`,
          'topic_not_public',
        );
      const frequency = freq ?? topic.defaultFrequency;
      if (!topic.allowedFrequencies.includes(frequency)) {
        throw new InvalidInputError(
          `topics.${i}: "${key}" can be received ${topic.allowedFrequencies.join(', ')}`,
          `topics.${i}`,
        );
      }
      if (!out.some((o) => o.topic.id === topic.id)) out.push({ topic, frequency });
    }
    return out;
  }
}

/** The confirm-subscription email of a sign-up request (its link is signed when it is sent). */
function confirmationMessage(
  request: SignupRequest,
  subscriber: Subscriber,
  topics: Array<{ topic: Topic; frequency: Frequency }>,
  dedupeKey: string,
): NewMessage {
  return {
    dedupeKey,
    subscriberId: subscriber.id,
    template: 'confirm-subscription',
    kind: 'transactional',
    data: {
      signupRequestId: request.id,
      expiresInHours: 72,
      topics: topics.map((c) => ({
        name: localText(c.topic.names, subscriber.locale, c.topic.name),
        description: localText(c.topic.descriptions, subscriber.locale, c.topic.description),
        frequencyLabel: cadenceLabel(c.topic.kind, c.frequency, subscriber.locale),
      })),
    },
  };
}
