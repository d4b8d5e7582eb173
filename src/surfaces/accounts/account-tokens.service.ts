import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { sha256Hex } from '../../platform/crypto';

export type TokenPurpose = 'owner_setup' | 'invite' | 'password_reset';

/** How long each kind of one-time link works. */
export const TOKEN_LIFETIME_HOURS: Readonly<Record<TokenPurpose, number>> = {
  owner_setup: 24,
  invite: 72,
  password_reset: 1,
};

/**
 * One-time links (owner set-up, invite, password reset). Only a SHA-256 of the token is stored;
 * a token is used up by one atomic UPDATE, so two requests with the same link cannot both pass.
 */
@Injectable()
export class AccountTokensService {
  constructor(private readonly dataSource: DataSource) {}

  async issue(
    purpose: TokenPurpose,
    userId: string | null,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await manager.query(
      `INSERT INTO account_tokens (purpose, token_hash, user_id, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(hours => $4))`,
      [purpose, sha256Hex(token), userId, TOKEN_LIFETIME_HOURS[purpose]],
    );
    return token;
  }

  /**
   * Uses the token up. Returns its user id (null for owner set-up), or undefined when the token
   * is unknown, used, expired or for another purpose.
   */
  async consume(
    purpose: TokenPurpose,
    token: string,
    manager: EntityManager,
  ): Promise<{ userId: string | null } | undefined> {
    const rows = await manager.query<[Array<{ user_id: string | null }>, number]>(
      `UPDATE account_tokens SET used_at = now()
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
        RETURNING user_id`,
      [sha256Hex(token), purpose],
    );
    const row = rows[0]?.[0];
    return row ? { userId: row.user_id } : undefined;
  }

  /** Ends every unused link of a user of this purpose (a newer reset link replaces older ones). */
  async revokeFor(userId: string, purpose: TokenPurpose, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE account_tokens SET used_at = now()
        WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
      [userId, purpose],
    );
  }
}
