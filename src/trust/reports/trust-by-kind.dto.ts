import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PeriodDto, ReportRuleDto, ReportTopicDto } from './report.dto';

export class TrustByKindQueryDto {
  @ApiPropertyOptional({
    description: 'The calendar month (UTC), `YYYY-MM`; default the current month',
    example: '2026-03',
  })
  @IsOptional()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'month must be YYYY-MM' })
  month?: string;

  @ApiPropertyOptional({ description: 'Only messages of this topic (id or key)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  topic?: string;

  @ApiPropertyOptional({
    description:
      'Only messages of this lifecycle rule (id or key); digests, campaigns, the welcome cohort ' +
      'and the preference center are then null',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  rule?: string;
}

export class KindFiguresDto {
  @ApiProperty({ type: 'integer', description: 'Messages of this kind sent in the month' })
  sent!: number;
  @ApiProperty({ type: 'integer', description: '"Was this useful?" yes-votes on those messages' })
  helpful!: number;
  @ApiProperty({ type: 'integer', description: 'No-votes on those messages' })
  unhelpful!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'helpful / (helpful + unhelpful), 4 decimals; null without votes',
  })
  helpfulRatio!: number | null;
}

export class NoticeFiguresDto extends KindFiguresDto {
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'Median days from sending a date notice to the start of its date (00:00 in the ' +
      'subscriber’s zone), 2 decimals; null without date notices',
  })
  medianLeadDays!: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'Median days from sending a notice to its deadline (negative: sent after it), 2 decimals; ' +
      'null without notices that have a deadline',
  })
  medianDeadlineMarginDays!: number | null;
  @ApiProperty({
    type: 'integer',
    description: 'Notices whose deadline passed undelivered, detected in the month',
  })
  missedDeadlines!: number;
}

export class RegularFiguresDto extends KindFiguresDto {
  @ApiProperty({
    type: 'integer',
    description:
      'Opt-outs (not complaints) within 7 days after one of these messages, each attributed to ' +
      'the last message sent before it (as in /v1/reports/topics)',
  })
  unsubscribes!: number;
  @ApiProperty({ type: 'integer', description: 'Spam complaints about these messages' })
  complaints!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'unsubscribes × 1000 / sent, 2 decimals; null when nothing was sent',
    example: 1.85,
  })
  unsubscribesPerThousand!: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'complaints × 1000 / sent, 2 decimals; null when nothing was sent',
    example: 0.12,
  })
  complaintsPerThousand!: number | null;
}

export class NoticeRowDto extends NoticeFiguresDto {
  @ApiProperty({ type: ReportTopicDto, nullable: true }) topic!: ReportTopicDto | null;
  @ApiProperty({
    type: ReportRuleDto,
    nullable: true,
    description: 'Null for notices sent through POST /v1/sends',
  })
  rule!: ReportRuleDto | null;
}

export class RegularRowDto extends RegularFiguresDto {
  @ApiProperty({ type: ReportTopicDto }) topic!: ReportTopicDto;
}

export class WelcomeRowDto extends KindFiguresDto {
  @ApiProperty({
    type: ReportTopicDto,
    nullable: true,
    description: 'Null for the welcome email itself',
  })
  topic!: ReportTopicDto | null;
  @ApiProperty({
    type: ReportRuleDto,
    nullable: true,
    description: 'The follow-up rule (trigger `confirmed`); null for the welcome email',
  })
  rule!: ReportRuleDto | null;
}

export class NoticesTrustDto {
  @ApiProperty({ type: NoticeRowDto, isArray: true }) rows!: NoticeRowDto[];
  @ApiProperty({ type: NoticeFiguresDto }) totals!: NoticeFiguresDto;
}

export class RegularTrustDto {
  @ApiProperty({ type: RegularRowDto, isArray: true }) rows!: RegularRowDto[];
  @ApiProperty({ type: RegularFiguresDto }) totals!: RegularFiguresDto;
}

