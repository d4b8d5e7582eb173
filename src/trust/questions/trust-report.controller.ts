import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import {
  ExpectationsReportDto,
  MonthQueryDto,
  TrustCommentsQueryDto,
  TrustCommentsReportDto,
  TrustScoreReportDto,
} from './trust-report.dto';
import { TrustReportService } from './trust-report.service';

/** The trust question's answers and the expectations (docs/trust-question.md). */
@ApiTags('reports')
@ApiErrors([400, 'month is not YYYY-MM, or limit out of range'])
@Controller('v1/reports')
export class TrustReportController {
  constructor(private readonly reports: TrustReportService) {}

  @Get('trust-score')
  @RequireScopes('reports:read')
  @ApiOperation({
    summary:
      'Answers to "Do we act in your interest?" per topic and kind of the emails sent in a month: asked, answered, answers per score, mean score, trust score (share of 4 and 5)',
  })
  @ApiOkResponse({ type: TrustScoreReportDto })
  score(@Query() query: MonthQueryDto): Promise<TrustScoreReportDto> {
    return this.reports.score(query.month);
  }

  @Get('trust-comments')
  @RequireScopes('reports:read')
  @ApiOperation({
    summary:
      'The comments given with the trust question on emails of a month, newest first; the address only where the subscriber allowed it',
  })
  @ApiOkResponse({ type: TrustCommentsReportDto })
  comments(@Query() query: TrustCommentsQueryDto): Promise<TrustCommentsReportDto> {
    return this.reports.comments(query.month, query.limit);
  }

  @Get('expectations')
  @RequireScopes('reports:read')
  @ApiOperation({
    summary:
      '"What would you like to hear about?" answers from the preference center in a month, grouped by their normalised text, most answers first',
  })
  @ApiOkResponse({ type: ExpectationsReportDto })
  expectations(@Query() query: MonthQueryDto): Promise<ExpectationsReportDto> {
    return this.reports.expectations(query.month);
  }
}
