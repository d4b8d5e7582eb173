import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EventsModule } from '../../platform/events/events.module';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueName } from '../../platform/queue/queues';
import { AlertsModule } from '../../messaging/alerts/alerts.module';
import { ContentModule } from '../content/content.module';
import { DeliveryModule } from '../../messaging/delivery/delivery.module';
import { DELIVERY_QUEUE_OPTIONS } from '../../messaging/delivery/ledger.service';
import { DigestsModule } from '../cadence/digests.module';
import { RenderingModule } from '../../messaging/rendering/rendering.module';
import { SubscribersModule } from '../../audience/subscribers/subscribers.module';
import { TopicsModule } from '../../audience/topics/topics.module';
import { PurposesModule } from '../../audience/purposes/purposes.module';
import { SuppressionsModule } from '../../audience/suppressions/suppressions.module';
import { CampaignContentPreparer } from './campaign-content.preparer';
import { Campaign } from './campaign.entity';
import { CampaignDecisions } from './campaign-decisions';
import { CampaignFanout } from './campaign-fanout.service';
import { CampaignForecast } from './campaign-forecast.service';
import { CampaignRecovery } from './campaign-recovery.service';
import { CampaignsAfterRedisLoss } from './campaigns-after-redis-loss';
import { CampaignsController } from './campaigns.controller';
import { CampaignsProcessor } from './campaigns.processor';
import { CampaignsService } from './campaigns.service';
import { HelpfulVotes } from './helpful-votes';
import { ScheduledCampaigns } from './scheduled-campaigns';

@Module({
  imports: [
    TypeOrmModule.forFeature([Campaign]),
    BullModule.registerQueue(
      { name: QueueName.Campaigns },
      { name: QueueName.Delivery, ...DELIVERY_QUEUE_OPTIONS },
    ),
    AlertsModule,
    DiscoveryModule,
    DeliveryModule,
    ContentModule,
    DigestsModule,
    RenderingModule,
    SubscribersModule,
    TopicsModule,
    PurposesModule,
    SuppressionsModule,
    EventsModule,
  ],
  providers: [
    CampaignsService,
    CampaignDecisions,
    CampaignFanout,
    CampaignForecast,
    CampaignRecovery,
    CampaignsProcessor,
    CampaignContentPreparer,
    CampaignsAfterRedisLoss,
    HelpfulVotes,
    ScheduledCampaigns,
  ],
  controllers: [CampaignsController],
  exports: [CampaignsService, ScheduledCampaigns],
})
export class CampaignsModule {}