export class WelcomeCohortDto {
  @ApiProperty({ type: 'integer', description: 'Subscribers who first confirmed in the month' })
  confirmed!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Of those, how many were sent a message after confirming (so far)',
  })
  withMessage!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'Median minutes from confirming to the first message sent after it, 2 decimals; null ' +
      'when none got one',
  })
  medianMinutesToFirstMessage!: number | null;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'The longest of those times, in minutes, 2 decimals',
  })
  maxMinutesToFirstMessage!: number | null;
  @ApiProperty({ type: 'integer', description: 'The early-unsubscribe window, in days' })
  earlyWindowDays!: number;
  @ApiProperty({
    type: 'integer',
    description:
      'Of the confirmed, how many opted out of a topic or of everything (any source, ' +
      'complaints included) within `earlyWindowDays` of confirming',
  })
  earlyUnsubscribes!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'earlyUnsubscribes × 1000 / confirmed, 2 decimals; null without confirmations',
  })
  earlyUnsubscribesPerThousand!: number | null;
  @ApiProperty({
    type: 'integer',
    description:
      'Of the confirmed, how many confirmed less than `earlyWindowDays` ago: their window is ' +
      'still open, so `earlyUnsubscribes` can still grow',
  })
  stillInWindow!: number;
}

export class WelcomeTrustDto {
  @ApiProperty({
    type: WelcomeCohortDto,
    nullable: true,
    description: 'Null when `topic` or `rule` is given (a confirmation covers the whole sign-up)',
  })
  cohort!: WelcomeCohortDto | null;
  @ApiProperty({ type: WelcomeRowDto, isArray: true }) rows!: WelcomeRowDto[];
  @ApiProperty({ type: KindFiguresDto }) totals!: KindFiguresDto;
}

export class PreferenceFiguresDto {
  @ApiProperty({
    type: 'integer',
    description: 'Frequency changes on the preference page to a less frequent choice',
  })
  lowered!: number;
  @ApiProperty({ type: 'integer', description: 'Frequency changes to a more frequent choice' })
  raised!: number;
  @ApiProperty({
    type: 'integer',
    description:
      'Leaving on the preference page: the topic (topic rows) or everything (the row without topic)',
  })
  left!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'lowered / (lowered + left), 4 decimals; null when neither happened',
  })
  loweredShare!: number | null;
}

export class PreferenceRowDto extends PreferenceFiguresDto {
  @ApiProperty({
    type: ReportTopicDto,
    nullable: true,
    description: 'Null: "unsubscribe from everything"',
  })
  topic!: ReportTopicDto | null;
}

export class PreferenceTrustDto {
  @ApiProperty({ type: PreferenceRowDto, isArray: true }) rows!: PreferenceRowDto[];
  @ApiProperty({ type: PreferenceFiguresDto }) totals!: PreferenceFiguresDto;
}

export class TrustByKindReportDto {
  @ApiProperty({ example: '2026-03' }) month!: string;
  @ApiProperty({ type: PeriodDto, description: 'The month in UTC' }) period!: PeriodDto;
  @ApiProperty({ type: ReportTopicDto, nullable: true, description: 'The `topic` filter' })
  topic!: ReportTopicDto | null;
  @ApiProperty({ type: ReportRuleDto, nullable: true, description: 'The `rule` filter' })
  rule!: ReportRuleDto | null;
  @ApiProperty({
    type: NoticesTrustDto,
    description: 'Lifecycle notices (date, event, attribute rules) and notices sent by the API',
  })
  notices!: NoticesTrustDto;
  @ApiProperty({ type: RegularTrustDto, nullable: true, description: 'Null with `rule`' })
  digests!: RegularTrustDto | null;
  @ApiProperty({ type: RegularTrustDto, nullable: true, description: 'Null with `rule`' })
  campaigns!: RegularTrustDto | null;
  @ApiProperty({
    type: WelcomeTrustDto,
    description: 'The welcome email and the follow-ups of `confirmed` rules',
  })
  welcome!: WelcomeTrustDto;
  @ApiProperty({ type: PreferenceTrustDto, nullable: true, description: 'Null with `rule`' })
  preferenceCenter!: PreferenceTrustDto | null;
}
