import { Module } from '@nestjs/common';
import { ContentModule } from '../content/content.module';
import { DeliveryModule } from '../../messaging/delivery/delivery.module';
import { ContentMixPolicy } from './content-mix';
import { DigestContentPreparer } from './digest-content.preparer';
import { DigestScheduler } from './digest-scheduler.service';
import { FrequencyCheck } from './frequency.check';

/**
 * Frequencies and the content mix: the digest tick, and the send-time checks that keep both
 * promises for every regular message, whoever wrote it.
 */
@Module({
  imports: [DeliveryModule, ContentModule],
  providers: [DigestScheduler, DigestContentPreparer, FrequencyCheck, ContentMixPolicy],
  exports: [ContentMixPolicy],
})
export class DigestsModule {}
