import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';

export class ReportPeriodQueryDto {
  @ApiPropertyOptional({
    description:
      'Start of the period (inclusive), ISO 8601 date or date-time; default 30 days before `to`',
    example: '2025-11-01',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date or date-time' })
  from?: string;

  @ApiPropertyOptional({
    description:
      'End of the period: a date includes that whole day (UTC), a date-time is exclusive; default now',
    example: '2025-11-30',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date or date-time' })
  to?: string;
}

export class PeriodDto {
  @ApiProperty({ description: 'Inclusive' }) from!: Date;
  @ApiProperty({ description: 'Exclusive' }) to!: Date;
}

export class ReportTopicDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['editorial', 'notice', 'promotional'] }) kind!: string;
}

export class BounceCountsDto {
  @ApiProperty({ type: 'integer' }) hard!: number;
  @ApiProperty({ type: 'integer' }) soft!: number;
}

export class ReportFiguresDto {
  @ApiProperty({ type: 'integer', description: 'Messages sent in the period' }) sent!: number;
  @ApiProperty({ type: 'integer', description: '"Was this useful?" yes-votes on those messages' })
  helpful!: number;
  @ApiProperty({ type: 'integer', description: 'No-votes on those messages' }) unhelpful!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'helpful / (helpful + unhelpful); null without votes',
  })
  helpfulRatio!: number | null;
  @ApiProperty({
    type: 'integer',
    description:
      'Opt-outs (of the message’s topic, or of everything) within 7 days after one of these ' +
      'messages, each attributed to the last message sent before it',
  })
  unsubscribes!: number;
  @ApiProperty({
    type: 'integer',
    description:
      'Spam complaints about these messages (by Message-ID), or by address within 7 days of one',
  })
  complaints!: number;
  @ApiProperty({ type: BounceCountsDto }) bounces!: BounceCountsDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Messages skipped in the period, by reason (paused, not_subscribed, ...)',
    example: { paused: 2, not_subscribed: 1 },
  })
  skipped!: Record<string, number>;
  @ApiProperty({
    type: 'integer',
    description: 'Messages not sent because the address is suppressed',
  })
  suppressed!: number;
  @ApiProperty({ type: 'integer', description: 'Messages that failed permanently' })
  failed!: number;
  @ApiProperty({
    type: 'integer',
    description:
      'Lifecycle notices whose deadline passed undelivered, detected in the period ' +
      '(see /v1/reports/missed-deadlines); 0 where no notices are sent',
  })
  missedDeadlines!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description:
      'Median time, in days, from sending a date notice to the start of the date it is about ' +
      '(in the subscriber’s time zone), over the date notices sent in the period; null without any',
    example: 29.63,
  })
  medianLeadDays!: number | null;
}

export class TopicReportRowDto extends ReportFiguresDto {
  @ApiProperty({
    type: ReportTopicDto,
    nullable: true,
    description: 'Null for messages without a topic (confirmations, welcomes)',
  })
  topic!: ReportTopicDto | null;
}

export class TemplateReportRowDto extends ReportFiguresDto {
  @ApiProperty() template!: string;
}

export class TopicReportDto {
  @ApiProperty({ type: PeriodDto }) period!: PeriodDto;
  @ApiProperty({ type: TopicReportRowDto, isArray: true }) rows!: TopicReportRowDto[];
  @ApiProperty({ type: ReportFiguresDto }) totals!: ReportFiguresDto;
}

export class TemplateReportDto {
  @ApiProperty({ type: PeriodDto }) period!: PeriodDto;
  @ApiProperty({ type: TemplateReportRowDto, isArray: true }) rows!: TemplateReportRowDto[];
  @ApiProperty({ type: ReportFiguresDto }) totals!: ReportFiguresDto;
}

export class ReportRuleTopicDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() key!: string;
}

export class ReportRuleDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['date', 'confirmed', 'event', 'attribute'] }) triggerType!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ description: 'Deleted rules are listed only while they have figures' })
  deleted!: boolean;
  @ApiProperty({ type: ReportRuleTopicDto }) topic!: ReportRuleTopicDto;
}

