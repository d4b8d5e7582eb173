import { Module } from '@nestjs/common';
import { ContentModule } from '../content/content.module';
import { DeliveryModule } from '../../messaging/delivery/delivery.module';
import { SubscribersModule } from '../../audience/subscribers/subscribers.module';
import { ContentMixPolicy } from './content-mix';
import { DigestContentPreparer } from './digest-content.preparer';
import { DigestScheduler } from './digest-scheduler.service';
import { FrequencyCheck } from './frequency.check';
import { OverallCapCheck } from './overall-cap.check';
import { PeriodMessages } from './period-messages';

/**
 * Frequencies, the content mix and the overall cap: the digest tick, and the send-time checks that keep both
 * promises for every regular message, whoever wrote it.
 */
@Module({
  imports: [DeliveryModule, ContentModule, SubscribersModule],
  providers: [
    DigestScheduler,
    DigestContentPreparer,
    FrequencyCheck,
    ContentMixPolicy,
    OverallCapCheck,
    PeriodMessages,
  ],
  exports: [ContentMixPolicy, PeriodMessages],
})
export class DigestsModule {}
