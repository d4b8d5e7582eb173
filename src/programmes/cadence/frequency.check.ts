import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryRows } from '../../platform/database/sql';
import type { ClaimedMessage } from '../../messaging/delivery/claimed-message';
import {
  SendCheck,
  type SendDecision,
  type SendTimeCheck,
} from '../../messaging/delivery/send-checks';

/**
 * "Never more often than chosen", re-checked at send time: a regular (editorial or promotional)
 * message of a topic is skipped when another one of that topic for the same subscriber was sent
 * (or is being sent, claimed first) less than one period away by local date. A message counts
 * from when it was decided (created_at), like the slot it reserved. Uses the subscriber's current
 * frequency, so a change to a slower one since queueing is honoured.
 */
@Injectable()
@SendCheck({ order: 10 })
export class FrequencyCheck implements SendTimeCheck {
  readonly name = 'frequency';

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async check(messages: ClaimedMessage[]): Promise<Map<string, SendDecision>> {
    const decisions = new Map<string, SendDecision>();
    const regular = messages.filter(
      (m) => m.topicId && (m.kind === 'editorial' || m.kind === 'promotional'),
    );
    if (!regular.length) return decisions;
    const rows = await queryRows<{ id: string }>(
      this.dataSource,
      `SELECT c.id
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[])
              AS c(id, subscriber_id, topic_id, decided_at)
         JOIN audience_subscriptions x ON x.subscriber_id = c.subscriber_id AND x.topic_id = c.topic_id
         JOIN audience_subscribers s ON s.id = c.subscriber_id
        WHERE EXISTS (
          SELECT 1 FROM messaging_regular_sends p
           WHERE p.subscriber_id = c.subscriber_id AND p.topic_id = c.topic_id AND p.id <> c.id
             AND (p.status = 'sent'
                  OR (p.status = 'sending' AND (p.created_at, p.id) < (c.decided_at, c.id)))
             AND date_trunc('day', p.created_at AT TIME ZONE s.timezone) + tidings_period(x.frequency)
                 > date_trunc('day', c.decided_at AT TIME ZONE s.timezone)
             AND date_trunc('day', c.decided_at AT TIME ZONE s.timezone) + tidings_period(x.frequency)
                 > date_trunc('day', p.created_at AT TIME ZONE s.timezone))`,
      [
        regular.map((m) => m.id),
        regular.map((m) => m.subscriberId),
        regular.map((m) => m.topicId),
        regular.map((m) => m.createdAt),
      ],
    );
    for (const r of rows) decisions.set(r.id, { status: 'skipped', reason: 'frequency' });
    return decisions;
  }
}
