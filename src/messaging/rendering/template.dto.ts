import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsSmallJsonObject, NormaliseLineEndings } from '../../platform/http/validation';
import { IsConfiguredLocale, Locale, LOCALE_API_PROPERTY } from '../../platform/locale';
import { TEMPLATE_KEY_PATTERN } from './template-content';

/** MJML of one locale; the HTML it makes is checked against Gmail's 102 KB clip separately. */
const MAX_SOURCE = 200 * 1024;

export class LocaleContentDto {
  @ApiProperty({
    description: 'The MJML body; shared partials ({{> head}}, {{> footer}}, ...) may be used',
  })
  @IsString()
  @NormaliseLineEndings()
  @MaxLength(MAX_SOURCE)
  mjml!: string;

  @ApiProperty({
    example: 'Your {{policy}} renews on {{date}}',
    description: 'Handlebars, one line',
  })
  @IsString()
  @NormaliseLineEndings()
  @MaxLength(1000)
  subject!: string;

  @ApiProperty({ description: 'The plain-text part (Handlebars)' })
  @IsString()
  @NormaliseLineEndings()
  @MaxLength(MAX_SOURCE)
  text!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'Strings {{t "key"}} resolves to, over the shared ones (nested objects give dotted keys)',
  })
  @IsSmallJsonObject(64 * 1024)
  strings!: Record<string, unknown>;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'Realistic example data: the preview default, and what validation renders',
  })
  @IsSmallJsonObject(128 * 1024)
  sample!: Record<string, unknown>;
}

export class TemplateLocalesDto {
  /** The shipped locales are properties; the type allows any configured locale's key. */
  [locale: string]: LocaleContentDto | undefined;

  @ApiPropertyOptional({ type: LocaleContentDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => LocaleContentDto)
  nl?: LocaleContentDto;

  @ApiPropertyOptional({ type: LocaleContentDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => LocaleContentDto)
  en?: LocaleContentDto;
}

export class TemplateContentDto {
  @ApiProperty({ example: 'Renewal ahead, 30 days before renewal_date' })
  @IsString()
  @MaxLength(500)
  description!: string;

  @ApiProperty({
    description:
      'Marketing mail must include {{> footer}} (unsubscribe, preferences, postal address)',
  })
  @IsBoolean()
  marketing!: boolean;

  @ApiProperty({
    type: [String],
    example: ['heading', 'intro', 'deadline'],
    description:
      'Top-level variables the template may use, besides brand, sender, publicUrl, locale, links, subscriber and marketing',
  })
  @ArrayMaxSize(100)
  @Matches(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { each: true })
  variables!: string[];

  @ApiProperty({
    type: TemplateLocalesDto,
    description:
      "nl and en are required (the shipped locales); a further configured locale renders from the default locale's version with its LOCALE_DIR strings (docs/locales.md)",
  })
  @IsObject()
  @ValidateNested()
  @Type(() => TemplateLocalesDto)
  locales!: TemplateLocalesDto;
}

export class CreateTemplateDto extends TemplateContentDto {
  @ApiProperty({ example: 'renewal-ahead', pattern: TEMPLATE_KEY_PATTERN.source })
  @Matches(TEMPLATE_KEY_PATTERN, {
    message: 'key must be lowercase letters, digits and dashes (at most 63)',
  })
  key!: string;
}

export class TemplateSummaryDto {
  @ApiProperty({ example: 'welcome' })
  key!: string;

  @ApiProperty({ example: 'The welcome after confirmation' })
  description!: string;

  @ApiProperty()
  marketing!: boolean;

  @ApiProperty({ ...LOCALE_API_PROPERTY, isArray: true, example: ['nl', 'en'] })
  locales!: Locale[];

  @ApiProperty({
    type: Number,
    nullable: true,
    example: 3,
    description: 'The published version delivery renders; null until the first publish',
  })
  version!: number | null;

  @ApiProperty({ description: 'Whether an unpublished draft exists' })
  hasDraft!: boolean;

  @ApiProperty({ type: Date, nullable: true, description: 'When the published version was' })
  publishedAt!: Date | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'anna@acme.example',
    description:
      "Who published the published version: a console user's email address or an API key's name; null for a shipped default (and versions published before this was kept)",
  })
  publishedBy!: string | null;

  @ApiProperty()
  updatedAt!: Date;
}

export class TemplateDetailDto extends TemplateSummaryDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'object', additionalProperties: true },
    description: 'Sample data per locale of the published version (the draft if none)',
  })
  samples!: Record<string, Record<string, unknown>>;

  @ApiProperty({ type: TemplateContentDto, nullable: true })
  published!: TemplateContentDto | null;

  @ApiProperty({ type: TemplateContentDto, nullable: true })
  draft!: TemplateContentDto | null;

  @ApiProperty({ type: Date, nullable: true })
  draftUpdatedAt!: Date | null;
}

export class TemplateProblemDto {
  @ApiProperty({ example: 'locales.nl.mjml' }) field!: string;
  @ApiPropertyOptional({ example: 12 }) line?: number;
  @ApiPropertyOptional({ example: 7 }) column?: number;
  @ApiProperty() message!: string;
  @ApiProperty({ example: 'spammy_subject' }) code!: string;
}

export class SavedTemplateDto {
  @ApiProperty({ type: TemplateDetailDto }) template!: TemplateDetailDto;

  @ApiProperty({
    type: [TemplateProblemDto],
    description:
      'What does not refuse the template but may hurt it: size near the clip, spammy subject, hidden text',
  })
  warnings!: TemplateProblemDto[];
}

export class TemplateVersionDto {
  @ApiProperty({ example: 2 }) version!: number;
  @ApiProperty({
    enum: ['default', 'draft'],
    description: 'A shipped default, or a published draft',
  })
  origin!: 'default' | 'draft';
  @ApiProperty() publishedAt!: Date;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "A console user's email address or an API key's name; null for a shipped default",
  })
  publishedBy!: string | null;
}

export class TemplateVersionDetailDto extends TemplateVersionDto {
  @ApiProperty({ type: TemplateContentDto }) content!: TemplateContentDto;
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

  @ApiPropertyOptional({
    type: TemplateContentDto,
    description:
      "Unsaved content to render instead of the published version (an editor's live preview): validated as PUT validates it (400 with `errors[]`), rendered with its own sample, nothing stored",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => TemplateContentDto)
  content?: TemplateContentDto;
}

export class PreviewAllDto {
  @ApiPropertyOptional({
    default: false,
    description: 'Render the draft instead of the published version',
  })
  @IsOptional()
  @IsBoolean()
  draft?: boolean;

  @ApiPropertyOptional({
    example: 'anna@example.com',
    description: "A subscriber's id or email: their name and email replace the sample's",
  })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  subscriber?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
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

  @ApiProperty({ example: 3, description: 'The published version (0: a draft)' })
  templateVersion!: number;
}

export class ContentPreviewDto extends RenderedEmailDto {
  @ApiPropertyOptional({
    type: [TemplateProblemDto],
    description: 'With `content` only: what does not refuse it (as PUT answers)',
  })
  warnings?: TemplateProblemDto[];
}

export class LocalePreviewDto extends RenderedEmailDto {
  @ApiProperty({ ...LOCALE_API_PROPERTY }) locale!: Locale;
}

export class PreviewAllResultDto {
  @ApiProperty({ type: Number, nullable: true, description: 'null: the draft' })
  version!: number | null;

  @ApiProperty({ type: [LocalePreviewDto], description: 'Every locale, side by side' })
  locales!: LocalePreviewDto[];
}
