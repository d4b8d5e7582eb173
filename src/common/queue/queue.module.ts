import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { TidingsConfigService } from '../../config/configuration';
import { redisOptionsFromUrl } from '../redis/redis-options';
import { WorkerRunner } from './worker-runner.service';

@Global()
@Module({
  imports: [
    DiscoveryModule,
    BullModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: TidingsConfigService) => {
        const redis = config.get('redis', { infer: true });
        return {
          connection: { ...redisOptionsFromUrl(redis.url), maxRetriesPerRequest: null },
          prefix: redis.prefix,
        };
      },
    }),
  ],
  providers: [WorkerRunner],
  exports: [BullModule],
})
export class QueueModule {}
