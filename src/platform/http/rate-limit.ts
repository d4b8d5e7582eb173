import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { applyDecorators, Logger, UseGuards } from '@nestjs/common';
import {
  SkipThrottle,
  ThrottlerGuard,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type { Request } from 'express';
import type Redis from 'ioredis';
import { sha256Hex } from '../crypto';
import type { TidingsConfigService } from '../config/configuration';

const MINUTE_MS = 60_000;

export const TOO_MANY_REQUESTS_MESSAGE =
  'Too many requests from your address: please wait a minute and try again';

/**
 * Counts in Redis (shared by every API process) but never takes the pages down with it: when
 * Redis does not answer, requests pass and a warning is logged.
 */
class FailOpenStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');

  constructor(private readonly inner: ThrottlerStorage) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      return await this.inner.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (err) {
      this.logger.warn({ err, throttler: throttlerName }, 'Rate limit storage unavailable');
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}

/**
 * Three named limits per client address and minute: `token` for the preference-center pages,
 * `subscribe` for the public form and `signin` for the console's sign-in and password reset.
 * Keys carry QUEUE_PREFIX so installations (and test apps) sharing one Redis never count each
 * other's requests.
 */
export function throttlerOptions(
  config: TidingsConfigService,
  redis: Redis,
): ThrottlerModuleOptions {
  const { rateLimit } = config.get('preferences', { infer: true });
  const prefix = config.get('redis', { infer: true }).prefix;
  return {
    throttlers: [
      { name: 'token', ttl: MINUTE_MS, limit: rateLimit.tokenPerMinute },
      { name: 'subscribe', ttl: MINUTE_MS, limit: rateLimit.subscribePerMinute },
      { name: 'signin', ttl: MINUTE_MS, limit: rateLimit.signInPerMinute },
    ],
    storage: new FailOpenStorage(new ThrottlerStorageRedisService(redis)),
    generateKey: (context, tracker, name) =>
      `${prefix}:throttle:${name}:${sha256Hex(`${context.getClass().name}.${context.getHandler().name}:${tracker}`)}`,
    errorMessage: TOO_MANY_REQUESTS_MESSAGE,
  };
}

/** Limits a controller or route by the `token` limit (per client address). */
export const TokenRateLimit = () =>
  applyDecorators(UseGuards(ThrottlerGuard), SkipThrottle({ subscribe: true, signin: true }));

/** Limits a route by the `subscribe` limit (per client address). */
export const SubscribeRateLimit = () =>
  applyDecorators(UseGuards(ThrottlerGuard), SkipThrottle({ token: true, signin: true }));

/** Limits a route by the `signin` limit (per client address): console sign-in and password reset. */
export const SignInRateLimit = () =>
  applyDecorators(UseGuards(ThrottlerGuard), SkipThrottle({ token: true, subscribe: true }));

/**
 * One-click unsubscribes arrive from mailbox providers' servers, many people behind one address:
 * they are counted per address and link, so a replay storm is limited but Gmail unsubscribing
 * thousands of different people is not.
 */
export const perAddressAndToken = (req: Record<string, unknown>): string => {
  const r = req as unknown as Request;
  return `${r.ip ?? 'unknown'}:${String(r.params?.token ?? '').slice(0, 120)}`;
};
