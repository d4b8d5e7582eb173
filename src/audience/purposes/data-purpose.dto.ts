import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
} from 'class-validator';
import { NormaliseLineEndings } from '../../platform/http/validation';
import { CONSENT_SOURCES, ConsentSource } from '../consent/consent-event.entity';
import { TOPIC_KEY_PATTERN } from '../topics/topic.dto';
import { DataPurpose, LEGAL_BASES, LegalBasis } from './data-purpose.entity';

/** An attribute name as subscribers carry it (a dotted path covers what is under it). */
export const PURPOSE_ATTRIBUTE_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
export const PURPOSE_DATE_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
export const PURPOSE_EVENT_PATTERN = /^[a-z][a-z0-9_.-]{0,99}$/;

const TEXTS = (example: Record<string, string>, description: string) =>
  ({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 2000 },
    example,
    description,
  }) as const;

export class CreateDataPurposeDto {
  @ApiProperty({ example: 'renewal-warning', pattern: TOPIC_KEY_PATTERN.source })
  @IsString()
  @Matches(TOPIC_KEY_PATTERN, {
    message:
      'key must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit',
  })
  key!: string;

  @ApiPropertyOptional({
    example: 'Renewal warnings',
    description: "The default locale's name. Required unless `names` has one.",
  })
  @IsOptional()
  @NormaliseLineEndings()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', minLength: 1, maxLength: 200 },
    example: { nl: 'Waarschuwing voor verlenging', en: 'Renewal warnings' },
    description: "The name per configured locale; a locale without one shows the default's.",
  })
  @IsOptional()
  @IsObject()
  names?: Record<string, string>;

  @ApiPropertyOptional(
    TEXTS(
      { en: 'We read your renewal date to know when your policy renews.' },
      'Why the data is used, in plain words, per configured locale.',
    ),
  )
  @IsOptional()
  @IsObject()
  explanations?: Record<string, string>;

  @ApiPropertyOptional(
    TEXTS(
      { en: 'We warn you 30 days before your renewal, so you can still change it.' },
      'What the subscriber gains, per configured locale.',
    ),
  )
  @IsOptional()
  @IsObject()
  benefits?: Record<string, string>;

  @ApiPropertyOptional(
    TEXTS(
      { en: 'You will no longer get a warning before your renewal.' },
      'What stops when the subscriber withdraws (consent-based purposes), per configured locale.',
    ),
  )
  @IsOptional()
  @IsObject()
  withdrawalConsequences?: Record<string, string>;

  @ApiPropertyOptional({
    type: String,
    isArray: true,
    example: ['plan', 'usage_percent'],
    description: "Subscriber attributes it covers (a dotted name covers what's under it)",
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(PURPOSE_ATTRIBUTE_PATTERN, {
    each: true,
    message: 'attributes must be attribute names: 1-64 letters, digits, _ . or -',
  })
  attributes?: string[];

  @ApiPropertyOptional({ type: String, isArray: true, example: ['renewal_date'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(PURPOSE_DATE_PATTERN, {
    each: true,
    message: 'dates must be date names like renewal_date',
  })
  dates?: string[];

  @ApiPropertyOptional({ type: String, isArray: true, example: ['usage.threshold'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(PURPOSE_EVENT_PATTERN, {
    each: true,
    message: 'eventTypes must be event types: lowercase letters, digits, ., _ and -',
  })
  eventTypes?: string[];

  @ApiProperty({
    enum: LEGAL_BASES,
    description: '`consent`: used only for subscribers who granted it (off until they do)',
  })
  @IsIn(LEGAL_BASES)
  legalBasis!: LegalBasis;

  @ApiPropertyOptional({
    default: false,
    description: 'Withdrawing deletes the attributes and dates it covers',
  })
  @IsOptional()
  @IsBoolean()
  deleteOnWithdrawal?: boolean;
}

export class UpdateDataPurposeDto extends PartialType(
  OmitType(CreateDataPurposeDto, ['key'] as const),
) {}

const TEXT_MAP = {
  type: 'object',
  additionalProperties: { type: 'string' },
} as const;

export class DataPurposeDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() key!: string;
  @ApiProperty({ description: "The default locale's name" }) name!: string;
  @ApiProperty(TEXT_MAP) names!: Record<string, string>;
  @ApiProperty(TEXT_MAP) explanations!: Record<string, string>;
  @ApiProperty(TEXT_MAP) benefits!: Record<string, string>;
  @ApiProperty(TEXT_MAP) withdrawalConsequences!: Record<string, string>;
  @ApiProperty({ type: String, isArray: true }) attributes!: string[];
  @ApiProperty({ type: String, isArray: true }) dates!: string[];
  @ApiProperty({ type: String, isArray: true }) eventTypes!: string[];
  @ApiProperty({ enum: LEGAL_BASES }) legalBasis!: LegalBasis;
  @ApiProperty() deleteOnWithdrawal!: boolean;
  @ApiProperty({
    type: 'integer',
    description: 'Raised on every change; a grant records the version it was given for',
  })
  version!: number;
  @ApiProperty({ nullable: true, type: Date }) archivedAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static from(p: DataPurpose): DataPurposeDto {
    return {
      id: p.id,
      key: p.key,
      name: p.name,
      names: p.names ?? {},
      explanations: p.explanations ?? {},
      benefits: p.benefits ?? {},
      withdrawalConsequences: p.withdrawalConsequences ?? {},
      attributes: p.attributes,
      dates: p.dates,
      eventTypes: p.eventTypes,
      legalBasis: p.legalBasis,
      deleteOnWithdrawal: p.deleteOnWithdrawal,
      version: p.version,
      archivedAt: p.archivedAt,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
    };
  }
}

export class PurposeDecisionDto {
  @ApiPropertyOptional({
    description:
      "The exact text the subscriber agreed to or withdrew; default: the purpose's texts in the subscriber's language",
  })
  @IsOptional()
  @NormaliseLineEndings()
  @IsString()
  @Length(1, 4000)
  wording?: string;

  @ApiPropertyOptional({
    description: 'Version of that wording; default `purpose:<key>:v<version>`',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  wordingVersion?: string;

  @ApiPropertyOptional({ enum: CONSENT_SOURCES, default: 'api' })
  @IsOptional()
  @IsIn(CONSENT_SOURCES)
  source?: ConsentSource;
}

export class PurposeGrantDto {
  @ApiProperty() purpose!: string;
  @ApiProperty({ enum: LEGAL_BASES }) legalBasis!: LegalBasis;
  @ApiProperty({
    description:
      'Whether the data may be used for this subscriber: a consent purpose when granted, the others always',
  })
  inUse!: boolean;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: ['granted', 'withdrawn', null],
    description: 'The answer to a consent purpose; null when never asked or not consent-based',
  })
  decision!: 'granted' | 'withdrawn' | null;
  @ApiProperty({ nullable: true, type: Date }) changedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String }) wordingVersion!: string | null;
  @ApiProperty({
    type: String,
    isArray: true,
    description: 'What a withdrawal deleted (attribute and date names); empty otherwise',
  })
  deleted!: string[];
}

export class ListPurposesQueryDto {
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  includeArchived?: boolean;
}
