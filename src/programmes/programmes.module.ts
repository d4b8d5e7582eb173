/**
 * Programmes: everything that decides a message should exist. Owns sign-up and confirmation
 * (signup), lifecycle rules, events and notices with their deadlines (lifecycle), content items
 * (content), the frequency and content-mix policy of all regular mail and its digests (cadence),
 * campaigns, and the silence watchdog; plus the upcoming-notices list the preference center shows.
 *
 * May use: platform, audience, messaging. Producers write messages only through the ledger's
 * LedgerService; they run on the scheduler tick through @OnSchedulerTick.
 */
import { Module } from '@nestjs/common';
import { DigestsModule } from './cadence/digests.module';
import { CampaignsModule } from './campaigns/campaigns.module';
import { ContentModule } from './content/content.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { SignupModule } from './signup/signup.module';
import { WatchdogModule } from './watchdog/watchdog.module';

@Module({
  imports: [
    SignupModule,
    LifecycleModule,
    ContentModule,
    DigestsModule,
    CampaignsModule,
    WatchdogModule,
  ],
})
export class ProgrammesModule {}
