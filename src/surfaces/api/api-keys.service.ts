import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { safeEqual, sha256Hex } from '../../platform/crypto';
import { InvalidInputError, NotFoundError } from '../../platform/errors/domain-errors';
import { ApiKey } from './api-key.entity';
import { isScope, SCOPES } from '../../platform/http/scopes';

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The secret, shown exactly once. */
  key: string;
}

const KEY_PATTERN = /^tdg_([a-f0-9]{12})_([A-Za-z0-9_-]{32})$/;

@Injectable()
export class ApiKeysService {
  private readonly logger = new Logger(ApiKeysService.name);

  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  async create(name: string, scopes: string[]): Promise<CreatedApiKey> {
    const trimmed = name.trim();
    if (!trimmed) throw new InvalidInputError('name must not be empty', 'name');
    const unknown = scopes.filter((s) => !isScope(s));
    if (unknown.length || !scopes.length) {
      throw new InvalidInputError(
        `scopes must be one or more of: ${SCOPES.join(', ')}` +
          (unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''),
        'scopes',
      );
    }
    const prefix = randomBytes(6).toString('hex');
    const key = `tdg_${prefix}_${randomBytes(24).toString('base64url')}`;
    const apiKey = await this.keys.save(
      this.keys.create({
        name: trimmed,
        prefix,
        secretHash: sha256Hex(key),
        scopes: [...new Set(scopes)],
      }),
    );
    return { apiKey, key };
  }

  list(): Promise<ApiKey[]> {
    return this.keys.find({ order: { createdAt: 'ASC' } });
  }

  /** A key by id, revoked or not; null when there is none. */
  find(id: string): Promise<ApiKey | null> {
    return this.keys.findOne({ where: { id } });
  }

  async revoke(id: string): Promise<ApiKey> {
    const found = await this.find(id);
    if (!found) throw new NotFoundError(`API key ${id} not found`, 'id');
    if (!found.revokedAt) {
      found.revokedAt = new Date();
      await this.keys.save(found);
    }
    return found;
  }

  /** Returns the active key for a presented secret, or null. */
  async verify(presented: string): Promise<ApiKey | null> {
    const match = KEY_PATTERN.exec(presented);
    if (!match) return null;
    const found = await this.keys.findOne({ where: { prefix: match[1], revokedAt: IsNull() } });
    if (!found || !safeEqual(found.secretHash, sha256Hex(presented))) return null;
    // At most one write a minute per key, so authentication does not become a write load.
    void this.keys
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: () => 'now()' })
      .where('id = :id', { id: found.id })
      .andWhere("(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')")
      .execute()
      .catch((err: unknown) => this.logger.warn({ err }, 'Could not record API key use'));
    return found;
  }
}
