import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { TidingsConfigService } from '../config/configuration';
import { RedisModule } from '../redis/redis.module';
import { redisOptionsFromUrl } from '../redis/redis-options';
import { JobSchedulers } from './job-schedulers.service';
import { QueueName } from './queues';
import { QueueSelfCheck } from './queue-self-check.service';
import { WorkerRunner } from './worker-runner.service';

/**
 * BullMQ's connection for every queue (BullModule.forRoot is global by @nestjs/bullmq's design, so
 * feature modules register their queues with BullModule.registerQueue), the workers, the job
 * schedulers and the queue self-check. Health imports it for the self-check's report.
 */
@Module({
  imports: [
    DiscoveryModule,
    RedisModule,
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
    BullModule.registerQueue(
      { name: QueueName.Dispatch },
      { name: QueueName.Scheduler },
      { name: QueueName.Webhooks },
    ),
  ],
  providers: [WorkerRunner, JobSchedulers, QueueSelfCheck],
  exports: [QueueSelfCheck],
})
export class QueueModule {}
