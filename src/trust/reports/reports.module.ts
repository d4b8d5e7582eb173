import { Module } from '@nestjs/common';
import { SuppressionsModule } from '../../audience/suppressions/suppressions.module';
import { MetricsModule } from '../../platform/metrics/metrics.module';
import { AuditService } from './audit.service';
import { MissedDeadlinesService } from './missed-deadlines.service';
import { ProgrammeSummaryService } from './programme-summary.service';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';
import { TrustMetrics } from './trust-metrics';

/**
 * Trust measures as figures: per topic, template and lifecycle rule, the programme summary,
 * missed deadlines, the trust audit, Prometheus gauges.
 */
@Module({
  imports: [MetricsModule, SuppressionsModule],
  providers: [
    ReportsService,
    ProgrammeSummaryService,
    MissedDeadlinesService,
    AuditService,
    TrustMetrics,
  ],
  controllers: [ReportsController],
  exports: [ReportsService, ProgrammeSummaryService, MissedDeadlinesService, AuditService],
})
export class ReportsModule {}
