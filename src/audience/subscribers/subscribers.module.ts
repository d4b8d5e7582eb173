import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../../platform/events/events.module';
import { ConsentModule } from '../consent/consent.module';
import { SuppressionsModule } from '../suppressions/suppressions.module';
import { TopicsModule } from '../topics/topics.module';
import { SubscriberImportModule } from './import/subscriber-import.module';
import { SubscriberDate } from './subscriber-date.entity';
import { Subscriber } from './subscriber.entity';
import { SubscribersController } from './subscribers.controller';
import { PersonalDataErasers } from './personal-data-erasers';
import { SubscriberStatusService } from './subscriber-status.service';
import { SubscribersService } from './subscribers.service';
import { Subscription } from './subscription.entity';
import { MessagedSinceConfirmation } from './messaged-since-confirmation';
import { SubscriptionSlots } from './subscription-slots';
import { SubscriptionsService } from './subscriptions.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Subscriber, SubscriberDate, Subscription]),
    DiscoveryModule,
    TopicsModule,
    ConsentModule,
    SuppressionsModule,
    SubscriberImportModule,
    EventsModule,
  ],
  providers: [
    SubscribersService,
    SubscriptionsService,
    PersonalDataErasers,
    SubscriberStatusService,
    SubscriptionSlots,
    MessagedSinceConfirmation,
  ],
  controllers: [SubscribersController],
  exports: [SubscribersService, SubscriptionsService, SubscriberStatusService, SubscriptionSlots],
})
export class SubscribersModule {}
