import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AdminModule } from './surfaces/admin/admin.module';
import { AlertsModule } from './messaging/alerts/alerts.module';
import { AuthModule } from './surfaces/api/auth.module';
import { CampaignsModule } from './programmes/campaigns/campaigns.module';
import { ClockModule } from './platform/clock.module';
import { LoggingModule } from './platform/logging/logging.module';
import { QueueModule } from './platform/queue/queue.module';
import { RedisModule } from './platform/redis/redis.module';
import { AppConfig } from './platform/config/configuration';
import { ConsentModule } from './audience/consent/consent.module';
import { ContentModule } from './programmes/content/content.module';
import { DeliveryModule } from './messaging/delivery/delivery.module';
import { DatabaseModule } from './platform/database/database.module';
import { FeedbackModule } from './trust/feedback/feedback.module';
import { DigestsModule } from './programmes/cadence/digests.module';
import { HealthModule } from './platform/health/health.module';
import { LifecycleModule } from './programmes/lifecycle/lifecycle.module';
import { MetricsModule } from './platform/metrics/metrics.module';
import { PreferenceCenterModule } from './surfaces/preference-center/preference-center.module';
import { SchedulerModule } from './platform/scheduler/scheduler.module';
import { SignupModule } from './programmes/signup/signup.module';
import { RenderingModule } from './messaging/rendering/rendering.module';
import { ReportsModule } from './trust/reports/reports.module';
import { SubscribersModule } from './audience/subscribers/subscribers.module';
import { SuppressionsModule } from './audience/suppressions/suppressions.module';
import { TokensModule } from './platform/tokens/tokens.module';
import { TopicsModule } from './audience/topics/topics.module';
import { WebhooksModule } from './surfaces/webhooks/webhooks.module';
import { WatchdogModule } from './programmes/watchdog/watchdog.module';

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
        ClockModule,
        DatabaseModule,
        RedisModule,
        QueueModule,
        MetricsModule,
        SchedulerModule,
        HealthModule,
        AuthModule,
        TokensModule,
        SuppressionsModule,
        ConsentModule,
        TopicsModule,
        SubscribersModule,
        DeliveryModule,
        SignupModule,
        AlertsModule,
        RenderingModule,
        PreferenceCenterModule,
        FeedbackModule,
        WebhooksModule,
        ReportsModule,
        // The dashboard and Bull Board mount Express routes: HTTP processes only.
        ...(config.app.role === 'api' ? [AdminModule] : []),
        LifecycleModule,
        ContentModule,
        DigestsModule,
        CampaignsModule,
        WatchdogModule,
      ],
    };
  }
}
