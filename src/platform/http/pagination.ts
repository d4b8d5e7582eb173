import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import type { SelectQueryBuilder } from 'typeorm';
import { InvalidInputError } from '../errors/domain-errors';

export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page (`nextCursor`)' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/** Keyset cursor over (created_at, id): stable under inserts, index-backed at any depth. */
export interface KeysetPosition {
  createdAt: string;
  id: string;
}

export function encodeCursor(pos: KeysetPosition): string {
  return Buffer.from(JSON.stringify([pos.createdAt, pos.id])).toString('base64url');
}

export function decodeCursor(cursor: string): KeysetPosition {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      unknown,
      unknown,
    ];
    if (
      typeof createdAt !== 'string' ||
      typeof id !== 'string' ||
      Number.isNaN(Date.parse(createdAt))
    ) {
      throw new Error('bad cursor');
    }
    return { createdAt, id };
  } catch {
    throw new InvalidInputError('cursor is not a cursor this API returned', 'cursor');
  }
}

/**
 * Runs a query one keyset page at a time over (created_at, id) of `alias`: adds the order, the
 * limit (one extra row tells whether there is a next page) and the cursor condition, which an index
 * on (created_at, id) serves at any depth.
 */
export async function fetchKeysetPage<E extends { id: string }, R extends object = object>(
  qb: SelectQueryBuilder<E>,
  alias: string,
  page: PageQueryDto,
  direction: 'ASC' | 'DESC' = 'ASC',
): Promise<{ entities: E[]; raw: R[]; nextCursor: string | null }> {
  const limit = page.limit ?? 50;
  qb.addSelect(`${alias}.created_at::text`, 'cursor_ts')
    .orderBy(`${alias}.created_at`, direction)
    .addOrderBy(`${alias}.id`, direction)
    .limit(limit + 1);
  if (page.cursor) {
    const pos = decodeCursor(page.cursor);
    qb.andWhere(
      `(${alias}.created_at, ${alias}.id) ${direction === 'ASC' ? '>' : '<'} (:cursorTs::timestamptz, :cursorId::uuid)`,
      { cursorTs: pos.createdAt, cursorId: pos.id },
    );
  }
  const { entities, raw } = await qb.getRawAndEntities();
  const rows = raw as Array<R & { cursor_ts: string }>;
  const kept = entities.slice(0, limit);
  const last = kept[kept.length - 1];
  return {
    entities: kept,
    raw: rows.slice(0, limit),
    nextCursor:
      entities.length > limit && last
        ? encodeCursor({ createdAt: rows[limit - 1].cursor_ts, id: last.id })
        : null,
  };
}
