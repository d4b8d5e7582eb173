import { Global, Module } from '@nestjs/common';
import { SchedulerProcessor } from './scheduler.processor';
import { SchedulerService } from './scheduler.service';
import { TickRegistry } from './tick-registry';

/** Global so feature modules can register tick handlers without importing each other. */
@Global()
@Module({
  providers: [TickRegistry, SchedulerService, SchedulerProcessor],
  exports: [TickRegistry, SchedulerService],
})
export class SchedulerModule {}
