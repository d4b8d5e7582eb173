import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EventsModule } from '../../../platform/events/events.module';
import { ConsentModule } from '../../consent/consent.module';
import { SuppressionsModule } from '../../suppressions/suppressions.module';
import { TopicsModule } from '../../topics/topics.module';
import { ImportBatchService } from './import-batch.service';
import { ImportJobsService } from './import-jobs.service';
import { ImportedPurposeGrants } from './imported-purpose-grants';
import { SubscriberImportController } from './subscriber-import.controller';
import { SubscriberImportService } from './subscriber-import.service';

/**
 * Bulk import of subscribers. Its own module so the CLI can load it with nothing but the
 * database (no Redis, no queues).
 */
@Module({
  imports: [DiscoveryModule, TopicsModule, ConsentModule, SuppressionsModule, EventsModule],
  providers: [
    SubscriberImportService,
    ImportBatchService,
    ImportedPurposeGrants,
    ImportJobsService,
  ],
  controllers: [SubscriberImportController],
  exports: [SubscriberImportService],
})
export class SubscriberImportModule {}
