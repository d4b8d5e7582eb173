import { Module } from '@nestjs/common';
import { SuppressionsModule } from '../../audience/suppressions/suppressions.module';
import { CampaignsModule } from '../../programmes/campaigns/campaigns.module';
import { MetricsModule } from '../../platform/metrics/metrics.module';
import { AuditService } from './audit.service';
import { MissedDeadlinesService } from './missed-deadlines.service';
import { ProgrammeSummaryService } from './programme-summary.service';
import { ReportsController } from './reports.controller';
import { RuleAuditController } from './rule-audit.controller';
import { ReportsService } from './reports.service';
import { TrustMetrics } from './trust-metrics';
import { TrustByKindService } from './trust-by-kind.service';
import { UpcomingService } from './upcoming.service';

/**
 * Trust measures as figures: per topic, template and lifecycle rule, the programme summary,
 * missed deadlines, the trust audit, trust per kind of contact, what goes out next, Prometheus
 * gauges.
 */
@Module({
  imports: [MetricsModule, SuppressionsModule, CampaignsModule],
  providers: [
    ReportsService,
    ProgrammeSummaryService,
    MissedDeadlinesService,
    AuditService,
    TrustByKindService,
    TrustMetrics,
    UpcomingService,
  ],
  controllers: [ReportsController, RuleAuditController],
  exports: [
    ReportsService,
    ProgrammeSummaryService,
    MissedDeadlinesService,
    AuditService,
    TrustByKindService,
  ],
})
export class ReportsModule {}
