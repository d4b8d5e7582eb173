import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import type { TidingsConfigService } from '../../platform/config/configuration';
import { InjectRedis } from '../../platform/redis/redis.module';
import { RenderingService } from './rendering.service';

/**
 * Tells every process right after a publish (Redis pub/sub), so each loads the new version at
 * once instead of at its next delivery batch or 5-second check. A lost message costs only that
 * wait: the per-batch check is what delivery relies on.
 */
@Injectable()
export class TemplateNudge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TemplateNudge');
  private readonly channel: string;
  private subscriber?: Redis;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    private readonly rendering: RenderingService,
    @Inject(ConfigService) config: TidingsConfigService,
  ) {
    this.channel = `${config.get('redis', { infer: true }).prefix}:templates:published`;
  }

  async onApplicationBootstrap(): Promise<void> {
    const subscriber = this.redis.duplicate({ enableOfflineQueue: true, lazyConnect: false });
    subscriber.on('error', () => undefined);
    subscriber.on('message', () => {
      this.rendering.refresh().catch((err: unknown) => {
        this.logger.warn({ err }, 'Loading a published template version failed');
      });
    });
    this.subscriber = subscriber;
    await subscriber.subscribe(this.channel).catch((err: unknown) => {
      this.logger.warn({ err }, 'Not subscribed to template publications; checking every 5 s');
    });
  }

  async published(key: string): Promise<void> {
    await this.redis.publish(this.channel, key).catch((err: unknown) => {
      this.logger.warn({ err, template: key }, 'Other processes not nudged; they check within 5 s');
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
