import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { ListSuppressionsQueryDto, SuppressionDto, SuppressionPageDto } from './suppression.dto';
import { SuppressionsService } from './suppressions.service';

/**
 * The suppression list, read-only: an address on it is never mailed or re-imported again
 * (docs/operations.md). Nothing removes an entry through the API.
 */
@ApiTags('suppressions')
@Controller('v1/suppressions')
export class SuppressionsController {
  constructor(private readonly suppressions: SuppressionsService) {}

  @Get()
  @RequireScopes('subscribers:read')
  @ApiOperation({
    summary: 'Suppressed addresses, newest first; `email` looks one address up',
    description:
      'Only keyed hashes of addresses are stored, so the list shows no addresses; `email` is hashed the same way and answers its entry (one item) or none.',
  })
  @ApiOkResponse({ type: SuppressionPageDto })
  @ApiErrors(400)
  async list(@Query() query: ListSuppressionsQueryDto): Promise<SuppressionPageDto> {
    const page = await this.suppressions.page(query);
    return { items: page.items.map((s) => SuppressionDto.from(s)), nextCursor: page.nextCursor };
  }
}
