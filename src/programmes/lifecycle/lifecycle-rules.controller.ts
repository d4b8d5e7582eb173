import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import {
  CreateLifecycleRuleDto,
  LifecycleRuleDto,
  UpdateLifecycleRuleDto,
} from './lifecycle-rule.dto';
import { LifecycleRulesService } from './lifecycle-rules.service';

const ID_PARAM = { name: 'idOrKey', description: 'Rule id or key' };

@ApiTags('lifecycle')
@Controller('v1/lifecycle-rules')
export class LifecycleRulesController {
  constructor(private readonly rules: LifecycleRulesService) {}

  @Post()
  @RequireScopes('lifecycle:write')
  @ApiOperation({
    summary: 'Create a lifecycle rule (welcome follow-up, date notice, event or attribute trigger)',
  })
  @ApiCreatedResponse({ type: LifecycleRuleDto })
  @ApiErrors(
    [400, 'A field is invalid; `field` names it'],
    [404, 'The topic does not exist'],
    [409, 'A rule with this key exists'],
    [422, 'The topic is not a notice topic, or archived'],
  )
  create(@Body() dto: CreateLifecycleRuleDto): Promise<LifecycleRuleDto> {
    return this.rules.create(dto);
  }

  @Get()
  @RequireScopes('lifecycle:read')
  @ApiOperation({ summary: 'List lifecycle rules' })
  @ApiOkResponse({ type: LifecycleRuleDto, isArray: true })
  list(): Promise<LifecycleRuleDto[]> {
    return this.rules.list();
  }

  @Get(':idOrKey')
  @RequireScopes('lifecycle:read')
  @ApiParam(ID_PARAM)
  @ApiOperation({ summary: 'Get a lifecycle rule' })
  @ApiOkResponse({ type: LifecycleRuleDto })
  @ApiErrors(404)
  get(@Param('idOrKey') idOrKey: string): Promise<LifecycleRuleDto> {
    return this.rules.get(idOrKey);
  }

  @Patch(':idOrKey')
  @RequireScopes('lifecycle:write')
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary:
      'Change a rule (the key never changes). Queued notices of an edited or disabled rule are cancelled; the next ticks write them again from the new version.',
  })
  @ApiOkResponse({ type: LifecycleRuleDto })
  @ApiErrors(
    [404, 'No such rule, or the new topic does not exist'],
    [422, 'The new topic is not a notice topic, or archived'],
  )
  update(
    @Param('idOrKey') idOrKey: string,
    @Body() dto: UpdateLifecycleRuleDto,
  ): Promise<LifecycleRuleDto> {
    return this.rules.update(idOrKey, dto);
  }

  @Delete(':idOrKey')
  @HttpCode(204)
  @RequireScopes('lifecycle:write')
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary:
      'Delete a rule: its queued notices are cancelled; history (sent notices, missed promises) stays for reports',
  })
  @ApiNoContentResponse()
  @ApiErrors(404)
  async remove(@Param('idOrKey') idOrKey: string): Promise<void> {
    await this.rules.remove(idOrKey);
  }
}
