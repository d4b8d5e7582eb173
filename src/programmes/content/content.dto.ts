import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../platform/http/pagination';
import { NormaliseLineEndings } from '../../platform/http/validation';
import { NO_CONTROL_CHARACTERS } from '../../audience/subscribers/subscriber.dto';
import { BODY_FORMATS, BodyFormat } from './content-body';
import {
  CONTENT_KINDS,
  CONTENT_STATUSES,
  ContentItem,
  ContentKind,
  ContentStatus,
  contentStatus,
} from './content-item.entity';
import { IsConfiguredLocale, Locale, LOCALE_API_PROPERTY } from '../../platform/locale';

export const MAX_BODY_LENGTH = 200_000;
const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

/** The wording of an item in one locale; the item itself carries its main locale's wording. */
export class ContentVariantDto {
  @ApiProperty({ example: 'Exports now include your consent history' })
  @IsString()
  @Length(1, 300)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'title must not contain line breaks' })
  title!: string;

  @ApiPropertyOptional({ description: 'Shown in digests under the title' })
  @IsOptional()
  @NormaliseLineEndings()
  @IsString()
  @MaxLength(2000)
  summary?: string;

  @ApiPropertyOptional({
    description: "HTML or Markdown (see the item's bodyFormat); sanitised to email-safe HTML",
  })
  @IsOptional()
  @NormaliseLineEndings()
  @IsString()
  @MaxLength(MAX_BODY_LENGTH)
  body?: string;

  @ApiPropertyOptional({
    example: 'https://www.example.com/news/consent-export',
    description: 'Where "Read more" points',
  })
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'link must be an http(s) URL' })
  @MaxLength(2000)
  link?: string;
}

