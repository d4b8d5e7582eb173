import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { QueueName } from '../../platform/queue/queues';
import { AppConfig } from '../../platform/config/configuration';
import { RenderingModule } from '../rendering/rendering.module';
import { SubscribersModule } from '../../audience/subscribers/subscribers.module';
import { SuppressionsModule } from '../../audience/suppressions/suppressions.module';
import { MetricsModule } from '../../platform/metrics/metrics.module';
import { TokensModule } from '../../platform/tokens/tokens.module';
import { DeliveryChannels } from './channels';
import { ComposeThreads } from './compose-threads';
import { DeliveryLease } from './delivery-lease';
import { DeliveryProcessor } from './delivery.processor';
import { DispatchProcessor } from './dispatch.processor';
import { HandOverService } from './hand-over';
import { LedgerRowsAfterRedisLoss } from './ledger-rows-after-redis-loss';
import { DELIVERY_QUEUE_OPTIONS, LedgerService } from './ledger.service';
import { createMailTransport, MAIL_TRANSPORT } from './mail-transport';
import { MessageComposer } from './message-composer';
import { MessagesController } from './messages.controller';
import { MessagesService } from './messages.service';
import { OutboundMessage } from './outbound-message.entity';
import { SendAdmission } from './send-admission';
import { SendChecks } from './send-checks';
import { SendDataErasure } from './send-erasure';
import { TestSendController } from './test-send.controller';

@Module({
  imports: [
    TypeOrmModule.forFeature([OutboundMessage]),
    BullModule.registerQueue({ name: QueueName.Delivery, ...DELIVERY_QUEUE_OPTIONS }),
    DiscoveryModule,
    MetricsModule,
    RenderingModule,
    SuppressionsModule,
    TokensModule,
    SubscribersModule,
  ],
  providers: [
    // Email's transport (@DeliversChannel('email')): SMTP, or the outbox without SMTP_URL. Alerts
    // and test sends use it directly; DeliveryChannels closes it at shutdown, after the workers.
    {
      provide: MAIL_TRANSPORT,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfig, true>) =>
        createMailTransport(
          config.get('mail', { infer: true }),
          config.get('app', { infer: true }).dataDir,
        ),
    },
    DeliveryChannels,
    LedgerService,
    MessageComposer,
    ComposeThreads,
    DeliveryLease,
    HandOverService,
    SendChecks,
    SendAdmission,
    SendDataErasure,
    MessagesService,
    DeliveryProcessor,
    DispatchProcessor,
    LedgerRowsAfterRedisLoss,
  ],
  controllers: [MessagesController, TestSendController],
  exports: [
    LedgerService,
    MessagesService,
    MessageComposer,
    SendAdmission,
    DeliveryLease,
    MAIL_TRANSPORT,
  ],
})
export class DeliveryModule {}
