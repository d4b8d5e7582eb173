import { Module } from '@nestjs/common';
import { ProgrammeSummaryService } from './programme-summary.service';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';
import { TrustMetrics } from './trust-metrics';

/** Trust measures as figures: per topic and template, the programme summary, Prometheus gauges. */
@Module({
  providers: [ReportsService, ProgrammeSummaryService, TrustMetrics],
  controllers: [ReportsController],
  exports: [ReportsService, ProgrammeSummaryService],
})
export class ReportsModule {}
