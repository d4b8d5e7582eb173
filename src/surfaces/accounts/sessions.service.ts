import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../../platform/config/configuration';
import { sha256Hex } from '../../platform/crypto';
import type { Role } from './roles';

/** Sessions end this long after sign-in, however often they are used. */
export const SESSION_MAX_DAYS = 7;

export const SESSION_COOKIE = 'tidings_session';

export interface NewSession {
  /** The cookie value; only its SHA-256 is stored. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

/** What a valid session cookie stands for. */
export interface SessionUser {
  sessionId: string;
  csrfToken: string;
  userId: string;
  email: string;
  name: string;
  role: Role;
}

/**
 * Console sessions, stored in PostgreSQL (not Redis): Redis holds queues only and may lose its
 * data (the queue is rebuilt from PostgreSQL, sessions could not be), a session is revoked by a
 * row update that every API process sees at once, and ending a user's sessions (disable, delete,
 * password reset) is one statement in the same transaction as the change.
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);
  private readonly idleHours: number;

  constructor(
    private readonly dataSource: DataSource,
    config: ConfigService<AppConfig, true>,
  ) {
    this.idleHours = config.get('accounts', { infer: true }).sessionIdleHours;
  }

  async create(userId: string): Promise<NewSession> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const rows = await this.dataSource.query<Array<{ expires_at: Date }>>(
      `INSERT INTO user_sessions (user_id, token_hash, csrf_token, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(days => $4))
       RETURNING expires_at`,
      [userId, sha256Hex(token), csrfToken, SESSION_MAX_DAYS],
    );
    return { token, csrfToken, expiresAt: rows[0].expires_at };
  }

  /** The live session of a cookie value, or null (unknown, revoked, expired, idle, user disabled). */
  async verify(token: string): Promise<SessionUser | null> {
    if (!token || token.length > 100) return null;
    const rows = await this.dataSource.query<
      Array<{
        id: string;
        csrf_token: string;
        user_id: string;
        email: string;
        name: string;
        role: Role;
      }>
    >(
      `SELECT s.id, s.csrf_token, u.id AS user_id, u.email, u.name, u.role
         FROM user_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
          AND s.last_seen_at > now() - make_interval(hours => $2)
          AND u.disabled_at IS NULL AND u.password_hash IS NOT NULL`,
      [sha256Hex(token), this.idleHours],
    );
    const row = rows[0];
    if (!row) return null;
    // At most one write a minute per session, so being signed in does not become a write load.
    void this.dataSource
      .query(
        `UPDATE user_sessions SET last_seen_at = now()
          WHERE id = $1 AND last_seen_at < now() - interval '1 minute'`,
        [row.id],
      )
      .catch((err: unknown) => this.logger.warn({ err }, 'Could not record session use'));
    return {
      sessionId: row.id,
      csrfToken: row.csrf_token,
      userId: row.user_id,
      email: row.email,
      name: row.name,
      role: row.role,
    };
  }

  async revoke(sessionId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE user_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`,
      [sessionId],
    );
  }

  /** Ends every session of a user (disabled, deleted, new password). */
  async revokeAllFor(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE user_sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId],
    );
  }
}
