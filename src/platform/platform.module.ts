/**
 * Platform: the infrastructure every context stands on. Owns the clock, the database connection
 * and migrations, Redis, the queues and their self-check, the scheduler tick, metrics, health,
 * signed link tokens, logging, and the HTTP plumbing (errors, validation, request input, route
 * metadata). Its only table is TypeORM's migration record.
 *
 * May use: nothing else in src/. Higher contexts plug into it through its extension points
 * (@OnSchedulerTick, @OnRedisLoss).
 */
import { Module } from '@nestjs/common';
import { ClockModule } from './clock.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LocalesCheck } from './locales-check';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { QueueModule } from './queue/queue.module';
import { RedisModule } from './redis/redis.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { TokensModule } from './tokens/tokens.module';

@Module({
  imports: [
    LoggingModule,
    ClockModule,
    DatabaseModule,
    RedisModule,
    QueueModule,
    MetricsModule,
    SchedulerModule,
    HealthModule,
    TokensModule,
  ],
  providers: [LocalesCheck],
})
export class PlatformModule {}
