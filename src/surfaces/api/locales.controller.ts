import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { defaultLocale, locales } from '../../platform/locale';

export class LocalesDto {
  @ApiProperty({
    type: String,
    isArray: true,
    example: ['nl', 'en'],
    description: 'The configured locales (LOCALES), the default first',
  })
  locales!: string[];

  @ApiProperty({
    example: 'nl',
    description: 'The default locale: content per locale needs it, other locales fall back to it',
  })
  default!: string;
}

/** The configured locales, so a client can offer content per locale (e.g. a rule's content). */
@ApiTags('locales')
@Controller('v1/locales')
export class LocalesController {
  @Get()
  @RequireScopes()
  @ApiOperation({
    summary: 'The configured locales, the default first (any key or signed-in user)',
  })
  @ApiOkResponse({ type: LocalesDto })
  list(): LocalesDto {
    return { locales: [...locales()], default: defaultLocale() };
  }
}
