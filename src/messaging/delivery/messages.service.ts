import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../../platform/database/sql';
import { NotFoundError } from '../../platform/errors/domain-errors';
import { isUuid } from '../../platform/ids';
import { fetchKeysetPage, Page } from '../../platform/http/pagination';
import { ListMessagesQueryDto, MessageDto } from './message.dto';
import { MessageStatus, OutboundMessage } from './outbound-message.entity';

/** How many of a campaign's messages have a status (and skip reason). */
export interface CampaignOutcome {
  status: MessageStatus;
  skipReason: string | null;
  n: number;
}

/**
 * Read access to the ledger: for support and debugging, and for modules that report on what was
 * sent (besides the read models, docs/architecture.md).
 */
@Injectable()
export class MessagesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(query: ListMessagesQueryDto): Promise<Page<MessageDto>> {
    const qb = this.dataSource.manager
      .createQueryBuilder(OutboundMessage, 'm')
      .leftJoin('audience_topics', 't', 't.id = m.topic_id')
      .addSelect('t.key', 'topic_key');
    if (query.subscriber)
      qb.andWhere('m.subscriber_id = :subscriber', { subscriber: query.subscriber });
    if (query.status) qb.andWhere('m.status = :status', { status: query.status });
    if (query.kind) qb.andWhere('m.kind = :kind', { kind: query.kind });
    const page = await fetchKeysetPage<OutboundMessage, { topic_key: string | null }>(
      qb,
      'm',
      query,
      'DESC',
    );
    return {
      items: page.entities.map((m, i) => MessageDto.from(m, page.raw[i].topic_key)),
      nextCursor: page.nextCursor,
    };
  }

  async get(id: string): Promise<MessageDto> {
    if (!isUuid(id)) throw new NotFoundError(`Message ${id} not found`, 'id');
    const qb = this.dataSource.manager
      .createQueryBuilder(OutboundMessage, 'm')
      .leftJoin('audience_topics', 't', 't.id = m.topic_id')
      .addSelect('t.key', 'topic_key')
      .where('m.id = :id', { id });
    const { entities, raw } = await qb.getRawAndEntities<{ topic_key: string | null }>();
    if (!entities[0]) throw new NotFoundError(`Message ${id} not found`, 'id');
    return MessageDto.from(entities[0], raw[0].topic_key);
  }

  /** A campaign's messages counted by status and skip reason. */
  async campaignOutcomes(
    campaignId: string,
    db: DataSource | EntityManager = this.dataSource,
  ): Promise<CampaignOutcome[]> {
    const rows = await queryRows<{ status: MessageStatus; skip_reason: string | null; n: number }>(
      db,
      `SELECT status, skip_reason, count(*)::int AS n FROM outbound_messages
        WHERE campaign_id = $1 GROUP BY status, skip_reason`,
      [campaignId],
    );
    return rows.map((r) => ({ status: r.status, skipReason: r.skip_reason, n: r.n }));
  }
}
