import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { normaliseEmail } from '../../platform/email';
import { EventOutbox } from '../../platform/events/event-outbox';
import {
  ConflictError,
  NotFoundError,
  RuleViolationError,
} from '../../platform/errors/domain-errors';
import { fetchKeysetPage, Page } from '../../platform/http/pagination';
import { isUuid } from '../../platform/ids';
import { SuppressionsService } from '../suppressions/suppressions.service';
import { TopicsService } from '../topics/topics.service';
import {
  CreateSubscriberDto,
  ListSubscribersQueryDto,
  SubscriberDto,
  UpdateSubscriberDto,
} from './subscriber.dto';
import { SubscriberDate } from './subscriber-date.entity';
import { Subscriber } from './subscriber.entity';
import { SubscriberStatusService } from './subscriber-status.service';
import { ChangeContext, SubscriptionsService } from './subscriptions.service';
import { inTransaction } from '../../platform/database/transaction';
import { PersonalDataErasers } from './personal-data-erasers';
import { localeOr } from '../../platform/locale';
import { queryRows } from '../../platform/database/sql';

@Injectable()
export class SubscribersService {
  private readonly logger = new Logger(SubscribersService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly subscriptions: SubscriptionsService,
    private readonly suppressions: SuppressionsService,
    private readonly topics: TopicsService,
    private readonly erasers: PersonalDataErasers,
    private readonly status: SubscriberStatusService,
    private readonly events: EventOutbox,
  ) {}

  /** Creates a subscriber with its dates and opt-ins in one transaction. */
  async create(dto: CreateSubscriberDto, ctx: ChangeContext): Promise<SubscriberDto> {
    const email = normaliseEmail(dto.email);
    const id = await this.dataSource.transaction(async (manager) => {
      if (await this.suppressions.isSuppressed(email, manager)) {
        throw new RuleViolationError(
          'This address is on the suppression list (bounced, complained or erased) and cannot be added',
          'email',
          'suppressed',
        );
      }
      if (await manager.exists(Subscriber, { where: { email } })) {
        throw new ConflictError(
          'A subscriber with this email already exists',
          'email',
          'duplicate',
        );
      }
      const subscriber = await manager.save(
        manager.create(Subscriber, {
          email,
          name: dto.name?.trim() || null,
          locale: dto.locale ?? localeOr('en'),
          timezone: dto.timezone ?? 'UTC',
          isCustomer: dto.isCustomer ?? false,
          weeklyCap: dto.weeklyCap ?? null,
          attributes: dto.attributes ?? {},
          status: 'active',
        }),
      );
      await this.writeDates(manager, subscriber.id, dto.dates ?? {});
      await this.recordCreated(manager, subscriber, ctx.source);
      for (const [i, choice] of (dto.topics ?? []).entries()) {
        await this.subscriptions.subscribe(manager, subscriber, choice, ctx, `topics.${i}.topic`);
      }
      return subscriber.id;
    });
    this.logger.log({ subscriberId: id }, 'Subscriber created');
    return this.get(id);
  }

  /** By id or by email address. Erased subscribers keep their id but no personal data. */
  async get(idOrEmail: string): Promise<SubscriberDto> {
    const subscriber = await this.find(idOrEmail);
    if (!subscriber)
      throw new NotFoundError(
        `Subscriber ${idOrEmail.includes('@') ? 'with that email' : idOrEmail} not found`,
        'id',
      );
    const dates = await this.datesOf(this.dataSource.manager, [subscriber.id]);
    const subscriptions = await this.subscriptions.list(subscriber.id);
    return { ...toDto(subscriber, dates.get(subscriber.id) ?? {}), subscriptions };
  }

