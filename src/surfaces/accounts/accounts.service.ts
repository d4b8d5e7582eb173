import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import {
  ConflictError,
  ForbiddenError,
  GoneError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
} from '../../platform/errors/domain-errors';
import { normaliseEmail } from '../../platform/email';
import { AccountMail } from './account-mail';
import { AccountTokensService, TokenPurpose } from './account-tokens.service';
import { Actor, ActivityService } from './activity.service';
import {
  hashPassword,
  verifyPassword,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
} from './passwords';
import { ConsoleLocale, mayManage, Role } from './roles';
import { SessionsService } from './sessions.service';
import { toUser, User, USER_COLUMNS, UserRow } from './user';

/** Who asks for a change to users: a signed-in user (with their role) or an admin API key. */
export interface UserManager {
  actor: Actor;
  role: Role | 'api_key_admin';
}

const LINK_REFUSED = 'This link is unknown, was already used or has expired';

/** Users, their one-time links and what changes them. Sign-in is SignInService's. */
@Injectable()
export class AccountsService {
  private readonly logger = new Logger(AccountsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: AccountTokensService,
    private readonly sessions: SessionsService,
    private readonly mail: AccountMail,
    private readonly activity: ActivityService,
  ) {}

  async count(): Promise<number> {
    const rows = await this.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM users`,
    );
    return rows[0].n;
  }

  async list(): Promise<User[]> {
    const rows = await this.dataSource.query<UserRow[]>(
      `SELECT ${USER_COLUMNS} FROM users ORDER BY created_at, id`,
    );
    return rows.map(toUser);
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<User> {
    const rows = await manager.query<UserRow[]>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [
      id,
    ]);
    if (!rows[0]) throw new NotFoundError(`User ${id} not found`, 'id');
    return toUser(rows[0]);
  }

  /** The password hash of an enabled user with this address (for sign-in), or undefined. */
  async credentials(
    email: string,
  ): Promise<{ id: string; passwordHash: string | null } | undefined> {
    const rows = await this.dataSource.query<Array<{ id: string; password_hash: string | null }>>(
      `SELECT id, password_hash FROM users WHERE email = $1 AND disabled_at IS NULL`,
      [normaliseEmail(email)],
    );
    return rows[0] ? { id: rows[0].id, passwordHash: rows[0].password_hash } : undefined;
  }

  async markSignedIn(id: string): Promise<void> {
    await this.dataSource.query(`UPDATE users SET last_sign_in_at = now() WHERE id = $1`, [id]);
  }

  /** A new owner set-up link; only while no owner exists. */
  issueOwnerSetup(): Promise<string> {
    return this.tokens.issue('owner_setup', null);
  }

  ownerSetupLink(token: string): string {
    return this.mail.link('owner_setup', token);
  }

  /** Creates the first owner with a set-up link; the link and every later use are refused. */
  async createOwner(input: {
    token: string;
    email: string;
    name: string;
    password: string;
    locale: ConsoleLocale;
  }): Promise<User> {
    checkPassword(input.password);
    const passwordHash = await hashPassword(input.password);
    return this.dataSource.transaction(async (m) => {
      // One owner set-up at a time: two links used at once must not make two first owners.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('tidings:owner-setup'))`);
      await this.consume('owner_setup', input.token, m);
      const owners = await m.query<[]>(`SELECT 1 FROM users WHERE role = 'owner' LIMIT 1`);
      if (owners.length) {
        throw new ConflictError('An owner exists already; ask them for an invite', 'token');
      }
      const rows = await m.query<UserRow[]>(
        `INSERT INTO users (email, name, role, password_hash, locale)
         VALUES ($1, $2, 'owner', $3, $4) RETURNING ${USER_COLUMNS}`,
        [normaliseEmail(input.email), input.name.trim(), passwordHash, input.locale],
      );
      const user = toUser(rows[0]);
      await this.activity.record(
        { type: 'user', id: user.id, name: user.email },
        'user.owner_created',
        { type: 'user', id: user.id },
        {},
        m,
      );
      return user;
    });
  }

  /** Invites someone by email: the user exists at once (without a password) and gets a link. */
  async invite(
    by: UserManager,
    input: { email: string; name: string; role: Role; locale: ConsoleLocale },
  ): Promise<User> {
    if (!mayManage(by.role, input.role)) {
      throw new ForbiddenError(
        `Only an owner may invite an ${input.role}`,
        'role',
        'role_not_allowed',
      );
    }
    const email = normaliseEmail(input.email);
    return this.dataSource.transaction(async (m) => {
      const existing = await m.query<[]>(`SELECT 1 FROM users WHERE email = $1`, [email]);
      if (existing.length) throw new ConflictError('A user with this email exists', 'email');
      const rows = await m.query<UserRow[]>(
        `INSERT INTO users (email, name, role, locale, invited_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING ${USER_COLUMNS}`,
        [
          email,
          input.name.trim(),
          input.role,
          input.locale,
          by.actor.type === 'user' ? by.actor.id : null,
        ],
      );
      const user = toUser(rows[0]);
      const token = await this.tokens.issue('invite', user.id, m);
      await this.activity.record(
        by.actor,
        'user.invited',
        { type: 'user', id: user.id },
        { role: user.role },
        m,
      );
      // Last, inside the transaction: when the email cannot be sent, the invite is not made.
      await this.mail.send('invite', user, token, {
        inviter: by.actor.type === 'user' ? by.actor.name : undefined,
        role: user.role,
      });
      return user;
    });
  }

  /** An invited user sets their password with the invite link. */
  async acceptInvite(input: { token: string; password: string; name?: string }): Promise<User> {
    checkPassword(input.password);
    const passwordHash = await hashPassword(input.password);
    return this.dataSource.transaction(async (m) => {
      const userId = await this.consume('invite', input.token, m);
      await m.query(
        `UPDATE users SET password_hash = $2, name = COALESCE($3, name) WHERE id = $1`,
        [userId, passwordHash, input.name?.trim() || null],
      );
      return this.get(userId, m);
    });
  }

  /**
   * Sends a reset link when an enabled user with a password has this address; otherwise does
   * nothing. The caller answers the same either way.
   */
  async requestPasswordReset(email: string): Promise<void> {
    const rows = await this.dataSource.query<UserRow[]>(
      `SELECT ${USER_COLUMNS} FROM users
        WHERE email = $1 AND disabled_at IS NULL AND password_hash IS NOT NULL`,
      [normaliseEmail(email)],
    );
    if (!rows[0]) return;
    const user = toUser(rows[0]);
    const token = await this.dataSource.transaction(async (m) => {
      await this.tokens.revokeFor(user.id, 'password_reset', m);
      return this.tokens.issue('password_reset', user.id, m);
    });
    // Not awaited: the answer must not take longer when the account exists.
    void this.mail
      .send('password_reset', user, token)
      .catch((err: unknown) =>
        this.logger.warn({ err, userId: user.id }, 'Could not send a password-reset email'),
      );
  }

  /** Sets a new password with a reset link; every session of the user ends. */
  async confirmPasswordReset(input: { token: string; password: string }): Promise<void> {
    checkPassword(input.password);
    const passwordHash = await hashPassword(input.password);
    await this.dataSource.transaction(async (m) => {
      const userId = await this.consume('password_reset', input.token, m);
      await m.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [userId, passwordHash]);
      await this.sessions.revokeAllFor(userId, m);
    });
  }

  async update(
    by: UserManager,
    id: string,
    change: { role?: Role; disabled?: boolean; name?: string; locale?: ConsoleLocale },
  ): Promise<User> {
    return this.dataSource.transaction(async (m) => {
      const user = await this.lockForChange(by, id, m);
      if (change.role && change.role !== user.role) {
        if (!mayManage(by.role, change.role)) {
          throw new ForbiddenError(
            `Only an owner may make someone ${change.role}`,
            'role',
            'role_not_allowed',
          );
        }
        if (user.role === 'owner') await this.keepAnOwner(user.id, m);
        await m.query(`UPDATE users SET role = $2 WHERE id = $1`, [id, change.role]);
        await this.activity.record(
          by.actor,
          'user.role_changed',
          { type: 'user', id },
          { from: user.role, to: change.role },
          m,
        );
      }
      if (change.disabled !== undefined && change.disabled !== !!user.disabledAt) {
        if (change.disabled) {
          if (by.actor.type === 'user' && by.actor.id === id) {
            throw new RuleViolationError('You cannot disable yourself', 'disabled', 'self');
          }
          if (user.role === 'owner') await this.keepAnOwner(user.id, m);
          await m.query(`UPDATE users SET disabled_at = now() WHERE id = $1`, [id]);
          await this.sessions.revokeAllFor(id, m);
        } else {
          await m.query(`UPDATE users SET disabled_at = NULL WHERE id = $1`, [id]);
        }
        await this.activity.record(
          by.actor,
          change.disabled ? 'user.disabled' : 'user.enabled',
          { type: 'user', id },
          {},
          m,
        );
      }
      if (change.name !== undefined || change.locale !== undefined) {
        await m.query(
          `UPDATE users SET name = COALESCE($2, name), locale = COALESCE($3, locale) WHERE id = $1`,
          [id, change.name?.trim() ?? null, change.locale ?? null],
        );
      }
      return this.get(id, m);
    });
  }

  /** A signed-in user changes their own name or language (no role needed). */
  async updateSelf(id: string, change: { name?: string; locale?: ConsoleLocale }): Promise<User> {
    await this.dataSource.query(
      `UPDATE users SET name = COALESCE($2, name), locale = COALESCE($3, locale) WHERE id = $1`,
      [id, change.name?.trim() || null, change.locale ?? null],
    );
    return this.get(id);
  }

  /**
   * A signed-in user changes their own password, giving the current one. Every other session
   * of theirs ends; the one making the change stays.
   */
  async changeOwnPassword(
    id: string,
    keepSession: string,
    input: { currentPassword: string; password: string },
  ): Promise<void> {
    checkPassword(input.password);
    const rows = await this.dataSource.query<Array<{ password_hash: string | null }>>(
      `SELECT password_hash FROM users WHERE id = $1`,
      [id],
    );
    if (!(await verifyPassword(rows[0]?.password_hash ?? null, input.currentPassword))) {
      throw new InvalidInputError(
        'currentPassword is not your current password',
        'currentPassword',
        'wrong_password',
      );
    }
    const passwordHash = await hashPassword(input.password);
    await this.dataSource.transaction(async (m) => {
      await m.query(`UPDATE users SET password_hash = $2 WHERE id = $1`, [id, passwordHash]);
      await m.query(
        `UPDATE user_sessions SET revoked_at = now()
          WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL`,
        [id, keepSession],
      );
      const user = await this.get(id, m);
      await this.activity.record(
        { type: 'user', id, name: user.email },
        'user.password_changed',
        { type: 'user', id },
        {},
        m,
      );
    });
  }

  async remove(by: UserManager, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const user = await this.lockForChange(by, id, m);
      if (by.actor.type === 'user' && by.actor.id === id) {
        throw new RuleViolationError('You cannot delete yourself', 'id', 'self');
      }
      if (user.role === 'owner') await this.keepAnOwner(user.id, m);
      await m.query(`DELETE FROM users WHERE id = $1`, [id]);
      await this.activity.record(by.actor, 'user.deleted', { type: 'user', id }, {}, m);
    });
  }

  /** The user, locked; an admin may change only users below admin. */
  private async lockForChange(by: UserManager, id: string, m: EntityManager): Promise<User> {
    const rows = await m.query<UserRow[]>(
      `SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!rows[0]) throw new NotFoundError(`User ${id} not found`, 'id');
    const user = toUser(rows[0]);
    if (!mayManage(by.role, user.role)) {
      throw new ForbiddenError(
        `Only an owner may change an ${user.role}`,
        'id',
        'role_not_allowed',
      );
    }
    return user;
  }

  /** Refuses a change that would leave no enabled owner. */
  private async keepAnOwner(leaving: string, m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('tidings:owners'))`);
    const others = await m.query<[]>(
      `SELECT 1 FROM users WHERE role = 'owner' AND disabled_at IS NULL AND id <> $1 LIMIT 1`,
      [leaving],
    );
    if (!others.length) {
      throw new RuleViolationError('There must always be an enabled owner', 'role', 'last_owner');
    }
  }

  private async consume(purpose: TokenPurpose, token: string, m: EntityManager): Promise<string> {
    const used = await this.tokens.consume(purpose, token, m);
    if (!used) throw new GoneError(LINK_REFUSED, 'token', 'link_refused');
    return used.userId as string;
  }
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new InvalidInputError(
      `password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
      'password',
    );
  }
}
