import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { Clock } from '../../platform/clock';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
} from '../../platform/errors/domain-errors';
import { queryRows } from '../../platform/database/sql';
import { LedgerService } from '../../messaging/delivery/ledger.service';
import { SubscribersService } from '../../audience/subscribers/subscribers.service';
import { evaluate } from './condition';
import { EventDto, EventOutcomeDto, IngestEventDto } from './event.dto';
import { LifecycleRule } from './lifecycle-rule.entity';
import { NoticeWriter } from './notice-writer';

/** Clocks differ a little between systems; an event from further in the future is refused. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

interface EventRow {
  id: string;
  subscriber_id: string;
  type: string;
  idempotency_key: string;
  occurred_at: Date;
  received_at: Date;
  outcome: EventOutcomeDto[];
}

/**
 * Ingested events (`POST /v1/events`). The idempotency key is unique in PostgreSQL, so a repeated
 * post does nothing; each matching `event` rule then checks its condition on the event data and
 * its per-subscriber cooldown, and writes its notice in the same transaction as the event.
 */
@Injectable()
export class EventsService {
  private readonly logger = new Logger('LifecycleEvents');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly subscribers: SubscribersService,
    private readonly writer: NoticeWriter,
    private readonly ledger: LedgerService,
    private readonly clock: Clock,
  ) {}

  async ingest(dto: IngestEventDto): Promise<EventDto> {
    const now = this.clock.now();
    const occurredAt = dto.occurredAt ? new Date(dto.occurredAt) : now;
    if (occurredAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
      throw new InvalidInputError('occurredAt must not be in the future', 'occurredAt');
    }
    const subscriber = await this.subscribers.find(dto.subscriber);
    if (!subscriber || subscriber.status === 'erased') {
      throw new NotFoundError(
        `Subscriber ${dto.subscriber.includes('@') ? 'with that email' : dto.subscriber} not found`,
        'subscriber',
      );
    }
    const data = dto.data ?? {};
    const result = await this.dataSource.transaction(async (manager) => {
      const [inserted] = await queryRows<EventRow>(
        manager,
        `INSERT INTO events (idempotency_key, subscriber_id, type, data, occurred_at, received_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING *`,
        [dto.idempotencyKey, subscriber.id, dto.type, JSON.stringify(data), occurredAt, now],
      );
      if (!inserted) {
        const [existing] = await queryRows<EventRow>(
          manager,
          `SELECT * FROM events WHERE idempotency_key = $1`,
          [dto.idempotencyKey],
        );
        if (existing.subscriber_id !== subscriber.id || existing.type !== dto.type) {
          throw new ConflictError(
            'idempotencyKey was already used for a different event',
            'idempotencyKey',
            'idempotency_key_reused',
          );
        }
        return { event: existing, duplicate: true, queued: [] as string[] };
      }
      const rules = await manager.find(LifecycleRule, {
        where: { triggerType: 'event', eventType: dto.type, enabled: true, deletedAt: IsNull() },
        order: { key: 'ASC' },
      });
      const subscribed = new Set(
        (
          await queryRows<{ topic_id: string }>(
            manager,
            `SELECT topic_id FROM audience_subscriptions WHERE subscriber_id = $1 AND status = 'active'`,
            [subscriber.id],
          )
        ).map((r) => r.topic_id),
      );
      const vars = Object.fromEntries(
        Object.entries(data)
          .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
          .map(([k, v]) => [`event.${k}`, String(v)]),
      );
      const outcomes: EventOutcomeDto[] = [];
      const queued: string[] = [];
      for (const rule of rules) {
        if (subscriber.status !== 'active' || !subscribed.has(rule.topicId)) {
          outcomes.push({ rule: rule.key, result: 'not_eligible' });
          continue;
        }
        if (rule.condition && !evaluate(rule.condition, data)) {
          outcomes.push({ rule: rule.key, result: 'condition_false' });
          continue;
        }
        const written = await this.writer.write(
          manager,
          rule,
          (p) => `
            SELECT ${p.add(subscriber.id)}::uuid AS subscriber_id,
                   'event:' || ${p.add(inserted.id)}::text AS anchor_key, NULL::date AS anchor_date,
                   ${p.add(occurredAt.toISOString())}::timestamptz AS anchor_ts,
                   ${p.add(JSON.stringify(vars))}::jsonb AS vars,
                   NULL::date AS pos_date, NULL::timestamptz AS pos_ts, NULL::uuid AS pos_id`,
          { now, mode: 'drop', cooldown: true },
        );
        const row = written.rows.find((r) => r.status === 'queued');
        const refused = written.rows.find((r) => r.reason === 'no_data_consent');
        if (refused) {
          outcomes.push({ rule: rule.key, result: 'no_data_consent', messageId: refused.id });
        } else if (row) {
          queued.push(row.id);
          outcomes.push({ rule: rule.key, result: 'queued', messageId: row.id });
        } else {
          outcomes.push({ rule: rule.key, result: written.eligible ? 'cooldown' : 'too_late' });
        }
      }
      await manager.query(`UPDATE events SET outcome = $2 WHERE id = $1`, [
        inserted.id,
        JSON.stringify(outcomes),
      ]);
      return { event: { ...inserted, outcome: outcomes }, duplicate: false, queued };
    });
    await this.ledger.enqueue(result.queued);
    if (!result.duplicate) {
      this.logger.log(
        {
          eventId: result.event.id,
          subscriberId: subscriber.id,
          type: dto.type,
          queued: result.queued.length,
        },
        'Event ingested',
      );
    }
    const e = result.event;
    return {
      id: e.id,
      subscriberId: e.subscriber_id,
      type: e.type,
      idempotencyKey: e.idempotency_key,
      occurredAt: e.occurred_at,
      receivedAt: e.received_at,
      duplicate: result.duplicate,
      outcomes: e.outcome,
    };
  }
}
