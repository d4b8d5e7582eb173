import { Module } from '@nestjs/common';
import { EventOutbox } from './event-outbox';

/**
 * The outbox of events other systems hear about (`event_outbox`). Every context that records
 * events imports this; webhooks out (src/surfaces/webhook-endpoints) takes them from it.
 */
@Module({
  providers: [EventOutbox],
  exports: [EventOutbox],
})
export class EventsModule {}
