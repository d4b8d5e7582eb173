import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { fetchKeysetPage, Page } from '../../platform/http/pagination';
import { ListMessagesQueryDto, MessageDto } from './message.dto';
import { OutboundMessage } from './outbound-message.entity';

/** Read access to the ledger for support and debugging. */
@Injectable()
export class MessagesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(query: ListMessagesQueryDto): Promise<Page<MessageDto>> {
    const qb = this.dataSource.manager
      .createQueryBuilder(OutboundMessage, 'm')
      .leftJoin('topics', 't', 't.id = m.topic_id')
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
}
