import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import type Redis from 'ioredis';
import { REDIS_CLIENT, RedisModule } from '../../platform/redis/redis.module';
import { TokensModule } from '../../platform/tokens/tokens.module';
import type { TidingsConfigService } from '../../platform/config/configuration';
import { ConsentModule } from '../../audience/consent/consent.module';
import { DeliveryModule } from '../../messaging/delivery/delivery.module';
import { SubscribersModule } from '../../audience/subscribers/subscribers.module';
import { TopicsModule } from '../../audience/topics/topics.module';
import { PurposesModule } from '../../audience/purposes/purposes.module';
import { SignupModule } from '../../programmes/signup/signup.module';
import { UpcomingNoticesModule } from '../../programmes/upcoming-notices';
import { QuestionsModule } from '../../trust/questions/questions.module';
import { DataExportService } from './data-export.service';
import { FreshLinkService } from './fresh-link.service';
import { LinkPageFilter, PrivatePageHeaders } from './link-page.filter';
import { LinkFormGuard, LinkSecurity } from './link-security';
import { PageFrame } from './page-frame';
import { PreferencesController } from './preferences.controller';
import { PreferencesService } from './preferences.service';
import { throttlerOptions } from '../../platform/http/rate-limit';
import {
  SubscribeFormController,
  SubscribeFormErrors,
  SubscribeFormFraming,
} from './subscribe-form.controller';
import { SubscriberSupportController } from './subscriber-support.controller';
import { UnsubscribeController } from './unsubscribe.controller';
import { UnsubscribeService } from './unsubscribe.service';

/**
 * The subscriber's side: the preference center (/p/), one-click unsubscribe (/u/), the public
 * subscribe form (GET and POST /subscribe) and the rate limits of these public endpoints.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RedisModule],
      inject: [ConfigService, REDIS_CLIENT],
      useFactory: (config: TidingsConfigService, redis: Redis) => throttlerOptions(config, redis),
    }),
    ConsentModule,
    DeliveryModule,
    QuestionsModule,
    PurposesModule,
    SignupModule,
    SubscribersModule,
    TokensModule,
    TopicsModule,
    UpcomingNoticesModule,
  ],
  providers: [
    PageFrame,
    LinkSecurity,
    LinkFormGuard,
    LinkPageFilter,
    PrivatePageHeaders,
    PreferencesService,
    SubscribeFormErrors,
    UnsubscribeService,
    DataExportService,
    FreshLinkService,
  ],
  controllers: [
    PreferencesController,
    UnsubscribeController,
    SubscribeFormController,
    SubscriberSupportController,
  ],
  exports: [UnsubscribeService],
})
export class PreferenceCenterModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(SubscribeFormFraming)
      .forRoutes({ path: 'subscribe', method: RequestMethod.ALL });
  }
}
