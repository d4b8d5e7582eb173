import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SubscribersModule } from '../../audience/subscribers/subscribers.module';
import { SuppressionsModule } from '../../audience/suppressions/suppressions.module';
import { MetricsModule } from '../../platform/metrics/metrics.module';
import { BouncesService } from './bounces.service';
import { DeliverySignal } from './delivery-signal.entity';
import { DeliverySignalsController } from './delivery-signals.controller';
import { ComplaintsService } from './complaints.service';
import { RawBodyMiddleware } from './raw-body.middleware';
import { WebhookReport } from './webhook-report.entity';
import { WebhookReportsService } from './webhook-reports.service';
import { WebhookSecretGuard } from './webhook-secret.guard';
import { WebhooksController } from './webhooks.controller';

/** Bounce and complaint reports from MTAs, bounce mailboxes and mailbox providers' feedback loops. */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookReport, DeliverySignal]),
    SuppressionsModule,
    SubscribersModule,
    MetricsModule,
  ],
  providers: [WebhookReportsService, BouncesService, ComplaintsService, WebhookSecretGuard],
  controllers: [WebhooksController, DeliverySignalsController],
  exports: [WebhookReportsService, BouncesService, ComplaintsService],
})
export class WebhooksModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(RawBodyMiddleware)
      .forRoutes(
        { path: 'v1/webhooks/bounces', method: RequestMethod.POST },
        { path: 'v1/webhooks/complaints', method: RequestMethod.POST },
      );
  }
}
