import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { InvalidInputError } from '../../platform/errors/domain-errors';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { decodeCursor, encodeCursor } from '../../platform/http/pagination';
import {
  DeliverySignalCountsDto,
  DeliverySignalDto,
  DeliverySignalPageDto,
  ListDeliverySignalsQueryDto,
} from './delivery-signals.dto';
import { SIGNAL_TYPES } from './report-parser';

const DEFAULT_DAYS = 30;
/** A timestamptz as PostgreSQL writes it (`occurred_at::text`), the form a cursor carries. */
const PG_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;

interface SignalRow {
  id: string;
  type: DeliverySignalDto['type'];
  outcome: string;
  matched_by: string;
  message_id: string | null;
  subscriber_id: string | null;
  address_hash: string | null;
  status_code: string | null;
  action: string | null;
  diagnostic: string | null;
  occurred_at: Date;
  cursor_ts: string;
}

/** Bounces and complaints as received (docs/operations.md): counts per type and the newest ones. */
@ApiTags('deliverability')
@Controller('v1/delivery-signals')
export class DeliverySignalsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @RequireScopes('reports:read')
  @ApiOperation({
    summary: 'Bounces and complaints received: counts per type in a period and the newest first',
  })
  @ApiOkResponse({ type: DeliverySignalPageDto })
  @ApiErrors(400)
  async list(@Query() query: ListDeliverySignalsQueryDto): Promise<DeliverySignalPageDto> {
    const to = query.to ?? new Date();
    const from = query.from ?? new Date(to.getTime() - DEFAULT_DAYS * 24 * 3600_000);
    if (from >= to) throw new InvalidInputError('from must be before to', 'from');
    const counted = await this.dataSource.query<Array<{ type: string; n: number }>>(
      `SELECT type, count(*)::int AS n FROM delivery_signals
        WHERE occurred_at >= $1 AND occurred_at < $2 GROUP BY type`,
      [from, to],
    );
    const counts = Object.fromEntries(SIGNAL_TYPES.map((t) => [t, 0])) as Record<string, number>;
    for (const row of counted) counts[row.type] = row.n;

    const limit = query.limit ?? 50;
    const params: unknown[] = [from, to, limit + 1];
    let where = `occurred_at >= $1 AND occurred_at < $2`;
    if (query.type) {
      params.push(query.type);
      where += ` AND type = $${params.length}`;
    }
    if (query.cursor) {
      const pos = decodeCursor(query.cursor);
      if (!/^[0-9]{1,18}$/.test(pos.id) || !PG_TIME.test(pos.createdAt)) {
        throw new InvalidInputError('cursor is not a cursor this API returned', 'cursor');
      }
      params.push(pos.createdAt, pos.id);
      where += ` AND (occurred_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::bigint)`;
    }
    const rows = await this.dataSource.query<SignalRow[]>(
      `SELECT id::text, type, outcome, matched_by, message_id, subscriber_id, address_hash,
              status_code, action, diagnostic, occurred_at, occurred_at::text AS cursor_ts
         FROM delivery_signals WHERE ${where}
        ORDER BY occurred_at DESC, id DESC LIMIT $3`,
      params,
    );
    const kept = rows.slice(0, limit);
    const last = kept[kept.length - 1];
    return {
      from,
      to,
      counts: counts as unknown as DeliverySignalCountsDto,
      items: kept.map((r) => ({
        id: r.id,
        type: r.type,
        outcome: r.outcome,
        matchedBy: r.matched_by,
        messageId: r.message_id,
        subscriberId: r.subscriber_id,
        addressHash: r.address_hash,
        statusCode: r.status_code,
        action: r.action,
        diagnostic: r.diagnostic,
        occurredAt: r.occurred_at,
      })),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({ createdAt: last.cursor_ts, id: last.id })
          : null,
    };
  }
}
