import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { defaultLocale, locales } from '../../platform/locale';

export class LocalesDto {
  @ApiProperty({
    type: String,
    isArray: true,
    example: ['nl', 'en'],
    description: 'The configured locales (`LOCALES`), the default first',
  })
  locales!: string[];
  @ApiProperty({
    example: 'nl',
    description: "The default locale: a topic's `name` and `description` are its texts",
  })
  default!: string;
}

/**
 * The languages topics, templates and subscribers can have texts in, for forms that ask a text
 * per locale (the console's topic form). Every role reads topics, so `topics:read` suffices.
 */
@ApiTags('settings')
@Controller('v1/settings/locales')
export class LocalesController {
  @Get()
  @RequireScopes('topics:read')
  @ApiOperation({ summary: 'The configured locales (LOCALES), the default first' })
  @ApiOkResponse({ type: LocalesDto })
  list(): LocalesDto {
    return { locales: [...locales()], default: defaultLocale() };
  }
}
