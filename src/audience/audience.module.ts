/**
 * Audience: who may be emailed about what, and what they agreed to. Owns subscribers, their
 * subscriptions and dates (subscribers), topics (topics), the consent history (consent), data-use
 * purposes and their grants (purposes) and the suppression list (suppressions), with the one place for status transitions
 * (SubscriberStatusService) and the CSV import.
 *
 * May use: platform. Other contexts read the audience through the services and SQL views these
 * modules export, and erase their own personal data through @ErasesPersonalData.
 */
import { Module } from '@nestjs/common';
import { ConsentModule } from './consent/consent.module';
import { PurposesModule } from './purposes/purposes.module';
import { SubscribersModule } from './subscribers/subscribers.module';
import { SuppressionsModule } from './suppressions/suppressions.module';
import { TopicsModule } from './topics/topics.module';

@Module({
  imports: [SuppressionsModule, ConsentModule, TopicsModule, SubscribersModule, PurposesModule],
})
export class AudienceModule {}