/** A lifecycle rule's row joined with its topic, as the report queries select it. */
export interface ReportRuleRow {
  id: string;
  key: string;
  name: string;
  trigger_type: string;
  enabled: boolean;
  topic_id: string;
  topic_key: string;
}

export function toReportRule(r: ReportRuleRow, deleted: boolean): ReportRuleDto {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    triggerType: r.trigger_type,
    enabled: r.enabled,
    deleted,
    topic: { id: r.topic_id, key: r.topic_key },
  };
}

export class RuleReportRowDto extends ReportFiguresDto {
  @ApiProperty({ type: ReportRuleDto }) rule!: ReportRuleDto;
  @ApiProperty({ type: 'integer', description: 'Of `sent`, the apologies for missed deadlines' })
  apologiesSent!: number;
}

export class RuleReportDto {
  @ApiProperty({ type: PeriodDto }) period!: PeriodDto;
  @ApiProperty({ type: RuleReportRowDto, isArray: true }) rows!: RuleReportRowDto[];
  @ApiProperty({ type: ReportFiguresDto }) totals!: ReportFiguresDto;
}

export class ConfirmedWithoutMessageDto {
  @ApiProperty({
    type: 'integer',
    description:
      'Active subscribers who confirmed their opt-in and got no message afterwards (should be 0)',
  })
  count!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Confirmations younger than this are not counted yet',
  })
  graceMinutes!: number;
  @ApiProperty({
    type: String,
    isArray: true,
    description: 'Up to 20 subscriber ids, oldest first',
  })
  sample!: string[];
}

/** Named apart from the watchdog's SilentTopicDto: the document keys schemas by class name. */
export class SilentSubscriptionsByTopicDto {
  @ApiProperty({ type: ReportTopicDto }) topic!: ReportTopicDto;
  @ApiProperty({ type: 'integer' }) subscriptions!: number;
}

export class SilentSubscriptionsDto {
  @ApiProperty({
    type: 'integer',
    description:
      'Active subscriptions (subscriber active, not paused) whose chosen period plus a day of ' +
      'grace passed without a message in the topic',
  })
  count!: number;
  @ApiProperty({ type: SilentSubscriptionsByTopicDto, isArray: true })
  byTopic!: SilentSubscriptionsByTopicDto[];
}

export class ShareBucketDto {
  @ApiProperty({ example: 'over 50%' }) label!: string;
  @ApiProperty({ description: 'Share above this (or equal when 0)' }) min!: number;
  @ApiProperty({ description: 'Share up to and including this' }) max!: number;
  @ApiProperty({ type: 'integer' }) subscribers!: number;
}

export class PromotionalShareDto {
  @ApiProperty({ type: 'integer' }) windowDays!: number;
  @ApiProperty({ description: 'The default content-mix cap the buckets are read against' })
  cap!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Subscribers who received at least one non-transactional message',
  })
  subscribers!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Of those, how many had more than `cap` promotional',
  })
  overCap!: number;
  @ApiProperty({ type: ShareBucketDto, isArray: true }) buckets!: ShareBucketDto[];
}

export class ComplaintRateDto {
  @ApiProperty({ type: 'integer' }) complaints!: number;
  @ApiProperty({ type: 'integer' }) sent!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'complaints / sent' })
  rate!: number | null;
  @ApiProperty({ description: 'Mailbox providers’ guideline: stay below 0.1%' })
  threshold!: number;
  @ApiProperty() withinGuideline!: boolean;
}

export class ProgrammeSummaryDto {
  @ApiProperty({ type: PeriodDto }) period!: PeriodDto;
  @ApiProperty({ type: ConfirmedWithoutMessageDto })
  confirmedWithoutMessage!: ConfirmedWithoutMessageDto;
  @ApiProperty({ type: SilentSubscriptionsDto }) silentSubscriptions!: SilentSubscriptionsDto;
  @ApiProperty({ type: PromotionalShareDto }) promotionalShare!: PromotionalShareDto;
  @ApiProperty({ type: ComplaintRateDto }) complaintRate!: ComplaintRateDto;
  @ApiProperty({ type: ReportFiguresDto, description: 'All messages of the period together' })
  totals!: ReportFiguresDto;
}
