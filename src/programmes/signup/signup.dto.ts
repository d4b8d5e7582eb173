import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsOptional,
  IsString,
  IsTimeZone,
  Length,
  Matches,
} from 'class-validator';
import { EmailField, LocaleField, NameField } from '../../audience/subscribers/subscriber.dto';
import { Locale } from '../../platform/locale';

/** A topic choice on the form: `key` or `key:frequency`. */
export const TOPIC_CHOICE = /^[a-z0-9][a-z0-9-]{0,62}(:(weekly|biweekly|monthly|quarterly))?$/;

const PURPOSE_KEY = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The public subscribe form, as JSON or as an HTML form post (repeated `topics` fields). */
export class SubscribeRequestDto {
  @EmailField()
  email!: string;

  @NameField()
  name?: string;

  @LocaleField()
  locale?: Locale;

  @ApiPropertyOptional({ example: 'Europe/Amsterdam' })
  @IsOptional()
  @IsTimeZone({ message: 'timezone must be an IANA time zone such as Europe/Amsterdam' })
  timezone?: string;

  @ApiProperty({
    type: [String],
    example: ['product-news:monthly', 'renewal-reminders'],
    description: 'Topic keys, each optionally with `:frequency`',
  })
  // The form's per-topic selects send "" for "not for me".
  @Transform(({ value }: { value: unknown }) => {
    const list = typeof value === 'string' ? [value] : value;
    return Array.isArray(list) ? list.filter((v) => v !== '') : list;
  })
  @IsArray()
  @ArrayMinSize(1, { message: 'topics must name at least one topic' })
  @ArrayMaxSize(50)
  @Matches(TOPIC_CHOICE, {
    each: true,
    message: 'topics entries must be a topic key, optionally with :frequency',
  })
  topics!: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['usage-alerts'],
    description:
      'Keys of consent-based data-use purposes the subscriber allows; granted when they confirm',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => {
    const list = typeof value === 'string' ? [value] : value;
    return Array.isArray(list) ? list.filter((v) => v !== '') : list;
  })
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(PURPOSE_KEY, { each: true, message: 'purposes entries must be purpose keys' })
  purposes?: string[];

  @ApiPropertyOptional({
    description: 'The consent text your own form showed (default: Tidings’ form text)',
  })
  @IsOptional()
  @IsString()
  @Length(1, 4000)
  consentText?: string;

  @ApiPropertyOptional({ description: 'Version of that text' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  consentVersion?: string;
}

export class SubscribeResponseDto {
  @ApiProperty({ enum: ['pending'], example: 'pending' }) status!: 'pending';
  @ApiProperty() message!: string;
}
