import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { ApiExtraModels } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { ActivityEntryDto, ActivityPageDto, ActivityQueryDto } from './account.dto';
import { ActivityService } from './activity.service';
import { toCsv } from './activity-csv';

/** The most entries one CSV export holds (newest first); narrow by time for older ones. */
export const CSV_EXPORT_LIMIT = 100_000;

@ApiTags('activity')
@RequireScopes('admin')
@Controller('v1/activity')
export class ActivityController {
  constructor(private readonly activity: ActivityService) {}

  @Get()
  @ApiOperation({
    summary: 'Who did what, newest first (filter by actor, action and time; `format=csv` exports)',
  })
  @ApiExtraModels(ActivityPageDto)
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({
    status: 200,
    description: 'A page of entries (JSON), or every matching entry as CSV',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ActivityPageDto) } },
      'text/csv': { schema: { type: 'string' } },
    },
  })
  @ApiErrors(400)
  async list(
    @Query() query: ActivityQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ActivityPageDto | string> {
    const filter = { actor: query.actor, action: query.action, from: query.from, to: query.to };
    if (query.format === 'csv') {
      const entries = await this.activity.list({
        ...filter,
        before: query.before,
        limit: CSV_EXPORT_LIMIT,
      });
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', 'attachment; filename="tidings-activity.csv"');
      return toCsv(entries);
    }
    const limit = query.limit ?? 100;
    const entries = await this.activity.list({ ...filter, before: query.before, limit: limit + 1 });
    const items = entries.slice(0, limit).map((e) => ActivityEntryDto.from(e));
    return { items, next: entries.length > limit ? items[items.length - 1].id : null };
  }
}