export class ContentVariantsDto {
  @ApiPropertyOptional({ type: ContentVariantDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ContentVariantDto)
  nl?: ContentVariantDto;

  @ApiPropertyOptional({ type: ContentVariantDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ContentVariantDto)
  en?: ContentVariantDto;
}

/** The main locale's wording (title, summary, body, link) comes from ContentVariantDto. */
export class CreateContentItemDto extends ContentVariantDto {
  @ApiProperty({ example: 'product-news', description: 'Topic key or id' })
  @IsString()
  @MaxLength(100)
  topic!: string;

  @ApiProperty({
    enum: CONTENT_KINDS,
    description: 'promotional content is only allowed in promotional topics',
  })
  @IsIn(CONTENT_KINDS)
  kind!: ContentKind;

  @ApiPropertyOptional({
    ...LOCALE_API_PROPERTY,
    description: 'Locale of the main fields: en if configured, else the first of LOCALES',
  })
  @IsOptional()
  @IsConfiguredLocale()
  locale?: Locale;

  @ApiPropertyOptional({ enum: BODY_FORMATS, default: 'html' })
  @IsOptional()
  @IsIn(BODY_FORMATS)
  bodyFormat?: BodyFormat;

  @ApiPropertyOptional({
    type: ContentVariantsDto,
    description: 'The same item in other locales; subscribers get their own locale when present',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ContentVariantsDto)
  variants?: ContentVariantsDto;

  @ApiPropertyOptional({
    description: 'When it becomes content (ISO 8601); default now',
    example: '2027-01-12T09:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'publishAt must be an ISO 8601 date-time' })
  publishAt?: string;

  @ApiPropertyOptional({ description: 'After this it is no longer sent (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: string;

  @ApiPropertyOptional({
    default: true,
    description: 'Gathered into subscribers’ digests; false: reaches people only through campaigns',
  })
  @IsOptional()
  @IsBoolean()
  inDigests?: boolean;
}

export class UpdateContentItemDto extends PartialType(
  OmitType(CreateContentItemDto, ['topic'] as const),
) {}

export class ListContentQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Topic key or id' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  topic?: string;

  @ApiPropertyOptional({ enum: CONTENT_STATUSES })
  @IsOptional()
  @IsIn(CONTENT_STATUSES)
  status?: ContentStatus;
}

export class ContentVariantViewDto {
  @ApiProperty() title!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({ description: 'As written' }) body!: string;
  @ApiProperty({ description: 'Sanitised, as it is sent' }) bodyHtml!: string;
  @ApiProperty({ nullable: true, type: String }) link!: string | null;
}

export class ContentItemDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() topic!: string;
  @ApiProperty({ enum: CONTENT_KINDS }) kind!: ContentKind;
  @ApiProperty(LOCALE_API_PROPERTY) locale!: Locale;
  @ApiProperty() title!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({ enum: BODY_FORMATS }) bodyFormat!: BodyFormat;
  @ApiProperty({ description: 'As written' }) body!: string;
  @ApiProperty({ description: 'Sanitised, as it is sent' }) bodyHtml!: string;
  @ApiProperty({ description: 'The plain-text part' }) bodyText!: string;
  @ApiProperty({ nullable: true, type: String }) link!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { $ref: '#/components/schemas/ContentVariantViewDto' },
  })
  variants!: Record<string, ContentVariantViewDto>;
  @ApiProperty() inDigests!: boolean;
  @ApiProperty() publishedAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) expiresAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) withdrawnAt!: Date | null;
  @ApiProperty({
    nullable: true,
    type: Date,
    description: 'When its first copy went out; from then on it cannot be edited',
  })
  firstSentAt!: Date | null;
  @ApiProperty({ enum: CONTENT_STATUSES }) status!: ContentStatus;
  @ApiProperty({ description: 'False once a copy was sent or it was withdrawn' })
  editable!: boolean;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static from(c: ContentItem, topicKey: string, now: Date): ContentItemDto {
    const variants: Record<string, ContentVariantViewDto> = {};
    for (const [locale, v] of Object.entries(c.variants ?? {})) {
      if (!v) continue;
      variants[locale] = {
        title: v.title,
        summary: v.summary,
        body: v.bodySource,
        bodyHtml: v.bodyHtml,
        link: v.link,
      };
    }
    return {
      id: c.id,
      topic: topicKey,
      kind: c.kind,
      locale: c.locale,
      title: c.title,
      summary: c.summary,
      bodyFormat: c.bodyFormat,
      body: c.bodySource,
      bodyHtml: c.bodyHtml,
      bodyText: c.bodyText,
      link: c.link,
      variants,
      inDigests: c.inDigests,
      publishedAt: c.publishedAt,
      expiresAt: c.expiresAt,
      withdrawnAt: c.withdrawnAt,
      firstSentAt: c.firstSentAt,
      status: contentStatus(c, now),
      editable: !c.firstSentAt && !c.withdrawnAt,
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
    };
  }

  @ApiPropertyOptional({
    type: [String],
    description:
      'On create and update: what does not refuse the item but may hurt it (its email nears the 102 KB size where Gmail clips)',
  })
  warnings?: string[];
}

export class ContentItemPageDto {
  @ApiProperty({ type: ContentItemDto, isArray: true }) items!: ContentItemDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

/** An unsaved content item, as POST /v1/content-items would take it, to see its email. */
export class PreviewContentItemDto extends OmitType(CreateContentItemDto, [
  'publishAt',
  'expiresAt',
  'inDigests',
] as const) {}

export class ContentLocalePreviewDto {
  @ApiProperty({ ...LOCALE_API_PROPERTY }) locale!: Locale;
  @ApiProperty({
    enum: ['main', 'variant'],
    description:
      "Which wording a subscriber of this locale gets: the item's main fields or its variant",
  })
  wording!: 'main' | 'variant';
  @ApiProperty({ description: 'The subject line' }) subject!: string;
  @ApiProperty({ description: 'The HTML part, as the campaign email would carry it' })
  html!: string;
  @ApiProperty({ description: 'The plain-text part' }) text!: string;
  @ApiProperty({ type: 'integer', description: 'Size of the HTML part in bytes' })
  htmlBytes!: number;
}

export class ContentSizeProblemDto {
  @ApiProperty({ example: 'body', description: 'The field whose content is too large' })
  field!: string;
  @ApiProperty({ enum: ['content_too_large'] }) code!: 'content_too_large';
  @ApiProperty() message!: string;
}

export class ContentItemPreviewDto {
  @ApiProperty({
    type: ContentLocalePreviewDto,
    isArray: true,
    description: 'The campaign email in every configured locale',
  })
  locales!: ContentLocalePreviewDto[];
  @ApiProperty({
    type: String,
    isArray: true,
    description: 'Size warnings: an HTML part over 90 KB, near the 102 KB clip',
  })
  warnings!: string[];
  @ApiProperty({
    type: ContentSizeProblemDto,
    nullable: true,
    description: 'Set when publishing it would be refused with 422 content_too_large',
  })
  tooLarge!: ContentSizeProblemDto | null;
}
