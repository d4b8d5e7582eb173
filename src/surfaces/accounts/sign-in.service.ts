import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type Redis from 'ioredis';
import type { AppConfig } from '../../platform/config/configuration';
import { sha256Hex } from '../../platform/crypto';
import { normaliseEmail } from '../../platform/email';
import { TooManyRequestsError, UnauthorizedError } from '../../platform/errors/domain-errors';
import { InjectRedis } from '../../platform/redis/redis.module';
import { AccountsService } from './accounts.service';
import { verifyPassword } from './passwords';
import { NewSession, SessionsService } from './sessions.service';
import type { User } from './user';

/** Wrong passwords are counted per account over this window. */
export const FAILURE_WINDOW_SECONDS = 15 * 60;

export class SignInRefused extends TooManyRequestsError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'Too many wrong passwords for this account: try again later or reset the password',
      'email',
      'too_many_attempts',
    );
  }
}

/**
 * Sign-in with email and password. Per client address, `@SignInRateLimit()` (the `signin`
 * throttler) limits requests; per account, wrong passwords are counted in Redis and, at
 * SIGN_IN_MAX_FAILURES within 15 minutes, sign-in is refused (429) until the window ends, right
 * password or not. The key is a hash of the address, never the address.
 */
@Injectable()
export class SignInService {
  private readonly logger = new Logger(SignInService.name);
  private readonly maxFailures: number;
  private readonly prefix: string;

  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: SessionsService,
    @InjectRedis() private readonly redis: Redis,
    config: ConfigService<AppConfig, true>,
  ) {
    this.maxFailures = config.get('accounts', { infer: true }).maxSignInFailures;
    this.prefix = config.get('redis', { infer: true }).prefix;
  }

  async signIn(email: string, password: string): Promise<{ user: User; session: NewSession }> {
    const key = `${this.prefix}:signin-failures:${sha256Hex(normaliseEmail(email))}`;
    const failures = await this.failures(key);
    if (failures >= this.maxFailures) {
      const ttl = await this.redis.ttl(key).catch(() => FAILURE_WINDOW_SECONDS);
      throw new SignInRefused(ttl > 0 ? ttl : FAILURE_WINDOW_SECONDS);
    }
    const found = await this.accounts.credentials(email);
    const ok = await verifyPassword(found?.passwordHash ?? null, password);
    if (!found || !ok) {
      await this.countFailure(key);
      throw new UnauthorizedError('Wrong email or password', undefined, 'sign_in_failed');
    }
    await this.redis.del(key).catch(() => undefined);
    await this.accounts.markSignedIn(found.id);
    const session = await this.sessions.create(found.id);
    this.logger.log({ userId: found.id }, 'Signed in');
    return { user: await this.accounts.get(found.id), session };
  }

  private async failures(key: string): Promise<number> {
    try {
      return Number((await this.redis.get(key)) ?? 0);
    } catch (err) {
      this.logger.warn({ err }, 'Sign-in failure count unavailable');
      return 0;
    }
  }

  private async countFailure(key: string): Promise<void> {
    try {
      await this.redis.multi().incr(key).expire(key, FAILURE_WINDOW_SECONDS, 'NX').exec();
    } catch (err) {
      this.logger.warn({ err }, 'Could not count a failed sign-in');
    }
  }
}
