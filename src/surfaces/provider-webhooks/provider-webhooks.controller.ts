import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiErrors } from '../../platform/http/api-errors';
import { Public } from '../../platform/http/auth.decorators';
import { rawJsonBody } from '../../platform/http/request-input';
import { PROVIDERS } from './provider-adapter';
import {
  MailgunWebhookDto,
  PostmarkEventDto,
  ProviderWebhookResultDto,
  SendgridEventDto,
  SnsMessageDto,
} from './provider-webhooks.dto';
import { ProviderWebhooksService } from './provider-webhooks.service';

@ApiTags('webhooks')
@ApiExtraModels(SnsMessageDto, PostmarkEventDto, SendgridEventDto, MailgunWebhookDto)
@Public()
@Controller('v1/webhooks/providers')
export class ProviderWebhooksController {
  constructor(private readonly providers: ProviderWebhooksService) {}

  @Post(':provider')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Bounce and complaint events from a sending service (SES, Postmark, SendGrid, Mailgun)',
    description:
      'Each provider is verified its own way: `ses` by the SNS signature (certificate only from ' +
      '`https://sns.<region>.amazonaws.com/`) and a topic listed in SES_SNS_TOPIC_ARNS, with ' +
      'SubscriptionConfirmation confirmed when SES_SNS_AUTO_CONFIRM is on; `postmark` by HTTP basic ' +
      'auth (POSTMARK_WEBHOOK_USERNAME, POSTMARK_WEBHOOK_PASSWORD); `sendgrid` by the Event ' +
      'Webhook’s ECDSA signature (SENDGRID_WEBHOOK_PUBLIC_KEY); `mailgun` by the HMAC signature ' +
      '(MAILGUN_WEBHOOK_SIGNING_KEY). Hard bounces suppress the address, soft bounces count ' +
      'towards SOFT_BOUNCE_LIMIT, complaints unsubscribe from everything and suppress. An event ' +
      'received twice changes nothing the second time. See docs/inbound-mail.md.',
  })
  @ApiParam({ name: 'provider', enum: PROVIDERS })
  @ApiConsumes('application/json', 'text/plain')
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(SnsMessageDto) },
        { $ref: getSchemaPath(PostmarkEventDto) },
        { type: 'array', items: { $ref: getSchemaPath(SendgridEventDto) } },
        { $ref: getSchemaPath(MailgunWebhookDto) },
      ],
    },
  })
  @ApiOkResponse({ type: ProviderWebhookResultDto })
  @ApiErrors(
    [400, 'Not an event of this provider; `field` says which part'],
    [
      401,
      'No credentials or signature (`code` missing_credentials, missing_signature) or wrong Postmark credentials',
    ],
    [
      403,
      'The signature does not verify, or the SNS topic is not configured (`code` invalid_signature, topic_not_allowed)',
    ],
    [404, 'Unknown provider (`code` unknown_provider)'],
    413,
    [
      503,
      'This provider’s webhook is not configured (or its SNS certificate could not be fetched)',
    ],
  )
  receive(
    @Param('provider') provider: string,
    @Body() body: unknown,
    @Req() req: Request,
  ): Promise<ProviderWebhookResultDto> {
    return this.providers.receive(provider, {
      headers: req.headers,
      body,
      rawBody: rawJsonBody(req),
    });
  }
}
