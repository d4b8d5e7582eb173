import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock';
import { queryRows } from '../../platform/database/sql';
import { EventOutbox } from '../../platform/events/event-outbox';
import { NotFoundError } from '../../platform/errors/domain-errors';
import { fetchKeysetPage, Page, PageQueryDto } from '../../platform/http/pagination';
import { isUuid } from '../../platform/ids';
import {
  ALL_EVENTS,
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  ListDeliveriesQueryDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDto,
  WebhookEndpointDto,
} from './webhook-endpoint.dto';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { generateSecret, WebhookSecrets } from './webhook-secrets';

/** The endpoints, their deliveries as the API shows them, and replays. */
@Injectable()
export class WebhookEndpointsService {
  private readonly logger = new Logger('WebhookEndpoints');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly secrets: WebhookSecrets,
    private readonly outbox: EventOutbox,
  ) {}

  async create(dto: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointDto> {
    const secret = dto.secret ?? generateSecret();
    const endpoint = await this.change(async (m) => {
      const repo = m.getRepository(WebhookEndpoint);
      return repo.save(
        repo.create({
          url: dto.url,
          description: dto.description?.trim() || null,
          events: normaliseEvents(dto.events ?? [ALL_EVENTS]),
          secret: this.secrets.seal(secret),
          enabled: dto.enabled ?? true,
        }),
      );
    });
    // The secret and the URL (it may carry a token) are not logged.
    this.logger.log(
      { endpointId: endpoint.id, events: endpoint.events },
      'Webhook endpoint created',
    );
    return { ...WebhookEndpointDto.from(endpoint), secret };
  }

  async list(): Promise<WebhookEndpointDto[]> {
    const rows = await this.dataSource
      .getRepository(WebhookEndpoint)
      .find({ order: { createdAt: 'ASC', id: 'ASC' } });
    return rows.map((e) => WebhookEndpointDto.from(e));
  }

  async get(id: string): Promise<WebhookEndpointDto> {
    return WebhookEndpointDto.from(await this.find(id));
  }

  async update(id: string, dto: UpdateWebhookEndpointDto): Promise<WebhookEndpointDto> {
    const saved = await this.change(async (m) => {
      const endpoint = await this.find(id, m);
      if (dto.url !== undefined) endpoint.url = dto.url;
      if (dto.events !== undefined) endpoint.events = normaliseEvents(dto.events);
      if (dto.secret !== undefined) endpoint.secret = this.secrets.seal(dto.secret);
      if (dto.description !== undefined) endpoint.description = dto.description?.trim() || null;
      if (dto.enabled !== undefined) endpoint.enabled = dto.enabled;
      return m.getRepository(WebhookEndpoint).save(endpoint);
    });
    this.logger.log({ endpointId: id }, 'Webhook endpoint changed');
    return WebhookEndpointDto.from(saved);
  }

  /** Deletes the endpoint and its deliveries (pending ones are not sent). */
  async remove(id: string): Promise<WebhookEndpointDto> {
    const endpoint = await this.change(async (m) => {
      const found = await this.find(id, m);
      await m.getRepository(WebhookEndpoint).delete({ id: found.id });
      return found;
    });
    this.logger.log({ endpointId: id }, 'Webhook endpoint deleted');
    return WebhookEndpointDto.from(endpoint);
  }

  /** The endpoint's deliveries, newest first. */
  async deliveries(id: string, query: ListDeliveriesQueryDto): Promise<Page<WebhookDeliveryDto>> {
    await this.find(id);
    const qb = this.dataSource
      .getRepository(WebhookDelivery)
      .createQueryBuilder('d')
      .where('d.endpoint_id = :id', { id });
    if (query.status) qb.andWhere('d.status = :status', { status: query.status });
    const page = await fetchKeysetPage(qb, 'd', query as PageQueryDto, 'DESC');
    return {
      items: page.entities.map((d) => WebhookDeliveryDto.from(d)),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * Sends a delivery's event again, as a new delivery of the same event (same event id, so a
   * receiver that already processed it can tell), due now and retried like any other.
   */
  async replay(id: string, deliveryId: string): Promise<WebhookDeliveryDto> {
    await this.find(id);
    const original = isUuid(deliveryId)
      ? await this.dataSource
          .getRepository(WebhookDelivery)
          .findOneBy({ id: deliveryId, endpointId: id })
      : null;
    if (!original) throw new NotFoundError(`Delivery ${deliveryId} not found`, 'deliveryId');
    const repo = this.dataSource.getRepository(WebhookDelivery);
    const replay = await repo.save(
      repo.create({
        endpointId: id,
        eventId: original.eventId,
        eventType: original.eventType,
        subscriberId: original.subscriberId,
        data: original.data,
        occurredAt: original.occurredAt,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: this.clock.now(),
        replayOf: original.id,
      }),
    );
    this.logger.log({ endpointId: id, deliveryId: replay.id, replayOf: original.id }, 'Replay');
    return WebhookDeliveryDto.from(replay);
  }

  /**
   * Runs a change of the endpoints and, in the same transaction, tells the outbox which event
   * types are wanted now (those of the enabled endpoints). Changes take one lock, so two
   * concurrent ones cannot each leave out the other's types.
   */
  private change<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('tidings:webhook-endpoints'))`);
      const result = await fn(m);
      const rows = await queryRows<{ type: string }>(
        m,
        `SELECT DISTINCT unnest(events) AS type FROM webhook_endpoints WHERE enabled`,
      );
      await this.outbox.setInterest(
        m,
        'webhooks',
        rows.map((r) => r.type),
      );
      return result;
    });
  }

  private async find(
    id: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<WebhookEndpoint> {
    const endpoint = isUuid(id) ? await m.getRepository(WebhookEndpoint).findOneBy({ id }) : null;
    if (!endpoint) throw new NotFoundError(`Webhook endpoint ${id} not found`, 'id');
    return endpoint;
  }
}

/** `*` stands for every type: with it, nothing else needs listing. */
function normaliseEvents(events: string[]): string[] {
  return events.includes(ALL_EVENTS) ? [ALL_EVENTS] : [...events].sort();
}
