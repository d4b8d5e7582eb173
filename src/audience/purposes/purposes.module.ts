import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsentModule } from '../consent/consent.module';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { DataPurpose, DataUseGrant } from './data-purpose.entity';
import { DataPurposesController, SubscriberPurposesController } from './data-purposes.controller';
import { DataPurposesService } from './data-purposes.service';
import { PurposeImportGrants } from './purpose-import-grants';
import { PurposeGrantsService } from './purpose-grants.service';
import { PurposeDataDeleters } from './purpose-data-deleters';
import { PurposeGrantsErasure } from './purpose-grants.erasure';

/**
 * Data-use purposes (docs/data-purposes.md): what a purpose covers and why, the check that rules
 * and campaigns use only data their declared purposes cover, and subscribers' grants of
 * consent-based purposes. Other contexts read `audience_data_purposes` and
 * `audience_data_use_grants`.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([DataPurpose, DataUseGrant]),
    ConsentModule,
    SubscribersModule,
    DiscoveryModule,
  ],
  providers: [
    DataPurposesService,
    PurposeGrantsService,
    PurposeDataDeleters,
    PurposeGrantsErasure,
    PurposeImportGrants,
  ],
  controllers: [DataPurposesController, SubscriberPurposesController],
  exports: [DataPurposesService, PurposeGrantsService],
})
export class PurposesModule {}
