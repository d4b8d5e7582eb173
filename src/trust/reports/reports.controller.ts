import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { Clock } from '../../platform/clock';
import { AuditService } from './audit.service';
import {
  AuditQueryDto,
  AuditReportDto,
  MissedDeadlinesQueryDto,
  MissedDeadlinesReportDto,
} from './lifecycle-report.dto';
import { MissedDeadlinesService } from './missed-deadlines.service';
import { ProgrammeSummaryService } from './programme-summary.service';
import { resolvePeriod } from './report-period';
import {
  ProgrammeSummaryDto,
  ReportPeriodQueryDto,
  RuleReportDto,
  TemplateReportDto,
  TopicReportDto,
} from './report.dto';
import { ReportsService } from './reports.service';
import { TrustByKindQueryDto, TrustByKindReportDto } from './trust-by-kind.dto';
import { TrustByKindService } from './trust-by-kind.service';
import { UpcomingReportDto } from './upcoming.dto';
import { UpcomingService } from './upcoming.service';

@ApiTags('reports')
@ApiErrors([400, 'from/to invalid, reversed or more than 366 days apart'])
@Controller('v1/reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly summaryService: ProgrammeSummaryService,
    private readonly missedDeadlines: MissedDeadlinesService,
    private readonly audits: AuditService,
    private readonly trustByKind: TrustByKindService,
    private readonly upcomingService: UpcomingService,
    private readonly clock: Clock,
  ) {}

  @Get('topics')
  @RequireScopes('reports:read')
  @ApiOperation({
    summary:
      'Per topic over a period: sent, helpful and unhelpful votes, unsubscribes and complaints within 7 days of a send, bounces, skipped by reason, missed deadlines, median lead time of date notices',
  })
  @ApiOkResponse({ type: TopicReportDto })
  topics(@Query() query: ReportPeriodQueryDto): Promise<TopicReportDto> {
    return this.reports.byTopic(resolvePeriod(query, this.clock.now()));
  }

  @Get('templates')
  @RequireScopes('reports:read')
  @ApiOperation({ summary: 'The same figures per template' })
  @ApiOkResponse({ type: TemplateReportDto })
  templates(@Query() query: ReportPeriodQueryDto): Promise<TemplateReportDto> {
    return this.reports.byTemplate(resolvePeriod(query, this.clock.now()));
  }

  @Get('summary')
  @RequireScopes('reports:read')
  @ApiOperation({
    summary:
      'The programme summary: confirmed opt-ins with no message since (should be 0), silent subscriptions, promotional share per subscriber, complaint rate against the 0.1% guideline',
  })
  @ApiOkResponse({ type: ProgrammeSummaryDto })
  summary(@Query() query: ReportPeriodQueryDto): Promise<ProgrammeSummaryDto> {
    const now = this.clock.now();
    return this.summaryService.summary(resolvePeriod(query, now), now);
  }

  @Get('rules')
  @RequireScopes('reports:read')
  @ApiOperation({
    summary:
      'The same figures per lifecycle rule (notices and their apologies), with missed deadlines and the median lead time of notices before their date',
  })
  @ApiOkResponse({ type: RuleReportDto })
  rules(@Query() query: ReportPeriodQueryDto): Promise<RuleReportDto> {
    return this.reports.byRule(resolvePeriod(query, this.clock.now()));
  }

  @Get('missed-deadlines')
  @RequireScopes('reports:read')
  @ApiOperation({
    summary:
      'Notices whose deadline passed undelivered, detected in the period: counts per rule, cause and apology status, and the list (newest first, keyset pages)',
  })
  @ApiOkResponse({ type: MissedDeadlinesReportDto })
  @ApiErrors([404, 'Unknown rule'])
  missed(@Query() query: MissedDeadlinesQueryDto): Promise<MissedDeadlinesReportDto> {
    return this.missedDeadlines.report(resolvePeriod(query, this.clock.now()), query);
  }

  @Get('audit')
  @RequireScopes('reports:read')
  @ApiOperation({
    summary:
      'The trust audit: for every date rule, the dates in the next N days (default 60) and, per subscriber, whether the notice is sent, scheduled or will not come, and why; counts per rule and reason (first page only), rows in keyset pages',
  })
  @ApiOkResponse({ type: AuditReportDto })
  @ApiErrors([404, 'Unknown rule'])
  audit(@Query() query: AuditQueryDto): Promise<AuditReportDto> {
    return this.audits.report(query, this.clock.now());
  }

  @Get('trust-by-kind')
  @RequireScopes('reports:read')
  @ApiOperation({
    summary:
      'Trust per kind of contact over one calendar month (UTC), per topic and rule: notices by helpful votes, lead time and missed deadlines; digests and campaigns by unsubscribes and complaints per thousand sent and helpful votes; the welcome by time to the first message and early unsubscribes; the preference center by lowered frequencies against leaving',
  })
  @ApiOkResponse({ type: TrustByKindReportDto })
  @ApiErrors([404, 'Unknown topic or rule'])
  trustByKindReport(@Query() query: TrustByKindQueryDto): Promise<TrustByKindReportDto> {
    return this.trustByKind.report(query, this.clock.now());
  }

  @Get('upcoming')
  @RequireScopes('reports:read')
  @ApiOperation({
    summary:
      'What goes out next: campaigns scheduled within 7 days (with their audience), digest periods and lifecycle notices due today and within 7 days (per topic and frequency, per rule), missed deadlines of the last 7 days per rule, and silent subscriptions',
  })
  @ApiOkResponse({ type: UpcomingReportDto })
  upcoming(): Promise<UpcomingReportDto> {
    return this.upcomingService.report(this.clock.now());
  }
}
