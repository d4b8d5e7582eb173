/**
 * Messaging: turning a decided message into a delivered one. Owns the send ledger
 * (`outbound_messages`) and its only door, LedgerService (delivery), the send-time checks, the
 * transports, rendering of templates, the marketer's alerts, and `POST /v1/sends` (sends).
 *
 * May use: platform, audience. Programmes hand it what to send; they plug into it through
 * @SendCheck, @PreparesMessages and @ContributesLinks instead of being imported by it.
 */
import { Module } from '@nestjs/common';
import { AlertsModule } from './alerts/alerts.module';
import { DeliveryModule } from './delivery/delivery.module';
import { RenderingModule } from './rendering/rendering.module';
import { SendsModule } from './sends/sends.module';

@Module({
  imports: [DeliveryModule, AlertsModule, RenderingModule, SendsModule],
})
export class MessagingModule {}
