import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../../platform/config/configuration';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import { ForbiddenError, GoneError, RuleViolationError } from '../../platform/errors/domain-errors';
import { UpcomingNotice, UpcomingNotices } from '../../programmes/upcoming-notices';
import { ConsentHistoryEntry, ConsentService } from '../../audience/consent/consent.service';
import { DEFAULT_WORDING_VERSION, defaultWording } from '../../audience/consent/wording';
import { queryRows } from '../../platform/database/sql';
import type { Subscriber } from '../../audience/subscribers/subscriber.entity';
import { SubscribersService } from '../../audience/subscribers/subscribers.service';
import { SubscriberStatusService } from '../../audience/subscribers/subscriber-status.service';
import type { SubscriptionStatus } from '../../audience/subscribers/subscription.entity';
import {
  ChangeContext,
  SubscriptionsService,
} from '../../audience/subscribers/subscriptions.service';
import { TokenClaims, TokenPurpose, TokensService } from '../../platform/tokens/tokens.service';
import { ExpectationsService } from '../../trust/questions/expectations.service';
import { Frequency, FREQUENCIES, TopicKind } from '../../audience/topics/topic.entity';
import { sortFrequencies, TopicsService } from '../../audience/topics/topics.service';
import { LinkSecurity } from './link-security';
import type { SettingsDto, TopicChangeDto } from './preference-forms.dto';
import { pageTexts, DoneCode } from './texts/texts';
import { Locale, localText } from '../../platform/locale';
import {
  PurposeGrantsService,
  SubscriberPurpose,
} from '../../audience/purposes/purpose-grants.service';

/** Version recorded with wording that the preference center itself shows or states. */
export const PREFERENCE_CENTER_WORDING_VERSION = 'tidings-preferences-1';

/** Statuses that can no longer receive marketing (joining is refused by SubscriptionsService). */
const BLOCKED = new Set(['bounced', 'complained']);

export interface LinkAccess {
  token: string;
  claims: TokenClaims;
  subscriber: Subscriber;
  /** May raise what we send (see LinkSecurity.isFresh). */
  fresh: boolean;
  now: Date;
}

export interface TopicChoice {
  key: string;
  name: string;
  description: string;
  kind: TopicKind;
  allowedFrequencies: Frequency[];
  defaultFrequency: Frequency;
  status: SubscriptionStatus | 'none';
  frequency: Frequency | null;
  nextDueAt: Date | null;
  /** Open to join: not archived, public, customers-only rule met, subscriber reachable. */
  joinable: boolean;
}

export interface PreferenceView {
  access: LinkAccess;
  dates: Record<string, string>;
  topics: TopicChoice[];
  notices: UpcomingNotice[];
  history: ConsentHistoryEntry[];
  /** The data-use purposes that concern the subscriber, in their language. */
  purposes: SubscriberPurpose[];
  messageCount: number;
  /** The sender's overall weekly cap for those who chose none (OVERALL_WEEKLY_CAP); null: none. */
  defaultWeeklyCap: number | null;
}

export interface DoneResult {
  done: DoneCode;
  topic?: string;
}

interface TopicRow {
  key: string;
  name: string;
  description: string;
  kind: TopicKind;
  allowed_frequencies: Frequency[];
  default_frequency: Frequency;
  is_public: boolean;
  prospects_allowed: boolean;
  archived_at: Date | null;
  status: SubscriptionStatus | null;
  frequency: Frequency | null;
  next_due_at: Date | null;
}

const CONTEXT: ChangeContext = { source: 'preference_center', via: 'the preference center' };

/**
 * What a preference link shows and the changes it can make. Every change runs in one transaction
 * with the subscriber row locked and writes its consent event in it, exactly like the API.
 */
