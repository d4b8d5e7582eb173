import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { deriveKey, hmacHex } from '../../platform/crypto';
import { normaliseEmail } from '../../platform/email';
import { AppConfig } from '../../platform/config/configuration';
import { decodeCursor, encodeCursor, Page } from '../../platform/http/pagination';
import { InvalidInputError } from '../../platform/errors/domain-errors';

/** A timestamptz as PostgreSQL writes it (`created_at::text`), the form a cursor carries. */
const PG_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
import { Suppression, SuppressionReason } from './suppression.entity';

@Injectable()
export class SuppressionsService {
  private readonly key: Buffer;
  /** The HMAC key's inner and outer pads (RFC 2104), for the SQL form of the hash. */
  private readonly pads: { inner: Buffer; outer: Buffer };

  constructor(
    @InjectRepository(Suppression) private readonly repo: Repository<Suppression>,
    config: ConfigService<AppConfig, true>,
  ) {
    const secret = config.get('security', { infer: true }).secretKey;
    if (!secret)
      throw new Error('security.secretKey is not resolved; start through main.ts or worker.ts');
    this.key = deriveKey(secret, 'suppression-hash');
    const block = Buffer.alloc(64);
    this.key.copy(block);
    this.pads = {
      inner: Buffer.from(block.map((b) => b ^ 0x36)),
      outer: Buffer.from(block.map((b) => b ^ 0x5c)),
    };
  }

  /**
   * `hash()` as an SQL expression over stored (already normalised) addresses, so a report can
   * check a whole set against the suppression list in one statement: HMAC-SHA256 spelled out
   * with PostgreSQL's built-in sha256(), the key only ever passed as its two pads. `param` adds
   * a value to the caller's statement and returns its placeholder.
   */
  sqlHash(addressSql: string, param: (value: Buffer) => string): string {
    const inner = `${param(this.pads.inner)}::bytea || convert_to(${addressSql}, 'UTF8')`;
    return `encode(sha256(${param(this.pads.outer)}::bytea || sha256(${inner})), 'hex')`;
  }

  /** The keyed hash of an address (normalised first). */
  hash(email: string): string {
    return hmacHex(this.key, normaliseEmail(email));
  }

  async isSuppressed(email: string, manager?: EntityManager): Promise<boolean> {
    const repo = manager ? manager.getRepository(Suppression) : this.repo;
    return repo.exists({ where: { addressHash: this.hash(email) } });
  }

  /** Of these addresses, the normalised ones that are suppressed. */
  async suppressedAmong(emails: string[], manager?: EntityManager): Promise<Set<string>> {
    if (!emails.length) return new Set();
    const byHash = new Map(emails.map((e) => [this.hash(e), normaliseEmail(e)]));
    const repo = manager ? manager.getRepository(Suppression) : this.repo;
    const rows = await repo.find({
      select: { addressHash: true },
      where: { addressHash: In([...byHash.keys()]) },
    });
    return new Set(rows.map((r) => byHash.get(r.addressHash)!));
  }

  /** Idempotent: the first reason recorded for an address is kept. */
  async suppress(
    email: string,
    reason: SuppressionReason,
    details: Record<string, unknown> = {},
    manager?: EntityManager,
  ): Promise<void> {
    const repo = manager ? manager.getRepository(Suppression) : this.repo;
    await repo
      .createQueryBuilder()
      .insert()
      .values({
        addressHash: this.hash(email),
        reason,
        details,
      } as QueryDeepPartialEntity<Suppression>)
      .orIgnore()
      .execute();
  }

  /** Newest first, a keyset page over (created_at, address_hash); `email` narrows to one address. */
  async page(query: {
    email?: string;
    limit?: number;
    cursor?: string;
  }): Promise<Page<Suppression>> {
    const limit = query.limit ?? 50;
    const qb = this.repo
      .createQueryBuilder('s')
      .addSelect(`s.created_at::text`, 'cursor_ts')
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.address_hash', 'DESC')
      .limit(limit + 1);
    if (query.email) qb.andWhere('s.address_hash = :hash', { hash: this.hash(query.email) });
    if (query.cursor) {
      const pos = decodeCursor(query.cursor);
      if (!PG_TIME.test(pos.createdAt)) {
        throw new InvalidInputError('cursor is not a cursor this API returned', 'cursor');
      }
      qb.andWhere('(s.created_at, s.address_hash) < (:ts::timestamptz, :id)', {
        ts: pos.createdAt,
        id: pos.id,
      });
    }
    const { entities, raw } = await qb.getRawAndEntities<{ cursor_ts: string }>();
    const items = entities.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        entities.length > limit && last
          ? encodeCursor({ createdAt: raw[limit - 1].cursor_ts, id: last.addressHash })
          : null,
    };
  }
}
