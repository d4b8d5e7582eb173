import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { outboxInsertCte } from '../../platform/events/event-outbox';
import { ConsentAction, ConsentEvent, ConsentSource } from './consent-event.entity';

export interface NewConsentEvent {
  subscriberId: string;
  action: ConsentAction;
  topicId?: string | null;
  wording: string;
  wordingVersion: string;
  source: ConsentSource;
  details?: Record<string, unknown>;
  /** When it happened, if not now (an opt-in recorded when it is confirmed). */
  occurredAt?: Date;
}

export interface ConsentHistoryEntry extends ConsentEvent {
  topicKey: string | null;
  topicName: string | null;
}

@Injectable()
export class ConsentService {
  constructor(@InjectRepository(ConsentEvent) private readonly events: Repository<ConsentEvent>) {}

  /**
   * Appends events inside the caller's transaction, so a change and its consent record commit
   * together or not at all. One statement however many events (an import records thousands):
   * unnest() keeps it to eight parameters, where a multi-row VALUES list would need eight per event.
   * Each change of a subscription (joining, leaving or a new frequency for one topic) is also
   * recorded as a `subscription.changed` event (src/platform/events) by the same statement.
   */
  async record(manager: EntityManager, events: NewConsentEvent[]): Promise<void> {
    if (!events.length) return;
    await manager.query(
      `WITH u AS (
         SELECT s, a, t, w, v, src, d, COALESCE(o, now()) AS o
           FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::timestamptz[])
                AS u(s, a, t, w, v, src, d, o)),
       recorded AS (
         INSERT INTO consent_events (subscriber_id, action, topic_id, wording, wording_version, source, details, occurred_at)
         SELECT s, a, t, w, v, src, d, o FROM u),
       ${outboxInsertCte(
         'subscription_events',
         {
           type: `'subscription.changed'`,
           subscriberId: 'u.s',
           data: `jsonb_build_object('subscriberId', u.s, 'topic', tp.key, 'topicId', u.t,
                    'change', u.a, 'frequency', u.d->'frequency',
                    'previousFrequency', u.d->'previousFrequency', 'source', u.src)`,
           occurredAt: 'u.o',
         },
         `u JOIN audience_topics tp ON tp.id = u.t
           WHERE u.a IN ('opt_in', 'opt_out', 'frequency_change')`,
       )}
       SELECT 1`,
      [
        events.map((e) => e.subscriberId),
        events.map((e) => e.action),
        events.map((e) => e.topicId ?? null),
        events.map((e) => e.wording),
        events.map((e) => e.wordingVersion),
        events.map((e) => e.source),
        events.map((e) => JSON.stringify(e.details ?? {})),
        events.map((e) => e.occurredAt?.toISOString() ?? null),
      ],
    );
  }

  /** The full history of one subscriber, oldest first, with topic names for display. */
  async history(subscriberId: string): Promise<ConsentHistoryEntry[]> {
    const rows = await this.events
      .createQueryBuilder('e')
      .leftJoin('audience_topics', 't', 't.id = e.topic_id')
      .leftJoin('audience_subscribers', 's', 's.id = e.subscriber_id')
      // The topic's name in the subscriber's language (else the default locale's).
      .addSelect(['t.key AS topic_key', 'COALESCE(t.names ->> s.locale, t.name) AS topic_name'])
      .where('e.subscriber_id = :subscriberId', { subscriberId })
      .orderBy('e.id', 'ASC')
      .getRawAndEntities();
    return rows.entities.map((e, i) => ({
      ...e,
      topicKey: (rows.raw[i] as { topic_key: string | null }).topic_key,
      topicName: (rows.raw[i] as { topic_name: string | null }).topic_name,
    }));
  }

  /** Erasure is the one case where consent records are removed (with the person's data). */
  async eraseFor(manager: EntityManager, subscriberId: string): Promise<void> {
    await manager.query(`SET LOCAL tidings.erasure = 'on'`);
    await manager.query('DELETE FROM consent_events WHERE subscriber_id = $1', [subscriberId]);
    await manager.query(`SET LOCAL tidings.erasure = 'off'`);
  }
}
