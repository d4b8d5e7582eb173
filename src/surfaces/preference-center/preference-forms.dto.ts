import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsTimeZone, Matches, MaxLength } from 'class-validator';
import { TIMEZONE_MESSAGE } from '../../audience/subscribers/subscriber.dto';
import { TOPIC_KEY_PATTERN } from '../../audience/topics/topic.dto';
import { Frequency, FREQUENCIES } from '../../audience/topics/topic.entity';
import { Locale, LOCALES } from '../../platform/locale';

/** The pause lengths a subscriber can choose on the preference page. */
export const PAUSE_DAYS = [30, 60, 90] as const;

/** Every form on a link page carries the CSRF token bound to the link (checked by LinkFormGuard). */
export class LinkFormDto {
  @ApiProperty({ description: 'CSRF token bound to the link token' })
  @IsString()
  @MaxLength(100)
  csrf!: string;
}

export const TOPIC_CHANGES = ['join', 'frequency', 'leave'] as const;

export class TopicChangeDto extends LinkFormDto {
  @ApiProperty({ example: 'product-news' })
  @Matches(TOPIC_KEY_PATTERN, { message: 'topic must be a topic key' })
  topic!: string;

  @ApiProperty({ enum: TOPIC_CHANGES })
  @IsIn(TOPIC_CHANGES)
  change!: (typeof TOPIC_CHANGES)[number];

  @ApiPropertyOptional({ enum: FREQUENCIES })
  @IsOptional()
  @IsIn(FREQUENCIES)
  frequency?: Frequency;
}

export class PauseDto extends LinkFormDto {
  @ApiProperty({ enum: PAUSE_DAYS })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value))
  @IsIn(PAUSE_DAYS, { message: `days must be one of ${PAUSE_DAYS.join(', ')}` })
  days!: (typeof PAUSE_DAYS)[number];
}

/** The language of our emails and the time zone they are timed in (the API's rules). */
export class SettingsDto extends LinkFormDto {
  @ApiProperty({ enum: LOCALES })
  @IsIn(LOCALES, { message: `locale must be one of ${LOCALES.join(', ')}` })
  locale!: Locale;

  @ApiProperty({ example: 'Europe/Amsterdam' })
  @IsTimeZone({ message: TIMEZONE_MESSAGE })
  timezone!: string;
}
