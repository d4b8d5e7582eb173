import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AdminModule } from './admin/admin.module';
import { AlertsModule } from './alerts/alerts.module';
import { AuthModule } from './auth/auth.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { ClockModule } from './common/clock.module';
import { UpcomingNoticesModule } from './common/upcoming-notices';
import { LoggingModule } from './common/logging/logging.module';
import { QueueModule } from './common/queue/queue.module';
import { RedisModule } from './common/redis/redis.module';
import { AppConfig } from './config/configuration';
import { ConsentModule } from './consent/consent.module';
import { ContentModule } from './content/content.module';
import { DeliveryModule } from './delivery/delivery.module';
import { DatabaseModule } from './database/database.module';
import { FeedbackModule } from './feedback/feedback.module';
import { DigestsModule } from './digests/digests.module';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MetricsModule } from './metrics/metrics.module';
import { PreferenceCenterModule } from './preference-center/preference-center.module';
import { SchedulerModule } from './scheduler/scheduler.module';
import { SignupModule } from './signup/signup.module';
import { RenderingModule } from './rendering/rendering.module';
import { ReportsModule } from './reports/reports.module';
import { SubscribersModule } from './subscribers/subscribers.module';
import { SuppressionsModule } from './suppressions/suppressions.module';
import { TokensModule } from './tokens/tokens.module';
import { TopicsModule } from './topics/topics.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WatchdogModule } from './watchdog/watchdog.module';

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
        UpcomingNoticesModule,
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
