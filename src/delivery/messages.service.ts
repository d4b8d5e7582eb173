import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor, Page } from '../common/http/pagination';
import { ListMessagesQueryDto, MessageDto } from './message.dto';
import { OutboundMessage } from './outbound-message.entity';

/** Read access to the ledger for support and debugging. */
@Injectable()
export class MessagesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(query: ListMessagesQueryDto): Promise<Page<MessageDto>> {
    const limit = query.limit ?? 50;
    const qb = this.dataSource.manager
      .createQueryBuilder(OutboundMessage, 'm')
      .leftJoin('topics', 't', 't.id = m.topic_id')
      .addSelect('t.key', 'topic_key')
      .addSelect('m.created_at::text', 'cursor_ts')
      .orderBy('m.created_at', 'DESC')
      .addOrderBy('m.id', 'DESC')
      .limit(limit + 1);
    if (query.subscriber)
      qb.andWhere('m.subscriber_id = :subscriber', { subscriber: query.subscriber });
    if (query.status) qb.andWhere('m.status = :status', { status: query.status });
    if (query.kind) qb.andWhere('m.kind = :kind', { kind: query.kind });
    if (query.cursor) {
      const pos = decodeCursor(query.cursor);
      qb.andWhere('(m.created_at, m.id) < (:ts::timestamptz, :id::uuid)', {
        ts: pos.createdAt,
        id: pos.id,
      });
    }
    const { entities, raw } = await qb.getRawAndEntities();
    const page = entities.slice(0, limit);
    const rawRows = raw as { topic_key: string | null; cursor_ts: string }[];
    const last = page[page.length - 1];
    return {
      items: page.map((m, i) => MessageDto.from(m, rawRows[i].topic_key)),
      nextCursor:
        entities.length > limit && last
          ? encodeCursor({ createdAt: rawRows[page.length - 1].cursor_ts, id: last.id })
          : null,
    };
  }
}
