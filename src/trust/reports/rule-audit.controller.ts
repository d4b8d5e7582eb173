import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { Clock } from '../../platform/clock';
import { AuditService } from './audit.service';
import { RuleAuditDto, RuleAuditQueryDto } from './lifecycle-report.dto';

/**
 * One lifecycle rule's trust audit, read before enabling it. It lives with the reports (trust)
 * because the classification is the trust audit's; the rule itself is the lifecycle module's.
 */
@ApiTags('lifecycle')
@Controller('v1/lifecycle-rules')
export class RuleAuditController {
  constructor(
    private readonly audits: AuditService,
    private readonly clock: Clock,
  ) {}

  @Get(':idOrKey/audit')
  @RequireScopes('lifecycle:read', 'reports:read')
  @ApiParam({ name: 'idOrKey', description: 'Rule id or key' })
  @ApiOperation({
    summary:
      "One rule's trust audit: per upcoming date, who will get the notice and who will not, and why. A disabled rule is classified as if it were enabled now.",
  })
  @ApiOkResponse({ type: RuleAuditDto })
  @ApiErrors([400, 'A query parameter is invalid; `field` names it'], [404, 'No such rule'])
  audit(
    @Param('idOrKey') idOrKey: string,
    @Query() query: RuleAuditQueryDto,
  ): Promise<RuleAuditDto> {
    return this.audits.ruleAudit(idOrKey, query, this.clock.now());
  }
}
