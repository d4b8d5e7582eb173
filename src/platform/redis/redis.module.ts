import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import { TidingsConfigService } from '../config/configuration';
import { redisOptionsFromUrl } from './redis-options';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** Injects the application's general-purpose Redis client (not BullMQ's connections). */
export const InjectRedis = () => Inject(REDIS_CLIENT);

@Injectable()
class RedisCloser implements OnApplicationShutdown {
  constructor(@InjectRedis() private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * The general-purpose Redis client (BullMQ has its own connections). Imported by the few modules
 * that use Redis beyond the queues: the queue self-check, health, the public pages' rate limits.
 */
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [ConfigService],
      useFactory: (config: TidingsConfigService) => {
        const client = new Redis({
          ...redisOptionsFromUrl(config.get('redis', { infer: true }).url),
          maxRetriesPerRequest: 2,
          enableOfflineQueue: false,
          lazyConnect: false,
        });
        client.on('error', () => undefined); // surfaced by /health, not as log noise per retry
        return client;
      },
    },
    RedisCloser,
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule {}
