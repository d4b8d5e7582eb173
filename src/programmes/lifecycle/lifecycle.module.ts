import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AlertsModule } from '../../messaging/alerts/alerts.module';
import { DeliveryModule } from '../../messaging/delivery/delivery.module';
import { RenderingModule } from '../../messaging/rendering/rendering.module';
import { SubscribersModule } from '../../audience/subscribers/subscribers.module';
import { TopicsModule } from '../../audience/topics/topics.module';
import { PurposesModule } from '../../audience/purposes/purposes.module';
import { AttributeTriggerService } from './attribute-trigger.service';
import { DataConsentCheck } from './data-consent.check';
import { DeadlinesService } from './deadlines.service';
import { DueScanService } from './due-scan.service';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';
import { LifecycleErasure } from './lifecycle-erasure';
import { LifecycleRule } from './lifecycle-rule.entity';
import { LifecycleRulesController } from './lifecycle-rules.controller';
import { LifecycleRulesService } from './lifecycle-rules.service';
import { LifecycleScheduler } from './lifecycle-scheduler';
import { NoticeWriter } from './notice-writer';
import { TimeZones } from './time-zones.service';
import { LifecycleUpcomingNotices } from './upcoming-notices.provider';

/**
 * The lifecycle engine: rules, events, the scheduler's notice scans, deadlines and apologies.
 * See docs/lifecycle.md.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([LifecycleRule]),
    AlertsModule,
    DeliveryModule,
    RenderingModule,
    SubscribersModule,
    TopicsModule,
    PurposesModule,
  ],
  providers: [
    TimeZones,
    NoticeWriter,
    DeadlinesService,
    DueScanService,
    AttributeTriggerService,
    LifecycleScheduler,
    LifecycleRulesService,
    EventsService,
    LifecycleUpcomingNotices,
    LifecycleErasure,
    DataConsentCheck,
  ],
  controllers: [LifecycleRulesController, EventsController],
  exports: [LifecycleRulesService, DeadlinesService],
})
export class LifecycleModule {}
