import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../../platform/http/api-errors';
import { CallerRef, CurrentCaller, RequireScopes } from '../../platform/http/auth.decorators';
import { NotFoundError } from '../../platform/errors/domain-errors';
import { ConsentEventDto } from '../consent/consent.dto';
import { ConsentService } from '../consent/consent.service';
import {
  ChangeFrequencyDto,
  CreateSubscriberDto,
  ListSubscribersQueryDto,
  SubscribeDto,
  SubscriberDto,
  SubscriberPageDto,
  SubscriptionChangeDto,
  SubscriptionDto,
  UpdateSubscriberDto,
} from './subscriber.dto';
import { SubscribersService } from './subscribers.service';
import { ChangeContext, SubscriptionsService, toSubscriptionDto } from './subscriptions.service';

const ID_PARAM = { name: 'id', description: 'Subscriber id, or the email address (URL-encoded)' };

function apiContext(caller: CallerRef, extra: Partial<ChangeContext> = {}): ChangeContext {
  return { source: 'api', via: 'the API', details: { ...caller }, ...extra };
}

@ApiTags('subscribers')
@Controller('v1/subscribers')
export class SubscribersController {
  constructor(
    private readonly subscribers: SubscribersService,
    private readonly subscriptions: SubscriptionsService,
    private readonly consent: ConsentService,
  ) {}

  @Post()
  @RequireScopes('subscribers:write')
  @ApiOperation({ summary: 'Create a subscriber (optionally with dates and topic opt-ins)' })
  @ApiCreatedResponse({ type: SubscriberDto })
  @ApiErrors(
    400,
    [404, 'A topic to opt in to does not exist'],
    [409, 'The email already exists'],
    [422, 'Suppressed address, or a topic rule refuses it'],
  )
  create(
    @Body() dto: CreateSubscriberDto,
    @CurrentCaller() key: CallerRef,
  ): Promise<SubscriberDto> {
    return this.subscribers.create(dto, apiContext(key, { consent: dto.consent }));
  }

  @Get()
  @RequireScopes('subscribers:read')
  @ApiOperation({ summary: 'List subscribers, oldest first, with keyset pagination' })
  @ApiOkResponse({ type: SubscriberPageDto })
  @ApiErrors(400)
  list(@Query() query: ListSubscribersQueryDto): Promise<SubscriberPageDto> {
    return this.subscribers.list(query);
  }

  @Get(':id')
  @RequireScopes('subscribers:read')
  @ApiParam(ID_PARAM)
  @ApiOperation({ summary: 'Get a subscriber by id or email, with dates and subscriptions' })
  @ApiOkResponse({ type: SubscriberDto })
  @ApiErrors(404)
  get(@Param('id') id: string): Promise<SubscriberDto> {
    return this.subscribers.get(id);
  }

