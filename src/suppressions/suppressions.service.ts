import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, In, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { deriveKey, hmacHex } from '../common/crypto';
import { normaliseEmail } from '../common/email';
import { AppConfig } from '../config/configuration';
import { Suppression, SuppressionReason } from './suppression.entity';

@Injectable()
export class SuppressionsService {
  private readonly key: Buffer;

  constructor(
    @InjectRepository(Suppression) private readonly repo: Repository<Suppression>,
    config: ConfigService<AppConfig, true>,
  ) {
    const secret = config.get('security', { infer: true }).secretKey;
    if (!secret)
      throw new Error('security.secretKey is not resolved; start through main.ts or worker.ts');
    this.key = deriveKey(secret, 'suppression-hash');
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
}