@Injectable()
export class PreferencesService {
  private readonly logger = new Logger('PreferenceCenter');
  private readonly defaultWeeklyCap: number | null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: TokensService,
    private readonly clock: Clock,
    private readonly security: LinkSecurity,
    private readonly subscriptions: SubscriptionsService,
    private readonly subscribers: SubscribersService,
    private readonly consent: ConsentService,
    private readonly topics: TopicsService,
    private readonly notices: UpcomingNotices,
    private readonly status: SubscriberStatusService,
    private readonly expectations: ExpectationsService,
    private readonly purposeGrants: PurposeGrantsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.defaultWeeklyCap = config.get('overallCap', { infer: true }).weeklyDefault;
  }

  /** Verifies the link (401 tampered, 410 expired) and loads its subscriber (410 once erased). */
  async open(
    token: string,
    purposes: TokenPurpose[] = ['manage', 'elevated'],
  ): Promise<LinkAccess> {
    const now = this.clock.now();
    const claims = this.tokens.verify(token, purposes, now);
    const subscriber = await this.subscribers.find(claims.subscriberId);
    if (!subscriber || subscriber.status === 'erased' || !subscriber.email) {
      throw new GoneError('The data behind this link has been erased', 'token', 'erased');
    }
    return { token, claims, subscriber, fresh: this.security.isFresh(claims, now), now };
  }

  async view(token: string): Promise<PreferenceView> {
    const access = await this.open(token);
    const s = access.subscriber;
    const [dates, topics, notices, history, count, purposes] = await Promise.all([
      this.subscribers.datesOf(this.dataSource.manager, [s.id]),
      this.topicChoices(s),
      this.notices.for(s.id, s.locale, access.now),
      this.consent.history(s.id),
      this.dataSource.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM messaging_ledger_messages WHERE subscriber_id = $1',
        [s.id],
      ),
      this.purposeGrants.forSubscriber(s),
    ]);
    return {
      access,
      dates: dates.get(s.id) ?? {},
      topics,
      notices,
      history,
      purposes,
      messageCount: count[0].n,
      defaultWeeklyCap: this.defaultWeeklyCap,
    };
  }

  async changeTopic(token: string, dto: TopicChangeDto, locale: Locale): Promise<DoneResult> {
    const access = await this.open(token);
    const result = await this.subscriptions.inTransaction(
      access.subscriber.id,
      async (m, s): Promise<DoneResult> => {
        const topic = await this.topics.get(dto.topic, m);
        const current = await this.subscriptions.find(m, s.id, topic.id);
        const isCurrent = current?.status === 'active' || current?.status === 'pending';
        if (dto.change === 'leave') {
          const change = await this.subscriptions.unsubscribe(m, s, topic.key, CONTEXT);
          return { done: change.changed ? 'left' : 'unchanged', topic: topic.key };
        }
        const frequency = dto.frequency ?? current?.frequency ?? topic.defaultFrequency;
        if (dto.change === 'frequency' && isCurrent && current) {
          if (moreOften(frequency, current.frequency)) this.requireFresh(access);
          const change = await this.subscriptions.changeFrequency(
            m,
            s,
            topic.key,
            frequency,
            CONTEXT,
          );
          return {
            done: change.changed ? 'frequency_changed' : 'unchanged',
            topic: topic.key,
          };
        }
        // Joining (or rejoining) always makes us send more.
        this.requireFresh(access);
        if (!isCurrent && (!topic.isPublic || topic.archivedAt)) {
          throw new RuleViolationError(
            `Topic "${topic.key}" is not open to join`,
            'topic',
            'topic_not_open',
          );
        }
        const change = await this.subscriptions.subscribe(
          m,
          s,
          { topic: topic.key, frequency },
          {
            ...CONTEXT,
            consent: {
              text:
                topic.kind === 'notice'
                  ? pageTexts(locale).joinNoticeConsent(localText(topic.names, locale, topic.name))
                  : pageTexts(locale).joinConsent(localText(topic.names, locale, topic.name)),
              version: PREFERENCE_CENTER_WORDING_VERSION,
            },
          },
        );
        if (change.joined) {
          await this.subscriptions.scheduleFirst(m, change.subscription, s, access.now);
        }
        return {
          done: change.changed ? (change.joined ? 'joined' : 'frequency_changed') : 'unchanged',
          topic: topic.key,
        };
      },
    );
    this.logger.log(
      {
        subscriberId: access.subscriber.id,
        topic: dto.topic,
        change: dto.change,
        done: result.done,
      },
      'Preference changed',
    );
    return result;
  }

  /**
   * Grants or withdraws a consent-based data-use purpose, with the wording the page showed (the
   * purpose's texts in the page's language). Granting lets more be sent, so it needs a fresh
   * link like joining; withdrawing never does.
   */
  async decidePurpose(
    token: string,
    purposeKey: string,
    granted: boolean,
    locale: Locale,
  ): Promise<{ done: 'purpose_granted' | 'purpose_withdrawn'; purpose: string }> {
    const access = await this.open(token);
    if (granted) this.requireFresh(access);
    const state = await this.subscriptions.inTransaction(access.subscriber.id, (m, s) =>
      this.purposeGrants.decideLocked(m, s, purposeKey, granted, {
        source: 'preference_center',
        locale,
      }),
    );
    this.logger.log(
      { subscriberId: access.subscriber.id, purpose: state.purpose, granted },
      'Data-use purpose changed',
    );
    return { done: granted ? 'purpose_granted' : 'purpose_withdrawn', purpose: state.purpose };
  }

  async pause(token: string, days: number): Promise<DoneResult> {
    const access = await this.open(token);
    const until = new Date(access.now.getTime() + days * 86400_000);
    await this.subscriptions.inTransaction(access.subscriber.id, async (m, s) => {
      await this.status.setPausedUntil(m, s.id, until);
      await this.consent.record(m, [
        {
          subscriberId: s.id,
          action: 'pause',
          topicId: null,
          wording: `Paused all email for ${days} days, until ${until.toISOString().slice(0, 10)}, through the preference center.`,
          wordingVersion: PREFERENCE_CENTER_WORDING_VERSION,
          source: 'preference_center',
          details: { days, pausedUntil: until.toISOString() },
        },
      ]);
    });
    this.logger.log({ subscriberId: access.subscriber.id, days }, 'Email paused');
    return { done: 'paused' };
  }

  async resume(token: string): Promise<DoneResult> {
    const access = await this.open(token);
    return this.subscriptions.inTransaction(access.subscriber.id, async (m, s) => {
      if (!s.pausedUntil || s.pausedUntil.getTime() <= access.now.getTime())
        return { done: 'unchanged' };
      this.requireFresh(access);
      await this.status.setPausedUntil(m, s.id, null);
      await this.consent.record(m, [
        {
          subscriberId: s.id,
          action: 'resume',
          topicId: null,
          wording: defaultWording('resume', { via: CONTEXT.via }),
          wordingVersion: DEFAULT_WORDING_VERSION,
          source: 'preference_center',
          details: { pausedUntil: s.pausedUntil.toISOString() },
        },
      ]);
      return { done: 'resumed' };
    });
  }

  async unsubscribeAll(token: string): Promise<DoneResult> {
    const access = await this.open(token);
    const changed = await this.subscriptions.inTransaction(access.subscriber.id, (m, s) =>
      this.status.leaveAll(m, s, CONTEXT, access.now),
    );
    this.logger.log({ subscriberId: access.subscriber.id, changed }, 'Unsubscribed from all email');
    return { done: changed ? 'unsubscribed_all' : 'unchanged' };
  }

  /** Language and time zone: through SubscribersService, like the API. They never raise what we send. */
  async changeSettings(token: string, dto: SettingsDto): Promise<DoneResult> {
    const access = await this.open(token);
    await this.subscribers.update(access.subscriber.id, {
      locale: dto.locale,
      timezone: dto.timezone,
    });
    this.logger.log({ subscriberId: access.subscriber.id }, 'Language and time zone changed');
    return { done: 'settings_changed' };
  }

  /**
   * The overall limit across topics (null: the sender's default), through SubscribersService like
   * the API. A change that lets more email through needs a fresh link, like a faster frequency.
   */
  async changeWeeklyCap(token: string, weeklyCap: number | null): Promise<DoneResult> {
    const access = await this.open(token);
    const current = access.subscriber.weeklyCap;
    if (current === weeklyCap) return { done: 'unchanged' };
    const effective = (cap: number | null) => cap ?? this.defaultWeeklyCap ?? Infinity;
    if (effective(weeklyCap) > effective(current)) this.requireFresh(access);
    await this.subscribers.update(access.subscriber.id, { weeklyCap });
    this.logger.log({ subscriberId: access.subscriber.id, weeklyCap }, 'Overall limit changed');
    return { done: 'limit_changed' };
  }

  /** A "what would you like to hear about?" answer; an empty one records nothing. */
  async recordExpectation(token: string, text: string, locale: Locale): Promise<DoneResult> {
    const access = await this.open(token);
    const recorded = await this.expectations.record(access.subscriber.id, text, locale);
    return { done: recorded ? 'expectation_saved' : 'unchanged' };
  }

  /** Erasure cannot be undone, so it needs a fresh link like the changes that send more. */
  async erase(token: string): Promise<void> {
    const access = await this.open(token);
    this.requireFresh(access);
    await this.subscribers.erase(access.subscriber.id);
  }

  private requireFresh(access: LinkAccess): void {
    if (!access.fresh) {
      throw new ForbiddenError(
        `This link is more than ${this.security.freshLinkHours} hours old; ask for a fresh link by email first`,
        'token',
        'fresh_link_required',
      );
    }
  }

  private async topicChoices(s: Subscriber): Promise<TopicChoice[]> {
    const rows = await queryRows<TopicRow>(
      this.dataSource,
      `SELECT t.key, COALESCE(t.names->>$3::text, t.name) AS name,
              COALESCE(t.descriptions->>$3::text, t.description) AS description,
              t.kind, t.allowed_frequencies, t.default_frequency,
              t.is_public, t.prospects_allowed, t.archived_at, x.status, x.frequency, x.next_due_at
         FROM audience_topics t
         LEFT JOIN audience_subscriptions x ON x.topic_id = t.id AND x.subscriber_id = $1
        WHERE x.status IN ('active', 'pending')
           OR (x.status IS NOT NULL AND t.archived_at IS NULL)
           OR (t.archived_at IS NULL AND t.is_public AND ($2 OR t.prospects_allowed))
        ORDER BY lower(COALESCE(t.names->>$3::text, t.name)), t.key`,
      [s.id, s.isCustomer, s.locale],
    );
    return rows.map((r) => {
      const current = r.status === 'active' || r.status === 'pending';
      return {
        key: r.key,
        name: r.name,
        description: r.description,
        kind: r.kind,
        allowedFrequencies: sortFrequencies(r.allowed_frequencies),
        defaultFrequency: r.default_frequency,
        status: r.status ?? 'none',
        frequency: current ? r.frequency : null,
        nextDueAt: current ? r.next_due_at : null,
        joinable:
          !current &&
          !r.archived_at &&
          r.is_public &&
          (s.isCustomer || r.prospects_allowed) &&
          !BLOCKED.has(s.status),
      };
    });
  }
}

/** FREQUENCIES runs from most to least often. */
export function moreOften(next: Frequency, current: Frequency): boolean {
  return FREQUENCIES.indexOf(next) < FREQUENCIES.indexOf(current);
}
