import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';
import { EventType } from './event-types';

/** Someone hands on events of `e.type` (a primary-key lookup in a table of a few rows). */
const WANTED = `EXISTS (SELECT 1 FROM event_interest i WHERE i.type IN ('*', e.type))`;

/** An event to record: its type, whose it is, and the facts (ids, no personal data). */
export interface NewEvent {
  type: EventType;
  subscriberId?: string | null;
  data: Record<string, unknown>;
  occurredAt: Date;
}

/** An event taken from the outbox to be handed on. */
export interface OutboxEvent {
  id: string;
  type: EventType;
  subscriberId: string | null;
  data: Record<string, unknown>;
  occurredAt: Date;
}

/**
 * The transactional outbox of events (`event_outbox`). A context records an event in the
 * transaction of the change it describes (pass that transaction's manager), so a crash keeps
 * both or neither. Only types some consumer declared (`event_interest`) are recorded. Whoever hands events on (webhooks out) takes them in a transaction of its own
 * that writes where they go: an event leaves the outbox only together with that write.
 */
@Injectable()
export class EventOutbox {
  /**
   * Records events in the caller's transaction, in one statement; only those of types some
   * consumer wants (`setInterest`), so an event nobody hands on costs no write.
   */
  async record(manager: EntityManager, events: NewEvent[]): Promise<void> {
    if (!events.length) return;
    await manager.query(
      `INSERT INTO event_outbox (type, subscriber_id, data, occurred_at)
       SELECT e.type, e.subscriber_id, e.data::jsonb, e.occurred_at
         FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[])
              AS e(type, subscriber_id, data, occurred_at)
        WHERE ${WANTED}`,
      [
        events.map((e) => e.type),
        events.map((e) => e.subscriberId ?? null),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => e.occurredAt),
      ],
    );
  }

  /**
   * The event types `consumer` hands on from now on (`*`: all), in the caller's transaction, so
   * the change commits with whatever made it (an endpoint created, changed or deleted). Events
   * recorded after it commits are kept for the consumer.
   */
  async setInterest(manager: EntityManager, consumer: string, types: string[]): Promise<void> {
    await manager.query(`DELETE FROM event_interest WHERE consumer = $1`, [consumer]);
    if (!types.length) return;
    await manager.query(
      `INSERT INTO event_interest (consumer, type) SELECT $1, unnest($2::text[])
       ON CONFLICT DO NOTHING`,
      [consumer, [...new Set(types)]],
    );
  }

  /**
   * Removes up to `limit` of the oldest events and returns them, in the caller's transaction:
   * they are gone only if it commits. Concurrent takers skip each other's rows.
   */
  async take(manager: EntityManager, limit: number): Promise<OutboxEvent[]> {
    const rows = await queryRows<{
      seq: string;
      id: string;
      type: EventType;
      subscriber_id: string | null;
      data: Record<string, unknown>;
      occurred_at: Date;
    }>(
      manager,
      `DELETE FROM event_outbox WHERE seq IN (
         SELECT seq FROM event_outbox ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING seq, id, type, subscriber_id, data, occurred_at`,
      [limit],
    );
    return rows
      .sort((a, b) => Number(a.seq) - Number(b.seq))
      .map((r) => ({
        id: r.id,
        type: r.type,
        subscriberId: r.subscriber_id,
        data: r.data,
        occurredAt: r.occurred_at,
      }));
  }
}

/**
 * A data-modifying CTE that records one event per row of `from`, for set-based statements of
 * other modules (the delivery outcomes record `message.sent` and `message.failed` this way,
 * in the statement that records the outcome). Each value is an SQL expression over `from`.
 */
export function outboxInsertCte(
  name: string,
  values: { type: string; subscriberId: string; data: string; occurredAt: string },
  from: string,
): string {
  return `${name} AS (
      INSERT INTO event_outbox (type, subscriber_id, data, occurred_at)
      SELECT e.type, e.subscriber_id, e.data, e.occurred_at
        FROM (SELECT ${values.type} AS type, ${values.subscriberId} AS subscriber_id,
                     ${values.data} AS data, ${values.occurredAt} AS occurred_at
                FROM ${from}) e
       WHERE ${WANTED})`;
}
