import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { SchedulerProcessor } from './scheduler.processor';
import { SchedulerService } from './scheduler.service';
import { TickHandlers } from './tick-handlers';

/** The scheduler tick: runs every `@OnSchedulerTick()` handler, wherever it is declared. */
@Module({
  imports: [DiscoveryModule],
  providers: [TickHandlers, SchedulerService, SchedulerProcessor],
  exports: [SchedulerService],
})
export class SchedulerModule {}
