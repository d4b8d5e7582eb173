import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional } from 'class-validator';
import { NormaliseLineEndings } from '../../platform/http/validation';
import { IsConfiguredLocale, Locale, LOCALE_API_PROPERTY } from '../../platform/locale';

export class TemplateSummaryDto {
  @ApiProperty({ example: 'welcome' })
  key!: string;

  @ApiProperty({ ...LOCALE_API_PROPERTY, isArray: true, example: ['nl', 'en'] })
  locales!: Locale[];

  @ApiProperty({
    example: '3f9a1c0b7d2e',
    description: 'Content hash of the template files; changes whenever the output can change',
  })
  version!: string;
}

export class TemplateDetailDto extends TemplateSummaryDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: true },
    description:
      'Example data per locale (sample.json with sample.<locale>.json overrides): the variables the template expects, and the preview default',
  })
  samples!: Record<string, Record<string, unknown>>;
}

export class PreviewTemplateDto {
  @ApiProperty(LOCALE_API_PROPERTY)
  @IsConfiguredLocale()
  locale!: Locale;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      "Template data; each top-level key replaces the sample's. Configuration values (brand, sender, publicUrl) are always added.",
    example: { subscriber: { name: 'Anna', email: 'anna@example.com' } },
  })
  @IsOptional()
  @NormaliseLineEndings()
  @IsObject()
  data?: Record<string, unknown>;
}

export class RenderedEmailDto {
  @ApiProperty({ example: 'Welkom bij Tidings: dit kun je van ons verwachten' })
  subject!: string;

  @ApiProperty({ description: 'The HTML part' })
  html!: string;

  @ApiProperty({ description: 'The plain-text part' })
  text!: string;

  @ApiProperty({ example: '3f9a1c0b7d2e' })
  templateVersion!: string;
}