  async find(
    idOrEmail: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Subscriber | null> {
    if (idOrEmail.includes('@')) {
      return manager.findOne(Subscriber, { where: { email: normaliseEmail(idOrEmail) } });
    }
    if (!isUuid(idOrEmail)) return null;
    return manager.findOne(Subscriber, { where: { id: idOrEmail } });
  }

  /**
   * The subscriber row by id or (normalised) address, locked for the rest of the caller's
   * transaction like every writer locks it first (`FOR NO KEY UPDATE`); null when there is none.
   */
  lock(manager: EntityManager, by: { id: string } | { email: string }): Promise<Subscriber | null> {
    return manager.findOne(Subscriber, { where: by, lock: { mode: 'for_no_key_update' } });
  }

  /** A `pending` prospect for a double opt-in: no topics until they confirm. */
  async createPending(
    manager: EntityManager,
    person: Pick<Subscriber, 'email' | 'name' | 'locale' | 'timezone'>,
  ): Promise<Subscriber> {
    const subscriber = await manager.save(
      manager.create(Subscriber, { ...person, status: 'pending', isCustomer: false }),
    );
    await this.recordCreated(manager, subscriber, 'form');
    return subscriber;
  }

  /** The `subscriber.created` event, in the transaction that created the subscriber. */
  private recordCreated(manager: EntityManager, s: Subscriber, source: string): Promise<void> {
    return this.events.record(manager, [
      {
        type: 'subscriber.created',
        subscriberId: s.id,
        data: { subscriberId: s.id, status: s.status, isCustomer: s.isCustomer, source },
        occurredAt: s.createdAt,
      },
    ]);
  }

  async update(idOrEmail: string, dto: UpdateSubscriberDto): Promise<SubscriberDto> {
    const id = await inTransaction(this.dataSource, async (manager) => {
      const found = await this.find(idOrEmail, manager);
      if (!found || found.status === 'erased')
        throw new NotFoundError(`Subscriber ${idOrEmail} not found`, 'id');
      const subscriber = await this.subscriptions.lockSubscriber(manager, found.id);
      if (dto.email !== undefined) {
        const email = normaliseEmail(dto.email);
        if (email !== subscriber.email) {
          if (await this.suppressions.isSuppressed(email, manager)) {
            throw new RuleViolationError(
              'The new address is on the suppression list',
              'email',
              'suppressed',
            );
          }
          if (await manager.exists(Subscriber, { where: { email } })) {
            throw new ConflictError('Another subscriber has this email', 'email', 'duplicate');
          }
          subscriber.email = email;
        }
      }
      if (dto.name !== undefined) subscriber.name = dto.name.trim() || null;
      if (dto.locale !== undefined) subscriber.locale = dto.locale;
      if (dto.timezone !== undefined) subscriber.timezone = dto.timezone;
      if (dto.isCustomer !== undefined) subscriber.isCustomer = dto.isCustomer;
      if (dto.weeklyCap !== undefined) subscriber.weeklyCap = dto.weeklyCap ?? null;
      if (dto.attributes) {
        const merged: Record<string, unknown> = { ...subscriber.attributes };
        for (const [k, v] of Object.entries(dto.attributes)) {
          if (v === null) delete merged[k];
          else merged[k] = v;
        }
        subscriber.attributes = merged;
      }
      await manager.save(subscriber);
      if (dto.dates) await this.writeDates(manager, subscriber.id, dto.dates);
      return subscriber.id;
    });
    return this.get(id);
  }

  /**
   * Keyset pagination over (created_at, id); filters by status, topic, customer/prospect and a
   * search text in the email address or name.
   */
  async list(query: ListSubscribersQueryDto): Promise<Page<SubscriberDto>> {
    const qb = this.dataSource.manager.createQueryBuilder(Subscriber, 's');
    if (query.status) qb.andWhere('s.status = :status', { status: query.status });
    else qb.andWhere("s.status <> 'erased'");
    if (query.customer !== undefined)
      qb.andWhere('s.is_customer = :customer', { customer: query.customer });
    if (query.q) {
      // The address starts with the text, or each word of the text starts a word of the name;
      // migration 1764019000000 indexes both. The matches are found first, through those
      // indexes, so that a rare match does not make the page scan every subscriber in order.
      const text = query.q.toLowerCase();
      const prefix = `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const words = text.match(/[\p{L}\p{N}]+/gu) ?? [];
      const byName = words.length
        ? ` UNION SELECT m.id FROM subscribers m
             WHERE to_tsvector('simple', coalesce(m.name, '')) @@ to_tsquery('simple', :words)`
        : '';
      qb.andWhere(`s.id IN (SELECT m.id FROM subscribers m WHERE m.email LIKE :prefix${byName})`, {
        prefix,
        words: words.map((w) => `${w}:*`).join(' & '),
      });
    }
    if (query.topic) {
      const topic = await this.topics.get(query.topic);
      qb.andWhere(
        `EXISTS (SELECT 1 FROM subscriptions x WHERE x.subscriber_id = s.id AND x.topic_id = :topicId AND x.status = 'active')`,
        { topicId: topic.id },
      );
    }
    const page = await fetchKeysetPage(qb, 's', query);
    const dates = await this.datesOf(
      this.dataSource.manager,
      page.entities.map((s) => s.id),
    );
    return {
      items: page.entities.map((s) => toDto(s, dates.get(s.id) ?? {})),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * Erasure (SubscriberStatusService.erase): personal data removed, consent history deleted, the
   * address kept only as a keyed hash on the suppression list so it is never mailed or imported
   * again; the erasure hooks remove what other modules keep, in the same transaction.
   */
  async erase(idOrEmail: string): Promise<void> {
    await inTransaction(this.dataSource, async (manager) => {
      const found = await this.find(idOrEmail, manager);
      if (!found || found.status === 'erased')
        throw new NotFoundError(`Subscriber ${idOrEmail} not found`, 'id');
      const subscriber = await this.subscriptions.lockSubscriber(manager, found.id);
      await this.status.erase(manager, subscriber, (m, subscriberId) =>
        this.erasers.erase(m, subscriberId),
      );
    });
    this.logger.log(
      { subscriberId: isUuid(idOrEmail) ? idOrEmail : undefined },
      'Subscriber erased',
    );
  }

  /**
   * Deletes the named attributes (a dotted name also removes what is under it) and dates of a
   * subscriber the caller has locked (a data-use purpose withdrawn with `deleteOnWithdrawal`).
   * Returns the names that held a value.
   */
  async removeData(
    manager: EntityManager,
    subscriber: Subscriber,
    attributes: readonly string[],
    dates: readonly string[],
  ): Promise<string[]> {
    const removed: string[] = [];
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(subscriber.attributes ?? {})) {
      if (attributes.some((a) => k === a || k.startsWith(`${a}.`))) removed.push(k);
      else kept[k] = v;
    }
    if (removed.length) {
      subscriber.attributes = kept;
      await manager.query(
        'UPDATE subscribers SET attributes = $2, updated_at = now() WHERE id = $1',
        [subscriber.id, JSON.stringify(kept)],
      );
    }
    if (dates.length) {
      const rows = await queryRows<{ name: string }>(
        manager,
        'DELETE FROM subscriber_dates WHERE subscriber_id = $1 AND name = ANY($2) RETURNING name',
        [subscriber.id, [...dates]],
      );
      removed.push(...rows.map((r) => r.name));
    }
    return removed.sort();
  }

  /** Sets dates; a null value removes the date. */
  async writeDates(
    manager: EntityManager,
    subscriberId: string,
    dates: Record<string, string | null>,
  ): Promise<void> {
    const set = Object.entries(dates).filter((e): e is [string, string] => e[1] !== null);
    const removed = Object.entries(dates)
      .filter(([, v]) => v === null)
      .map(([k]) => k);
    if (set.length) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(SubscriberDate)
        .values(set.map(([name, value]) => ({ subscriberId, name, value })))
        .orUpdate(['value'], ['subscriber_id', 'name'])
        .execute();
    }
    if (removed.length) {
      await manager.query(
        'DELETE FROM subscriber_dates WHERE subscriber_id = $1 AND name = ANY($2)',
        [subscriberId, removed],
      );
    }
  }

  async datesOf(
    manager: EntityManager,
    ids: string[],
  ): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    if (!ids.length) return out;
    const rows = await manager.query<{ subscriber_id: string; name: string; value: string }[]>(
      `SELECT subscriber_id, name, to_char(value, 'YYYY-MM-DD') AS value FROM subscriber_dates
        WHERE subscriber_id = ANY($1) ORDER BY name`,
      [ids],
    );
    for (const r of rows) {
      const map = out.get(r.subscriber_id) ?? {};
      map[r.name] = r.value;
      out.set(r.subscriber_id, map);
    }
    return out;
  }
}

export function toDto(s: Subscriber, dates: Record<string, string>): SubscriberDto {
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    locale: s.locale,
    timezone: s.timezone,
    status: s.status,
    isCustomer: s.isCustomer,
    attributes: s.attributes,
    dates,
    pausedUntil: s.pausedUntil,
    weeklyCap: s.weeklyCap,
    confirmedAt: s.confirmedAt,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}
