import { BullModule } from '@nestjs/bullmq';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { TidingsConfigService } from '../config/configuration';
import { redisOptionsFromUrl } from '../redis/redis-options';
import { JobSchedulers } from './job-schedulers.service';
import { QueueName } from './queues';
import { QueueSelfCheck } from './queue-self-check.service';
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
    // The queues that carry job schedulers (JobSchedulers owns the list).
    BullModule.registerQueue({ name: QueueName.Dispatch }, { name: QueueName.Scheduler }),
  ],
  providers: [WorkerRunner, JobSchedulers, QueueSelfCheck],
  exports: [BullModule, QueueSelfCheck],
})
export class QueueModule {}
