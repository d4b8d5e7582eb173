import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  ListDeliveriesQueryDto,
  UpdateWebhookEndpointDto,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookEndpointDto,
} from './webhook-endpoint.dto';
import { WebhookEndpointsService } from './webhook-endpoints.service';

const NO_ENDPOINT: [number, string] = [404, 'No webhook endpoint with this id'];

/** Webhooks out: where events go (docs/webhooks-out.md). */
@ApiTags('webhook-endpoints')
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post()
  @RequireScopes('webhooks:write')
  @ApiOperation({
    summary: 'Add a webhook endpoint (its signing secret is returned once)',
    description:
      'Events recorded from now on whose type the endpoint wants are POSTed to it, signed (`Tidings-Signature`) and retried with backoff.',
  })
  @ApiCreatedResponse({ type: CreatedWebhookEndpointDto })
  @ApiErrors(400)
  create(@Body() dto: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointDto> {
    return this.endpoints.create(dto);
  }

  @Get()
  @RequireScopes('webhooks:read')
  @ApiOperation({ summary: 'List webhook endpoints (never their secrets)' })
  @ApiOkResponse({ type: WebhookEndpointDto, isArray: true })
  list(): Promise<WebhookEndpointDto[]> {
    return this.endpoints.list();
  }

  @Get(':id')
  @RequireScopes('webhooks:read')
  @ApiOperation({ summary: 'Get a webhook endpoint' })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiErrors(400, NO_ENDPOINT)
  get(@Param('id') id: string): Promise<WebhookEndpointDto> {
    return this.endpoints.get(id);
  }

  @Patch(':id')
  @RequireScopes('webhooks:write')
  @ApiOperation({
    summary: 'Change a webhook endpoint (URL, events, secret, description, enabled)',
  })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiErrors(400, NO_ENDPOINT)
  update(
    @Param('id') id: string,
    @Body() dto: UpdateWebhookEndpointDto,
  ): Promise<WebhookEndpointDto> {
    return this.endpoints.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireScopes('webhooks:write')
  @ApiOperation({
    summary: 'Delete a webhook endpoint with its deliveries (pending ones are not sent)',
  })
  @ApiOkResponse({ type: WebhookEndpointDto })
  @ApiErrors(400, NO_ENDPOINT)
  remove(@Param('id') id: string): Promise<WebhookEndpointDto> {
    return this.endpoints.remove(id);
  }

  @Get(':id/deliveries')
  @RequireScopes('webhooks:read')
  @ApiOperation({
    summary:
      "An endpoint's deliveries, newest first (status, attempts, last response, next attempt)",
  })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiErrors(400, NO_ENDPOINT)
  deliveries(
    @Param('id') id: string,
    @Query() query: ListDeliveriesQueryDto,
  ): Promise<WebhookDeliveryPageDto> {
    return this.endpoints.deliveries(id, query);
  }

  @Post(':id/deliveries/:deliveryId/replay')
  @HttpCode(202)
  @RequireScopes('webhooks:write')
  @ApiOperation({
    summary: 'Send a delivered or failed event again',
    description:
      'A new delivery of the same event (same `Tidings-Event-Id`), due at once and retried like any other.',
  })
  @ApiAcceptedResponse({ type: WebhookDeliveryDto, description: 'The new delivery' })
  @ApiErrors(400, [404, 'No webhook endpoint or delivery with this id'])
  replay(
    @Param('id') id: string,
    @Param('deliveryId') deliveryId: string,
  ): Promise<WebhookDeliveryDto> {
    return this.endpoints.replay(id, deliveryId);
  }
}
