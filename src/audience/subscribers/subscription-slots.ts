import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../../platform/database/sql';
import { DEFAULT_SEND_HOUR } from '../topics/frequency';

/** A slot taken at `reservedAt` by a message that will not go after all. */
export interface ReleasedSlot {
  subscriberId: string;
  reservedAt: Date;
}

/**
 * A subscription's next slot (`next_due_at`): when its next regular message may go. The message
 * that uses a period reserves the slot, under the subscription's row lock, so a period never gets
 * two messages. The rule itself is `tidings_next_slot()` (migrations/1764000800000-Campaigns.ts,
 * and `slotAfter()` in src/audience/topics/frequency.ts); this is where it is written.
 */
@Injectable()
export class SubscriptionSlots {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Active subscriptions that never got a slot (made through the API, not double opt-in) start
   * their first period at `at`, like a confirmation does. Returns how many started.
   */
  async startUnscheduled(at: Date): Promise<number> {
    const rows = await queryRows<{ id: string }>(
      this.dataSource,
      `UPDATE subscriptions x SET next_due_at = tidings_next_slot($1, x.frequency, s.timezone, $2)
         FROM subscribers s
        WHERE s.id = x.subscriber_id AND x.status = 'active' AND x.next_due_at IS NULL
        RETURNING x.id`,
      [at, DEFAULT_SEND_HOUR],
    );
    return rows.length;
  }

  /** The period's message was decided at `at`: the next slot is one period on. */
  async reserveNext(manager: EntityManager, subscriptionIds: string[], at: Date): Promise<void> {
    if (!subscriptionIds.length) return;
    await manager.query(
      `UPDATE subscriptions x SET next_due_at = tidings_next_slot($2, x.frequency, s.timezone, $3)
         FROM subscribers s
        WHERE x.id = ANY($1) AND s.id = x.subscriber_id`,
      [subscriptionIds, at, DEFAULT_SEND_HOUR],
    );
  }

  /** Gives a topic's slots back to their subscribers, where nothing else took them since. */
  async release(manager: EntityManager, topicId: string, slots: ReleasedSlot[]): Promise<void> {
    if (!slots.length) return;
    await manager.query(
      `UPDATE subscriptions x SET next_due_at = c.reserved_at
         FROM unnest($2::uuid[], $3::timestamptz[]) AS c(subscriber_id, reserved_at), subscribers s
        WHERE x.subscriber_id = c.subscriber_id AND x.topic_id = $1 AND s.id = x.subscriber_id
          AND x.next_due_at = tidings_next_slot(c.reserved_at, x.frequency, s.timezone, $4)`,
      [
        topicId,
        slots.map((r) => r.subscriberId),
        slots.map((r) => r.reservedAt),
        DEFAULT_SEND_HOUR,
      ],
    );
  }
}

/**
 * `reserveNextSlot` for a set-based producer, as a statement to embed (a data-modifying CTE of
 * its own statement): `UPDATE subscriptions x ... FROM <from> WHERE <where> AND x.id =
 * <subscriptionId>`, moving each slot one period after `at`. `timezone` is the subscriber's time
 * zone as an expression over `from`; `param` adds a value to the caller's statement and returns
 * its placeholder. The caller holds the subscriptions' row locks already (it picked them FOR
 * UPDATE).
 */
export function reserveNextSlotSql(
  spec: { from: string; where: string; subscriptionId: string; timezone: string; at: string },
  param: (value: unknown) => string,
): string {
  return `UPDATE subscriptions x
           SET next_due_at = tidings_next_slot(${spec.at}, x.frequency, ${spec.timezone}, ${param(DEFAULT_SEND_HOUR)})
          FROM ${spec.from}
         WHERE ${spec.where} AND x.id = ${spec.subscriptionId}`;
}
