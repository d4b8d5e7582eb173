import {
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../../../platform/http/api-errors';
import type { Request, Response } from 'express';
import {
  AuthenticatedRequest,
  CallerRef,
  CurrentCaller,
  RequireScopes,
} from '../../../platform/http/auth.decorators';
import { ImportFormat } from './import-row';
import { ImportJobsService } from './import-jobs.service';
import { ImportJobDto, ImportQueryDto, ImportResultDto } from './subscriber-import.dto';
import { SubscriberImportService } from './subscriber-import.service';

const FORMATS: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
};

/**
 * The import format for the Content-Type header; 415 for anything else, and for a compressed
 * body (the file is read as it streams in, not inflated).
 */
export function importFormatOf(
  contentType: string | undefined,
  contentEncoding?: string,
): ImportFormat {
  if (contentEncoding && contentEncoding.trim().toLowerCase() !== 'identity') {
    throw new UnsupportedMediaTypeException(
      `Content-Encoding "${contentEncoding}" is not supported here: send the file uncompressed`,
    );
  }
  const [type, ...params] = (contentType ?? '').split(';').map((p) => p.trim().toLowerCase());
  const format = FORMATS[type];
  if (!format) {
    throw new UnsupportedMediaTypeException(
      `Content-Type must be text/csv or application/x-ndjson (or application/jsonl), not ${type ? `"${type}"` : 'missing'}`,
    );
  }
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice(8)
    .replace(/"/g, '');
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeException(`The file must be UTF-8, not ${charset}`);
  }
  return format;
}

@ApiTags('subscribers')
@Controller('v1/subscribers')
export class SubscriberImportController {
  constructor(
    private readonly imports: SubscriberImportService,
    private readonly jobs: ImportJobsService,
  ) {}

  @Post('import')
  @HttpCode(200)
  @RequireScopes('subscribers:write')
  @ApiOperation({
    summary: 'Import subscribers from a CSV or NDJSON file (streamed, idempotent on email)',
    description:
      'The request body is the file itself, read as a stream in batches. New addresses become ' +
      'active subscribers; existing ones get only the fields the row gives (attributes and dates ' +
      'merged), their status never changes. New subscriptions are recorded as opt-ins with source ' +
      '`import`. Suppressed, unsubscribed, bounced and complained addresses are refused per row. ' +
      'A row with any error writes nothing; other rows are not held up. A later row for the same ' +
      'address updates the earlier one. See docs/import.md.',
  })
  @ApiConsumes('text/csv', 'application/x-ndjson', 'application/jsonl')
  @ApiBody({
    description:
      'CSV: a header row (email required; name, locale, timezone, is_customer, topics, ' +
      'purposes (keys separated by `;`), attr.<name>, date.<name>), then one subscriber per row. ' +
      'NDJSON: one JSON object per line ' +
      '`{ email, name, locale, timezone, isCustomer, attributes, dates, topics, purposes }`.',
    schema: {
      type: 'string',
      format: 'binary',
      example:
        'email,name,locale,is_customer,topics,date.renewal_date,attr.plan\n' +
        'ada@example.com,Ada,en,yes,product-news:weekly|tips,2027-01-15,family\n',
    },
  })
  @ApiOkResponse({ type: ImportResultDto })
  @ApiErrors([
    400,
    'A query option or the CSV header is wrong (names the field or column); nothing was written',
  ])
  @ApiErrors([415, 'Content-Type is not CSV or NDJSON'])
  async import(
    @Req() req: Request,
    @Query() query: ImportQueryDto,
    @CurrentCaller() caller: CallerRef,
  ): Promise<ImportResultDto> {
    const format = importFormatOf(req.headers['content-type'], req.headers['content-encoding']);
    const prepared = await this.imports.prepare({ ...query, details: { ...caller } });
    // When the import stops early (a bad header), leave the request to Node instead of destroying
    // it, so the error answer goes out before the connection closes.
    return this.imports.run(req.iterator({ destroyOnReturn: false }), format, prepared);
  }

  @Post('imports')
  @HttpCode(202)
  @RequireScopes('subscribers:write')
  @ApiOperation({
    summary:
      'Start an import that runs after the answer; follow it with GET /v1/subscribers/imports/:id',
    description:
      'The same file, options and rules as `POST /v1/subscribers/import`, but the answer comes ' +
      'once the file is received and its rows counted: `202` with the import id and `total`. The ' +
      'import then runs in the background; `GET /v1/subscribers/imports/:id` gives its progress ' +
      'and `GET /v1/subscribers/imports/:id/refused` the refused rows as CSV. See docs/import.md.',
  })
  @ApiConsumes('text/csv', 'application/x-ndjson', 'application/jsonl')
  @ApiBody({
    description:
      'CSV: a header row (email required; name, locale, timezone, is_customer, topics, ' +
      'purposes (keys separated by `;`), attr.<name>, date.<name>), then one subscriber per row. ' +
      'NDJSON: one JSON object per line ' +
      '`{ email, name, locale, timezone, isCustomer, attributes, dates, topics, purposes }`.',
    schema: { type: 'string', format: 'binary' },
  })
  @ApiAcceptedResponse({ type: ImportJobDto })
  @ApiErrors([
    400,
    'A query option or the CSV header is wrong (names the field or column); nothing was started',
  ])
  @ApiErrors([415, 'Content-Type is not CSV or NDJSON'])
  async startJob(
    @Req() req: Request & AuthenticatedRequest,
    @Query() query: ImportQueryDto,
    @CurrentCaller() caller: CallerRef,
  ): Promise<ImportJobDto> {
    const format = importFormatOf(req.headers['content-type'], req.headers['content-encoding']);
    const startedBy = req.user ? `user:${req.user.userId}` : `api_key:${req.apiKey?.id ?? ''}`;
    return this.jobs.start(req, format, { ...query, details: { ...caller } }, startedBy);
  }

  @Get('imports/:id')
  @RequireScopes('subscribers:write')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({ summary: 'An import job: its status, progress and counts' })
  @ApiOkResponse({ type: ImportJobDto })
  @ApiErrors([404, 'No import with this id (finished imports are kept 7 days)'])
  job(@Param('id') id: string): Promise<ImportJobDto> {
    return this.jobs.get(id);
  }

  @Get('imports/:id/refused')
  @RequireScopes('subscribers:write')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOperation({
    summary:
      'The rows an import job refused, as CSV: line, email, reason (the first 1000, in file order)',
  })
  @ApiOkResponse({
    description: 'CSV with a header row `line,email,reason`',
    content: { 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiErrors([404, 'No import with this id (finished imports are kept 7 days)'])
  async refused(
    @Param('id') id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const csv = await this.jobs.refusedCsv(id);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="refused-rows.csv"');
    return csv;
  }
}
