import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { SilenceReportDto } from './silence.dto';
import { SilenceService } from './silence.service';

@ApiTags('reports')
@Controller('v1/reports/silence')
export class SilenceController {
  constructor(private readonly silence: SilenceService) {}

  @Get()
  @RequireScopes('reports:read')
  @ApiOperation({
    summary:
      'Silent subscribers by topic (their chosen period plus a grace passed with nothing), and the share of recent opt-ins who got nothing but the confirmation',
  })
  @ApiOkResponse({ type: SilenceReportDto })
  report(): Promise<SilenceReportDto> {
    return this.silence.report();
  }
}
