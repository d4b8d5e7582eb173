import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import { ConsentService } from '../../audience/consent/consent.service';
import { queryRows } from '../../platform/database/sql';
import { SubscribersService } from '../../audience/subscribers/subscribers.service';
import type { Subscriber } from '../../audience/subscribers/subscriber.entity';
import { PreferencesService } from './preferences.service';
import { PurposeGrantsService } from '../../audience/purposes/purpose-grants.service';
import { ExpectationsService } from '../../trust/questions/expectations.service';
import { TrustQuestionsService } from '../../trust/questions/trust-questions.service';

/** Details of consent events that are internal references (API key, sign-up request), not facts. */
const INTERNAL_DETAIL = /id$/i;

/**
 * Everything kept about one subscriber, as they may download it. Internal identifiers (row ids,
 * dedupe keys, API key ids, provider message ids) and SMTP error texts are left out: they describe
 * our systems, not the person. Template data is left out too: it repeats facts listed here.
 */
@Injectable()
export class DataExportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly subscribers: SubscribersService,
    private readonly consent: ConsentService,
    private readonly clock: Clock,
    private readonly preferences: PreferencesService,
    private readonly purposeGrants: PurposeGrantsService,
    private readonly expectations: ExpectationsService,
    private readonly trustAnswers: TrustQuestionsService,
  ) {}

  async export(token: string): Promise<Record<string, unknown>> {
    return this.exportOf((await this.preferences.open(token)).subscriber);
  }

  /** The same download for a subscriber found another way (`GET /v1/subscribers/:id/export`). */
  async exportOf(s: Subscriber): Promise<Record<string, unknown>> {
    const [dates, subscriptions, history, messages, purposes, expectations, trustAnswers] =
      await Promise.all([
        this.subscribers.datesOf(this.dataSource.manager, [s.id]),
        queryRows(
          this.dataSource,
          `SELECT t.key AS topic, COALESCE(t.names->>$2::text, t.name) AS "topicName", x.status, x.frequency,
                x.created_at AS "subscribedAt", x.unsubscribed_at AS "unsubscribedAt",
                x.last_delivered_at AS "lastDeliveredAt", x.next_due_at AS "nextDueAt"
           FROM audience_subscriptions x JOIN audience_topics t ON t.id = x.topic_id
          WHERE x.subscriber_id = $1 ORDER BY t.key`,
          [s.id, s.locale],
        ),
        this.consent.history(s.id),
        queryRows(
          this.dataSource,
          `SELECT o.template, o.kind, t.key AS topic, o.status, o.skip_reason AS "skipReason",
                o.created_at AS "createdAt", o.send_after AS "plannedFor", o.sent_at AS "sentAt",
                o.deadline_at AS "deadline"
           FROM messaging_ledger_messages o LEFT JOIN audience_topics t ON t.id = o.topic_id
          WHERE o.subscriber_id = $1 ORDER BY o.created_at, o.id`,
          [s.id],
        ),
        this.purposeGrants.forSubscriber(s),
        this.expectations.forSubscriber(s.id),
        this.trustAnswers.answersOf(s.id),
      ]);
    const consentHistory = history.map((e) => ({
      occurredAt: e.occurredAt,
      action: e.action,
      topic: e.topicKey,
      topicName: e.topicName,
      wording: e.wording,
      wordingVersion: e.wordingVersion,
      source: e.source,
      details: Object.fromEntries(
        Object.entries(e.details ?? {}).filter(([k]) => !INTERNAL_DETAIL.test(k)),
      ),
    }));
    return {
      exportedAt: this.clock.now().toISOString(),
      profile: {
        email: s.email,
        name: s.name,
        locale: s.locale,
        timezone: s.timezone,
        status: s.status,
        customer: s.isCustomer,
        pausedUntil: s.pausedUntil,
        weeklyCap: s.weeklyCap,
        confirmedAt: s.confirmedAt,
        createdAt: s.createdAt,
        updatedAt: s.updatedAt,
      },
      attributes: s.attributes,
      dates: dates.get(s.id) ?? {},
      subscriptions,
      consentHistory,
      // What the data is used for, the subscriber's answer, and each grant and withdrawal.
      dataPurposes: purposes.map((x) => ({
        purpose: x.purpose,
        name: x.name,
        why: x.explanation,
        benefit: x.benefit,
        legalBasis: x.legalBasis,
        inUse: x.inUse,
        decision: x.decision,
        changedAt: x.changedAt,
        covers: x.values,
        deleteOnWithdrawal: x.deleteOnWithdrawal,
        history: consentHistory.filter(
          (e) => e.action.startsWith('data_use') && e.details.purpose === x.purpose,
        ),
      })),
      messages,
      expectations,
      trustAnswers,
    };
  }
}
