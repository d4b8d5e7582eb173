import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { ApiCaller, CurrentApiKey, RequireScopes } from '../../platform/http/auth.decorators';
import {
  CreateDataPurposeDto,
  DataPurposeDto,
  ListPurposesQueryDto,
  PurposeDecisionDto,
  PurposeGrantDto,
  UpdateDataPurposeDto,
} from './data-purpose.dto';
import { DataPurposesService } from './data-purposes.service';
import { PurposeGrantsService } from './purpose-grants.service';

@ApiTags('data purposes')
@Controller('v1/data-purposes')
export class DataPurposesController {
  constructor(private readonly purposes: DataPurposesService) {}

  @Post()
  @RequireScopes('purposes:write')
  @ApiOperation({ summary: 'Describe a data-use purpose' })
  @ApiCreatedResponse({ type: DataPurposeDto })
  @ApiErrors(400, [409, 'A purpose with this key exists'])
  async create(@Body() dto: CreateDataPurposeDto): Promise<DataPurposeDto> {
    return DataPurposeDto.from(await this.purposes.create(dto));
  }

  @Get()
  @RequireScopes('purposes:read')
  @ApiOperation({ summary: 'List data-use purposes (archived ones only on request)' })
  @ApiOkResponse({ type: DataPurposeDto, isArray: true })
  @ApiErrors(400)
  async list(@Query() query: ListPurposesQueryDto): Promise<DataPurposeDto[]> {
    return (await this.purposes.list(query.includeArchived)).map((p) => DataPurposeDto.from(p));
  }

  @Get(':idOrKey')
  @RequireScopes('purposes:read')
  @ApiOperation({ summary: 'Get a data-use purpose by id or key' })
  @ApiOkResponse({ type: DataPurposeDto })
  @ApiErrors(404)
  async get(@Param('idOrKey') idOrKey: string): Promise<DataPurposeDto> {
    return DataPurposeDto.from(await this.purposes.get(idOrKey));
  }

  @Patch(':idOrKey')
  @RequireScopes('purposes:write')
  @ApiOperation({ summary: 'Change a purpose (the key never changes; its version goes up)' })
  @ApiOkResponse({ type: DataPurposeDto })
  @ApiErrors(400, 404)
  async update(
    @Param('idOrKey') idOrKey: string,
    @Body() dto: UpdateDataPurposeDto,
  ): Promise<DataPurposeDto> {
    return DataPurposeDto.from(await this.purposes.update(idOrKey, dto));
  }

  @Delete(':idOrKey')
  @HttpCode(200)
  @RequireScopes('purposes:write')
  @ApiOperation({
    summary: 'Archive a purpose: grants and history stay; rules can no longer declare it',
  })
  @ApiOkResponse({ type: DataPurposeDto })
  @ApiErrors(404)
  async archive(@Param('idOrKey') idOrKey: string): Promise<DataPurposeDto> {
    return DataPurposeDto.from(await this.purposes.archive(idOrKey));
  }
}

@ApiTags('data purposes')
@Controller('v1/subscribers/:idOrEmail/purposes')
export class SubscriberPurposesController {
  constructor(private readonly grants: PurposeGrantsService) {}

  @Get()
  @RequireScopes('subscribers:read')
  @ApiOperation({ summary: "Every purpose and the subscriber's answer to the consent-based ones" })
  @ApiOkResponse({ type: PurposeGrantDto, isArray: true })
  @ApiErrors(404)
  list(@Param('idOrEmail') idOrEmail: string): Promise<PurposeGrantDto[]> {
    return this.grants.states(idOrEmail);
  }

  @Post(':purpose/grant')
  @HttpCode(200)
  @RequireScopes('subscribers:write')
  @ApiOperation({ summary: 'Record that the subscriber granted a consent-based purpose' })
  @ApiOkResponse({ type: PurposeGrantDto })
  @ApiErrors(400, 404, [422, 'The purpose is not consent-based, or archived'])
  grant(
    @Param('idOrEmail') idOrEmail: string,
    @Param('purpose') purpose: string,
    @Body() dto: PurposeDecisionDto,
    @CurrentApiKey() key?: ApiCaller,
  ): Promise<PurposeGrantDto> {
    return this.grants.decide(idOrEmail, purpose, true, decision(dto, key));
  }

  @Post(':purpose/withdraw')
  @HttpCode(200)
  @RequireScopes('subscribers:write')
  @ApiOperation({
    summary:
      'Record that the subscriber withdrew a consent-based purpose (deletes the data it covers when the purpose says so)',
  })
  @ApiOkResponse({ type: PurposeGrantDto })
  @ApiErrors(400, 404, [422, 'The purpose is not consent-based'])
  withdraw(
    @Param('idOrEmail') idOrEmail: string,
    @Param('purpose') purpose: string,
    @Body() dto: PurposeDecisionDto,
    @CurrentApiKey() key?: ApiCaller,
  ): Promise<PurposeGrantDto> {
    return this.grants.decide(idOrEmail, purpose, false, decision(dto, key));
  }
}

function decision(dto: PurposeDecisionDto, key?: ApiCaller) {
  return {
    wording: dto.wording,
    wordingVersion: dto.wordingVersion,
    source: dto.source ?? 'api',
    details: key ? { apiKey: key.id } : {},
  };
}
