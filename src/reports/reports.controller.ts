import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../auth/auth.decorators';
import { Clock } from '../common/clock';
import { ProgrammeSummaryService } from './programme-summary.service';
import { resolvePeriod } from './report-period';
import {
  ProgrammeSummaryDto,
  ReportPeriodQueryDto,
  TemplateReportDto,
  TopicReportDto,
} from './report.dto';
import { ReportsService } from './reports.service';

@ApiTags('reports')
@ApiBadRequestResponse({ description: 'from/to invalid, reversed or more than 366 days apart' })
@Controller('v1/reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly summaryService: ProgrammeSummaryService,
    private readonly clock: Clock,
  ) {}

  @Get('topics')
  @RequireScopes('reports:read')
  @ApiOperation({
    summary:
      'Per topic over a period: sent, helpful and unhelpful votes, unsubscribes and complaints within 7 days of a send, bounces, skipped by reason',
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
}