  @Patch(':id')
  @RequireScopes('subscribers:write')
  @ApiParam(ID_PARAM)
  @ApiOperation({ summary: 'Update a subscriber; attributes and dates are merged (null removes)' })
  @ApiOkResponse({ type: SubscriberDto })
  @ApiErrors(
    400,
    404,
    [409, 'Another subscriber has this email'],
    [422, 'The new address is suppressed'],
  )
  update(@Param('id') id: string, @Body() dto: UpdateSubscriberDto): Promise<SubscriberDto> {
    return this.subscribers.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequireScopes('subscribers:write')
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary:
      'Erase a subscriber: personal data and consent history removed, address suppressed as a keyed hash',
  })
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiErrors(404)
  async erase(@Param('id') id: string): Promise<void> {
    await this.subscribers.erase(id);
  }

  @Get(':id/subscriptions')
  @RequireScopes('subscribers:read')
  @ApiParam(ID_PARAM)
  @ApiOperation({ summary: "A subscriber's subscriptions" })
  @ApiOkResponse({ type: SubscriptionDto, isArray: true })
  @ApiErrors(404)
  async listSubscriptions(@Param('id') id: string): Promise<SubscriptionDto[]> {
    return this.subscriptions.list(await this.resolveId(id));
  }

  @Post(':id/subscriptions')
  @RequireScopes('subscribers:write')
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary:
      'Subscribe to a topic (201), or change the frequency of an existing subscription (200)',
  })
  @ApiCreatedResponse({ type: SubscriptionChangeDto, description: 'Subscribed' })
  @ApiOkResponse({
    type: SubscriptionChangeDto,
    description: 'Already subscribed: the frequency was changed, or nothing changed',
  })
  @ApiErrors(
    [404, 'No such subscriber or topic'],
    [422, 'The topic is archived, does not take prospects, or the frequency is not allowed'],
  )
  async subscribe(
    @Param('id') id: string,
    @Body() dto: SubscribeDto,
    @Res({ passthrough: true }) res: Response,
    @CurrentCaller() key: CallerRef,
  ): Promise<SubscriptionChangeDto> {
    const subscriberId = await this.resolveId(id);
    const ctx = apiContext(key, { consent: dto.consent, source: dto.source ?? 'api' });
    const result = await this.subscriptions.inTransaction(subscriberId, (m, s) =>
      this.subscriptions.subscribe(m, s, dto, ctx),
    );
    res.status(result.joined ? 201 : 200);
    return {
      subscription: toSubscriptionDto(result.subscription, result.topic.key),
      changed: result.changed,
    };
  }

  @Patch(':id/subscriptions/:topic')
  @RequireScopes('subscribers:write')
  @ApiParam(ID_PARAM)
  @ApiOperation({ summary: 'Change how often the subscriber receives a topic' })
  @ApiOkResponse({ type: SubscriptionChangeDto })
  @ApiErrors(
    [404, 'No such subscriber, topic or subscription'],
    [422, 'The frequency is not allowed'],
  )
  async changeFrequency(
    @Param('id') id: string,
    @Param('topic') topic: string,
    @Body() dto: ChangeFrequencyDto,
    @CurrentCaller() key: CallerRef,
  ): Promise<SubscriptionChangeDto> {
    const subscriberId = await this.resolveId(id);
    const ctx = apiContext(key, { consent: dto.consent });
    const r = await this.subscriptions.inTransaction(subscriberId, (m, s) =>
      this.subscriptions.changeFrequency(m, s, topic, dto.frequency, ctx),
    );
    return { subscription: toSubscriptionDto(r.subscription, r.topic.key), changed: r.changed };
  }

  @Delete(':id/subscriptions/:topic')
  @HttpCode(200)
  @RequireScopes('subscribers:write')
  @ApiParam(ID_PARAM)
  @ApiOperation({ summary: 'Unsubscribe from a topic (repeating it is harmless)' })
  @ApiOkResponse({ type: SubscriptionChangeDto })
  @ApiErrors([404, 'No such subscriber or topic'])
  async unsubscribe(
    @Param('id') id: string,
    @Param('topic') topic: string,
    @CurrentCaller() key: CallerRef,
  ): Promise<SubscriptionChangeDto> {
    const subscriberId = await this.resolveId(id);
    const r = await this.subscriptions.inTransaction(subscriberId, (m, s) =>
      this.subscriptions.unsubscribe(m, s, topic, apiContext(key)),
    );
    return { subscription: toSubscriptionDto(r.subscription, r.topic.key), changed: r.changed };
  }

  @Get(':id/consent')
  @RequireScopes('subscribers:read')
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary: 'The consent history: every opt-in, opt-out and change, with its exact wording',
  })
  @ApiOkResponse({ type: ConsentEventDto, isArray: true })
  @ApiErrors(404)
  async consentHistory(@Param('id') id: string): Promise<ConsentEventDto[]> {
    const subscriberId = await this.resolveId(id);
    return (await this.consent.history(subscriberId)).map((e) => ConsentEventDto.from(e));
  }

  private async resolveId(idOrEmail: string): Promise<string> {
    const s = await this.subscribers.find(idOrEmail);
    if (!s || s.status === 'erased')
      throw new NotFoundError(
        `Subscriber ${idOrEmail.includes('@') ? 'with that email' : idOrEmail} not found`,
        'id',
      );
    return s.id;
  }
}
