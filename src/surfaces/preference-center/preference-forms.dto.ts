import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsTimeZone,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  TIMEZONE_MESSAGE,
  WEEKLY_CAP_MAX,
  WEEKLY_CAP_MESSAGE,
  WEEKLY_CAP_MIN,
} from '../../audience/subscribers/subscriber.dto';
import { TOPIC_KEY_PATTERN } from '../../audience/topics/topic.dto';
import { Frequency, FREQUENCIES } from '../../audience/topics/topic.entity';
import { IsConfiguredLocale, Locale, LOCALE_API_PROPERTY } from '../../platform/locale';
import { MAX_EXPECTATION_LENGTH } from '../../trust/questions/expectations.service';

/** The pause lengths a subscriber can choose on the preference page. */
export const PAUSE_DAYS = [30, 60, 90] as const;

/** The overall limits offered on the preference page (a limit set through the API is shown too). */
export const WEEKLY_CAP_CHOICES = [1, 2, 3, 5, 7, 10, 14] as const;

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
  @ApiProperty(LOCALE_API_PROPERTY)
  @IsConfiguredLocale()
  locale!: Locale;

  @ApiProperty({ example: 'Europe/Amsterdam' })
  @IsTimeZone({ message: TIMEZONE_MESSAGE })
  timezone!: string;
}

/** At most this many regular emails a week across topics; empty: the sender's default. */
export class WeeklyCapDto extends LinkFormDto {
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: WEEKLY_CAP_MIN,
    maximum: WEEKLY_CAP_MAX,
  })
  @Transform(({ value }: { value: unknown }) =>
    value === '' ? null : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  )
  @IsOptional()
  @IsInt({ message: WEEKLY_CAP_MESSAGE })
  @Min(WEEKLY_CAP_MIN, { message: WEEKLY_CAP_MESSAGE })
  @Max(WEEKLY_CAP_MAX, { message: WEEKLY_CAP_MESSAGE })
  weeklyCap?: number | null;
}

/** "What would you like to hear about?": free text, kept for the marketer. */
export class ExpectationDto extends LinkFormDto {
  @ApiProperty({ maxLength: MAX_EXPECTATION_LENGTH })
  @IsString({ message: 'expectation must be text' })
  @MaxLength(MAX_EXPECTATION_LENGTH, {
    message: `expectation must be at most ${MAX_EXPECTATION_LENGTH} characters`,
  })
  expectation!: string;
}

export const PURPOSE_DECISIONS = ['grant', 'withdraw'] as const;

/** Grant or withdraw one consent-based data-use purpose. */
export class PurposeChangeDto extends LinkFormDto {
  @ApiProperty({ example: 'usage-alerts' })
  @IsString()
  @Matches(TOPIC_KEY_PATTERN, { message: 'purpose must be a purpose key' })
  purpose!: string;

  @ApiProperty({ enum: PURPOSE_DECISIONS })
  @IsIn(PURPOSE_DECISIONS)
  decision!: (typeof PURPOSE_DECISIONS)[number];
}
