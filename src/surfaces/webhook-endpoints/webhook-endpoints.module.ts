import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '../../platform/events/events.module';
import { MetricsModule } from '../../platform/metrics/metrics.module';
import { WebhookDelivery } from './webhook-delivery.entity';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookEndpointsController } from './webhook-endpoints.controller';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookSecrets } from './webhook-secrets';
import { WebhooksOutProcessor } from './webhooks-out.processor';

/**
 * Webhooks out: the endpoints other systems register, and the deliveries of the events recorded
 * in the outbox (src/platform/events) to them, signed and retried (docs/webhooks-out.md).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookEndpoint, WebhookDelivery]),
    EventsModule,
    MetricsModule,
  ],
  providers: [WebhookSecrets, WebhookEndpointsService, WebhookDispatcher, WebhooksOutProcessor],
  controllers: [WebhookEndpointsController],
  exports: [WebhookDispatcher],
})
export class WebhookEndpointsModule {}
