import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { Public } from '../../platform/http/auth.decorators';
import { BouncesService } from './bounces.service';
import { ComplaintsService } from './complaints.service';
import { WebhookSecret, WebhookSecretGuard } from './webhook-secret.guard';
import { BounceJsonDto, ComplaintJsonDto, WebhookResultDto } from './webhook.dto';

const RAW_TYPES = ['message/rfc822', 'text/plain', 'application/octet-stream'];

@ApiTags('webhooks')
@ApiExtraModels(BounceJsonDto, ComplaintJsonDto)
@ApiBearerAuth('webhookSecret')
@ApiErrors(
  [400, 'Not a report this endpoint understands; `field` says why'],
  [401, 'Missing or wrong webhook secret'],
  [422, 'A report too complex to read, or a complaint sent as a bounce; `code` says which'],
  [503, 'The webhook secret is not configured'],
)
@Public()
@UseGuards(WebhookSecretGuard)
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly bounces: BouncesService,
    private readonly complaints: ComplaintsService,
  ) {}

  @Post('bounces')
  @HttpCode(200)
  @WebhookSecret('bounceSecret')
  @ApiOperation({
    summary: 'Bounce reports: a raw DSN (RFC 3464) or auto-reply as message/rfc822, or JSON',
    description:
      'Authenticate with `Authorization: Bearer <BOUNCE_WEBHOOK_SECRET>`. Hard bounces (5.x.x, ' +
      'Action: failed) suppress the address and mark the subscriber bounced; soft bounces are ' +
      'counted and suppress after SOFT_BOUNCE_LIMIT within SOFT_BOUNCE_WINDOW_DAYS; delays are ' +
      'recorded; auto-replies (RFC 3834) are ignored. A report received twice changes nothing ' +
      'the second time (`replayed: true`).',
  })
  @ApiConsumes('application/json', ...RAW_TYPES)
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(BounceJsonDto) },
        { type: 'string', format: 'binary', description: 'The whole DSN message' },
      ],
    },
  })
  @ApiOkResponse({ type: WebhookResultDto })
  receiveBounce(@Body() body: unknown): Promise<WebhookResultDto> {
    return this.bounces.receive(body);
  }

  @Post('complaints')
  @HttpCode(200)
  @WebhookSecret('complaintSecret')
  @ApiOperation({
    summary: 'Spam complaints: an ARF feedback report (RFC 5965) as message/rfc822, or JSON',
    description:
      'Authenticate with `Authorization: Bearer <COMPLAINT_WEBHOOK_SECRET>`. The subscriber ' +
      'leaves every topic (consent event opt_out, source system), becomes `complained`, and the ' +
      'address is suppressed. Idempotent like the bounce webhook.',
  })
  @ApiConsumes('application/json', ...RAW_TYPES)
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(ComplaintJsonDto) },
        { type: 'string', format: 'binary', description: 'The whole ARF message' },
      ],
    },
  })
  @ApiOkResponse({ type: WebhookResultDto })
  receiveComplaint(@Body() body: unknown): Promise<WebhookResultDto> {
    return this.complaints.receive(body);
  }
}
