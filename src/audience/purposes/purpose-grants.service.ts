import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { inTransaction } from '../../platform/database/transaction';
import { NotFoundError, RuleViolationError } from '../../platform/errors/domain-errors';
import { isUuid } from '../../platform/ids';
import { Locale, localeOr, localText } from '../../platform/locale';
import { normaliseEmail } from '../../platform/email';
import { ConsentSource } from '../consent/consent-event.entity';
import { ConsentService } from '../consent/consent.service';
import { Subscriber } from '../subscribers/subscriber.entity';
import { SubscribersService } from '../subscribers/subscribers.service';
import { DataPurpose, DataUseGrant, LegalBasis } from './data-purpose.entity';
import { PurposeDataDeleters } from './purpose-data-deleters';

export interface PurposeDecision {
  wording?: string;
  wordingVersion?: string;
  source: ConsentSource;
  details?: Record<string, unknown>;
  /** The language the wording was shown in (default: the subscriber's). */
  locale?: Locale;
}

export interface PurposeState {
  purpose: string;
  legalBasis: LegalBasis;
  inUse: boolean;
  decision: 'granted' | 'withdrawn' | null;
  changedAt: Date | null;
  wordingVersion: string | null;
  deleted: string[];
}

/** A purpose as the subscriber sees it: texts in their language and the values it covers. */
export interface SubscriberPurpose extends PurposeState {
  name: string;
  explanation: string;
  benefit: string;
  withdrawalConsequence: string;
  deleteOnWithdrawal: boolean;
  /** The subscriber's values it covers: attribute and date names with their values. */
  values: Array<{ kind: 'attribute' | 'date' | 'event'; name: string; value: string | null }>;
}

/** The wording recorded when the caller gives none: the purpose's own texts. */
export function purposeWording(p: DataPurpose, granted: boolean, locale: Locale): string {
  const name = localText(p.names, locale, p.name);
  const why = localText(p.explanations, locale, '');
  const gain = localText(p.benefits, locale, '');
  const loss = localText(p.withdrawalConsequences, locale, '');
  return granted
    ? [`Allowed the data use "${name}".`, why, gain].filter(Boolean).join(' ')
    : [`Withdrew the data use "${name}".`, loss].filter(Boolean).join(' ');
}

export function purposeWordingVersion(p: DataPurpose): string {
  return `purpose:${p.key}:v${p.version}`;
}

/**
 * Subscribers' answers to consent-based purposes: each grant or withdrawal is a consent event
 * (data_use_grant / data_use_withdrawal, with the exact wording and version) and the current
 * answer in data_use_grants, written in one transaction with the subscriber locked. A withdrawal
 * of a purpose with `deleteOnWithdrawal` deletes the attributes and dates it covers.
 */
