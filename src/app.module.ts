import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuthModule } from './auth/auth.module';
import { LoggingModule } from './common/logging/logging.module';
import { QueueModule } from './common/queue/queue.module';
import { RedisModule } from './common/redis/redis.module';
import { AppConfig } from './config/configuration';
import { ConsentModule } from './consent/consent.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { RenderingModule } from './rendering/rendering.module';
import { SubscribersModule } from './subscribers/subscribers.module';
import { SuppressionsModule } from './suppressions/suppressions.module';
import { TopicsModule } from './topics/topics.module';

@Module({})
export class AppModule {
  /**
   * The whole application for a resolved configuration (see infrastructure.ts): main.ts serves
   * it over HTTP, worker.ts runs it without HTTP, tests boot it against their own database.
   */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
        LoggingModule,
        DatabaseModule,
        RedisModule,
        QueueModule,
        MetricsModule,
        HealthModule,
        AuthModule,
        SuppressionsModule,
        ConsentModule,
        TopicsModule,
        SubscribersModule,
        RenderingModule,
      ],
    };
  }
}
