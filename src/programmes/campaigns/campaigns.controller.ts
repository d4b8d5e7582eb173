import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import type { Response } from 'express';
import { RequireScopes } from '../../platform/http/auth.decorators';
import {
  AudienceCountDto,
  CampaignDto,
  CampaignForecastDto,
  CampaignPageDto,
  CountAudienceDto,
  CreateCampaignDto,
  ForecastCampaignDto,
  ListCampaignsQueryDto,
} from './campaign.dto';
import { CampaignForecast } from './campaign-forecast.service';
import { CampaignsService } from './campaigns.service';

@ApiTags('campaigns')
@Controller('v1/campaigns')
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly forecasts: CampaignForecast,
  ) {}

  @Post()
  @RequireScopes('campaigns:write')
  @ApiOperation({
    summary:
      'Send a content item (or template + data) to a topic’s audience, now or at sendAt. It respects every subscriber’s frequency: without room this period it folds into their next digest.',
  })
  @ApiCreatedResponse({ type: CampaignDto, description: 'Created' })
  @ApiOkResponse({
    type: CampaignDto,
    description: 'A repeat of an earlier request with the same idempotencyKey',
  })
  @ApiErrors(
    [404, 'The topic or content item does not exist'],
    [409, 'The idempotencyKey was used for a different request'],
    [
      422,
      'A rule refuses it (`code` says which), e.g. promotional content in a non-promotional topic',
    ],
  )
  async create(
    @Body() dto: CreateCampaignDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CampaignDto> {
    const result = await this.campaigns.create(dto);
    if (result.replayed) res.status(200);
    return result.campaign;
  }

  @Post('audience')
  @HttpCode(200)
  @RequireScopes('campaigns:read')
  @ApiOperation({
    summary:
      'Count the subscribers a campaign to this topic and segment would address, without writing anything',
  })
  @ApiOkResponse({ type: AudienceCountDto })
  @ApiErrors(
    400,
    [404, 'The topic does not exist'],
    [422, 'The topic carries notices (`topic_carries_notices`)'],
  )
  countAudience(@Body() dto: CountAudienceDto): Promise<AudienceCountDto> {
    return this.forecasts.count(dto);
  }

  @Post('forecast')
  @HttpCode(200)
  @RequireScopes('campaigns:read')
  @ApiOperation({
    summary:
      "What launching this campaign would do per subscriber (sent now, folded into the next digest, skipped and why), decided by the fan-out's own rules, without writing anything",
  })
  @ApiOkResponse({ type: CampaignForecastDto })
  @ApiErrors(
    400,
    [404, 'The topic or content item does not exist'],
    [422, 'A rule refuses the campaign (`code` says which), as POST /v1/campaigns would'],
  )
  forecast(@Body() dto: ForecastCampaignDto): Promise<CampaignForecastDto> {
    return this.forecasts.forecast(dto);
  }

  @Get()
  @RequireScopes('campaigns:read')
  @ApiOperation({ summary: 'List campaigns, newest first, with their stats' })
  @ApiOkResponse({ type: CampaignPageDto })
  list(@Query() query: ListCampaignsQueryDto): Promise<CampaignPageDto> {
    return this.campaigns.list(query);
  }

  @Get(':id')
  @RequireScopes('campaigns:read')
  @ApiOperation({ summary: 'A campaign with its progress and stats (live while it runs)' })
  @ApiOkResponse({ type: CampaignDto })
  @ApiErrors(404)
  get(@Param('id') id: string): Promise<CampaignDto> {
    return this.campaigns.get(id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @RequireScopes('campaigns:write')
  @ApiOperation({ summary: 'Cancel: nothing not yet sent goes out (409 when all was sent)' })
  @ApiOkResponse({ type: CampaignDto })
  @ApiErrors(404, [409, 'The campaign has been sent; nothing is left to cancel'])
  cancel(@Param('id') id: string): Promise<CampaignDto> {
    return this.campaigns.cancel(id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @RequireScopes('campaigns:write')
  @ApiOperation({
    summary:
      'Resume a failed campaign: its fan-out continues from where it stopped (its cursor); nobody it already reached gets it twice',
  })
  @ApiOkResponse({ type: CampaignDto, description: 'Running again' })
  @ApiErrors(
    [404, 'No campaign with this id'],
    [409, 'The campaign is not failed (code `campaign_not_failed`): nothing to resume'],
  )
  resume(@Param('id') id: string): Promise<CampaignDto> {
    return this.campaigns.resume(id);
  }
}