@Injectable()
export class PurposeGrantsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly consent: ConsentService,
    private readonly subscribers: SubscribersService,
    private readonly deleters: PurposeDataDeleters,
  ) {}

  async decide(
    subscriberIdOrEmail: string,
    purposeKey: string,
    granted: boolean,
    decision: PurposeDecision,
  ): Promise<PurposeState> {
    return inTransaction(this.dataSource, async (manager) => {
      const by = subscriberIdOrEmail.includes('@')
        ? { email: normaliseEmail(subscriberIdOrEmail) }
        : isUuid(subscriberIdOrEmail)
          ? { id: subscriberIdOrEmail }
          : null;
      const subscriber = by ? await this.subscribers.lock(manager, by) : null;
      if (!subscriber || subscriber.status === 'erased') {
        throw new NotFoundError(`Subscriber "${subscriberIdOrEmail}" not found`, 'subscriber');
      }
      return this.decideLocked(manager, subscriber, purposeKey, granted, decision);
    });
  }

  /** Inside the caller's transaction, the subscriber already locked (the preference center). */
  async decideLocked(
    manager: EntityManager,
    subscriber: Subscriber,
    purposeKey: string,
    granted: boolean,
    decision: PurposeDecision,
  ): Promise<PurposeState> {
    const purpose = await manager.findOne(DataPurpose, {
      where: isUuid(purposeKey) ? { id: purposeKey } : { key: purposeKey },
    });
    if (!purpose) throw new NotFoundError(`Purpose "${purposeKey}" not found`, 'purpose');
    if (purpose.legalBasis !== 'consent') {
      throw new RuleViolationError(
        `Purpose "${purpose.key}" rests on ${purpose.legalBasis}, not on consent: there is nothing to grant or withdraw`,
        'purpose',
        'not_consent_based',
      );
    }
    if (granted && purpose.archivedAt) {
      throw new RuleViolationError(
        `Purpose "${purpose.key}" is archived`,
        'purpose',
        'purpose_archived',
      );
    }
    const locale = localeOr(decision.locale ?? subscriber.locale);
    const wording = decision.wording ?? purposeWording(purpose, granted, locale);
    const wordingVersion = decision.wordingVersion ?? purposeWordingVersion(purpose);
    const now = new Date();
    let deleted: string[] = [];
    if (!granted && purpose.deleteOnWithdrawal) {
      deleted = await this.subscribers.removeData(
        manager,
        subscriber,
        purpose.attributes,
        purpose.dates,
      );
      if (purpose.eventTypes.length) {
        const events = await this.deleters.delete(manager, subscriber.id, purpose);
        deleted = [...deleted, ...new Set(events)].sort();
      }
    }
    await this.consent.record(manager, [
      {
        subscriberId: subscriber.id,
        action: granted ? 'data_use_grant' : 'data_use_withdrawal',
        wording,
        wordingVersion,
        source: decision.source,
        details: {
          ...(decision.details ?? {}),
          purpose: purpose.key,
          purposeVersion: purpose.version,
          ...(deleted.length ? { deleted } : {}),
        },
      },
    ]);
    await manager
      .createQueryBuilder()
      .insert()
      .into(DataUseGrant)
      .values({
        subscriberId: subscriber.id,
        purposeId: purpose.id,
        granted,
        wordingVersion,
        changedAt: now,
      })
      .orUpdate(['granted', 'wording_version', 'changed_at'], ['subscriber_id', 'purpose_id'])
      .execute();
    return {
      purpose: purpose.key,
      legalBasis: purpose.legalBasis,
      inUse: granted,
      decision: granted ? 'granted' : 'withdrawn',
      changedAt: now,
      wordingVersion,
      deleted,
    };
  }

  /** Every purpose and this subscriber's answer (the API). */
  async states(subscriberIdOrEmail: string): Promise<PurposeState[]> {
    const subscriber = await this.subscribers.find(subscriberIdOrEmail);
    if (!subscriber || subscriber.status === 'erased') {
      throw new NotFoundError(`Subscriber "${subscriberIdOrEmail}" not found`, 'subscriber');
    }
    return (await this.forSubscriber(subscriber, false)).map(
      ({ purpose, legalBasis, inUse, decision, changedAt, wordingVersion }) => ({
        purpose,
        legalBasis,
        inUse,
        decision,
        changedAt,
        wordingVersion,
        deleted: [],
      }),
    );
  }

  /**
   * The purposes that concern a subscriber, in their language: every consent-based one (they
   * may grant it), and the others that cover data the subscriber has. `all` lists every purpose.
   */
  async forSubscriber(
    subscriber: Subscriber,
    onlyConcerning = true,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<SubscriberPurpose[]> {
    const locale = localeOr(subscriber.locale);
    const purposes = await manager.find(DataPurpose, {
      where: { archivedAt: IsNull() },
      order: { key: 'ASC' },
    });
    const grants = await manager.find(DataUseGrant, { where: { subscriberId: subscriber.id } });
    const dates =
      (await this.subscribers.datesOf(manager, [subscriber.id])).get(subscriber.id) ?? {};
    const attributes = subscriber.attributes ?? {};
    const out: SubscriberPurpose[] = [];
    for (const p of purposes) {
      const values: SubscriberPurpose['values'] = [];
      for (const a of p.attributes) {
        for (const [k, v] of Object.entries(attributes)) {
          if (k === a || k.startsWith(`${a}.`)) {
            values.push({
              kind: 'attribute',
              name: k,
              value: typeof v === 'string' ? v : JSON.stringify(v),
            });
          }
        }
      }
      for (const d of p.dates)
        if (dates[d]) values.push({ kind: 'date', name: d, value: dates[d] });
      for (const e of p.eventTypes) values.push({ kind: 'event', name: e, value: null });
      const hasData = values.some((v) => v.kind !== 'event');
      if (onlyConcerning && p.legalBasis !== 'consent' && !hasData) continue;
      const g = grants.find((x) => x.purposeId === p.id);
      const consentBased = p.legalBasis === 'consent';
      out.push({
        purpose: p.key,
        legalBasis: p.legalBasis,
        inUse: consentBased ? !!g?.granted : true,
        decision: consentBased && g ? (g.granted ? 'granted' : 'withdrawn') : null,
        changedAt: g?.changedAt ?? null,
        wordingVersion: g?.wordingVersion ?? null,
        deleted: [],
        name: localText(p.names, locale, p.name),
        explanation: localText(p.explanations, locale, ''),
        benefit: localText(p.benefits, locale, ''),
        withdrawalConsequence: localText(p.withdrawalConsequences, locale, ''),
        deleteOnWithdrawal: p.deleteOnWithdrawal,
        values,
      });
    }
    return out;
  }
}
