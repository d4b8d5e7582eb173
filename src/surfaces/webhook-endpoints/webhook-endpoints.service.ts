import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
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
  ) {}

  async create(dto: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointDto> {
    const secret = dto.secret ?? generateSecret();
    const repo = this.dataSource.getRepository(WebhookEndpoint);
    const endpoint = await repo.save(
      repo.create({
        url: dto.url,
        description: dto.description?.trim() || null,
        events: normaliseEvents(dto.events ?? [ALL_EVENTS]),
        secret: this.secrets.seal(secret),
        enabled: dto.enabled ?? true,
      }),
    );
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
    const endpoint = await this.find(id);
    if (dto.url !== undefined) endpoint.url = dto.url;
    if (dto.events !== undefined) endpoint.events = normaliseEvents(dto.events);
    if (dto.secret !== undefined) endpoint.secret = this.secrets.seal(dto.secret);
    if (dto.description !== undefined) endpoint.description = dto.description?.trim() || null;
    if (dto.enabled !== undefined) endpoint.enabled = dto.enabled;
    const saved = await this.dataSource.getRepository(WebhookEndpoint).save(endpoint);
    this.logger.log({ endpointId: id }, 'Webhook endpoint changed');
    return WebhookEndpointDto.from(saved);
  }

  /** Deletes the endpoint and its deliveries (pending ones are not sent). */
  async remove(id: string): Promise<WebhookEndpointDto> {
    const endpoint = await this.find(id);
    await this.dataSource.getRepository(WebhookEndpoint).delete({ id: endpoint.id });
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

  private async find(id: string): Promise<WebhookEndpoint> {
    const endpoint = isUuid(id)
      ? await this.dataSource.getRepository(WebhookEndpoint).findOneBy({ id })
      : null;
    if (!endpoint) throw new NotFoundError(`Webhook endpoint ${id} not found`, 'id');
    return endpoint;
  }
}

/** `*` stands for every type: with it, nothing else needs listing. */
function normaliseEvents(events: string[]): string[] {
  return events.includes(ALL_EVENTS) ? [ALL_EVENTS] : [...events].sort();
}
