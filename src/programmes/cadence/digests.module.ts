import { Module, OnModuleInit } from '@nestjs/common';
import { ContentModule } from '../content/content.module';
import { DeliveryModule } from '../../messaging/delivery/delivery.module';
import { MessageComposer } from '../../messaging/delivery/message-composer';
import { SendCheckRegistry } from '../../messaging/delivery/send-checks';
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
export class DigestsModule implements OnModuleInit {
  constructor(
    private readonly checks: SendCheckRegistry,
    private readonly composer: MessageComposer,
    private readonly preparer: DigestContentPreparer,
    private readonly frequency: FrequencyCheck,
    private readonly mix: ContentMixPolicy,
  ) {}

  onModuleInit(): void {
    this.checks.register(this.frequency);
    this.checks.register(this.mix);
    this.composer.addPreparer((messages, now) => this.preparer.prepare(messages, now));
  }
}
