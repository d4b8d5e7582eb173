import { ApiProperty, ApiPropertyOptional, PartialType, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { NormaliseLineEndings } from '../../platform/http/validation';
import { Frequency, FREQUENCIES, Topic, TOPIC_KINDS, TopicKind } from './topic.entity';

export const TOPIC_KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class CreateTopicDto {
  @ApiProperty({ example: 'product-news', pattern: TOPIC_KEY_PATTERN.source })
  @IsString()
  @Matches(TOPIC_KEY_PATTERN, {
    message:
      'key must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit',
  })
  key!: string;

  @ApiPropertyOptional({
    example: 'Product news',
    description:
      "The default locale's name (the first of LOCALES), shown where a locale has no name of its own. Required unless `names` has one.",
  })
  @IsOptional()
  @NormaliseLineEndings()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', minLength: 1, maxLength: 200 },
    example: { nl: 'Productnieuws', en: 'Product news' },
    description:
      "The name per configured locale. Replaces the stored map when given; a locale without a name shows the default locale's.",
  })
  @IsOptional()
  @IsObject()
  names?: Record<string, string>;

  @ApiPropertyOptional({ example: 'What changed in the product, once in a while.' })
  @IsOptional()
  @NormaliseLineEndings()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 2000 },
    example: { nl: 'Wat er in het product veranderde.', en: 'What changed in the product.' },
    description: 'The description per configured locale, like `names`.',
  })
  @IsOptional()
  @IsObject()
  descriptions?: Record<string, string>;

  @ApiProperty({ enum: TOPIC_KINDS })
  @IsIn(TOPIC_KINDS)
  kind!: TopicKind;

  @ApiProperty({ enum: FREQUENCIES, isArray: true, example: ['weekly', 'monthly'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(FREQUENCIES, { each: true })
  allowedFrequencies!: Frequency[];

  @ApiPropertyOptional({ enum: FREQUENCIES, description: 'Defaults to the least frequent allowed' })
  @IsOptional()
  @IsIn(FREQUENCIES)
  defaultFrequency?: Frequency;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  prospectsAllowed?: boolean;

  @ApiPropertyOptional({ default: true, description: 'Listed on the public subscribe form' })
  @IsOptional()
  @IsBoolean()
  isPublic?: boolean;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Template key sent when a window would pass silently',
  })
  @IsOptional()
  @IsString()
  @Matches(TOPIC_KEY_PATTERN, { message: 'evergreenTemplate must be a template key' })
  evergreenTemplate?: string | null;
}

export class UpdateTopicDto extends PartialType(OmitType(CreateTopicDto, ['key'] as const)) {}

export class ListTopicsQueryDto {
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  includeArchived?: boolean;

  @ApiPropertyOptional({
    default: false,
    description: 'Adds `subscribers` to each topic: its active subscriptions per frequency',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean()
  counts?: boolean;
}

export class FrequencyCountsDto {
  @ApiProperty({ type: 'integer' }) weekly!: number;
  @ApiProperty({ type: 'integer' }) biweekly!: number;
  @ApiProperty({ type: 'integer' }) monthly!: number;
  @ApiProperty({ type: 'integer' }) quarterly!: number;
}

export class TopicSubscriberCountsDto {
  @ApiProperty({
    type: 'integer',
    description:
      'Active subscriptions of active subscribers (confirmed, not unsubscribed or erased)',
  })
  total!: number;
  @ApiProperty({
    type: FrequencyCountsDto,
    description: 'The same per chosen frequency (0 for a frequency nobody chose)',
  })
  byFrequency!: Record<Frequency, number>;
}

export class TopicDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() key!: string;
  @ApiProperty({ description: "The default locale's name" }) name!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { nl: 'Productnieuws', en: 'Product news' },
    description: 'The name per locale, as given; a locale not in it shows `name`',
  })
  names!: Record<string, string>;
  @ApiProperty() description!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'The description per locale, as given; a locale not in it shows `description`',
  })
  descriptions!: Record<string, string>;
  @ApiProperty({ enum: TOPIC_KINDS }) kind!: TopicKind;
  @ApiProperty({ enum: FREQUENCIES, isArray: true }) allowedFrequencies!: Frequency[];
  @ApiProperty({ enum: FREQUENCIES }) defaultFrequency!: Frequency;
  @ApiProperty() prospectsAllowed!: boolean;
  @ApiProperty() isPublic!: boolean;
  @ApiProperty({ nullable: true, type: String }) evergreenTemplate!: string | null;
  @ApiProperty({ nullable: true, type: Date }) archivedAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
  @ApiPropertyOptional({
    type: TopicSubscriberCountsDto,
    description: 'Only in `GET /v1/topics?counts=true`',
  })
  subscribers?: TopicSubscriberCountsDto;

  static from(t: Topic): TopicDto {
    return {
      id: t.id,
      key: t.key,
      name: t.name,
      names: t.names ?? {},
      description: t.description,
      descriptions: t.descriptions ?? {},
      kind: t.kind,
      allowedFrequencies: t.allowedFrequencies,
      defaultFrequency: t.defaultFrequency,
      prospectsAllowed: t.prospectsAllowed,
      isPublic: t.isPublic,
      evergreenTemplate: t.evergreenTemplate,
      archivedAt: t.archivedAt,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
    };
  }
}
