import { ApiProperty } from '@nestjs/swagger';
import { FREQUENCIES, Frequency } from '../../audience/topics/topic.entity';
import { CONTENT_KINDS, ContentKind } from '../../programmes/content/content-item.entity';
import { ReportRuleDto, ReportTopicDto, SilentSubscriptionsDto } from './report.dto';

export class UpcomingWindowDto {
  @ApiProperty({ description: 'When the report was made: every window starts here' })
  asOf!: Date;
  @ApiProperty({ description: 'The end of today (midnight UTC): the end of the "today" counts' })
  todayEnd!: Date;
  @ApiProperty({ description: 'asOf plus 7 days: the end of the "week" counts' })
  weekEnd!: Date;
}

export class UpcomingCampaignTopicDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
}

export class UpcomingCampaignDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['scheduled', 'running'] }) status!: 'scheduled' | 'running';
  @ApiProperty({ enum: CONTENT_KINDS }) kind!: ContentKind;
  @ApiProperty({ description: 'When it is scheduled to go out' }) sendAt!: Date;
  @ApiProperty({ type: UpcomingCampaignTopicDto }) topic!: UpcomingCampaignTopicDto;
  @ApiProperty({ description: "Whether a segment narrows it to some of the topic's subscribers" })
  segmented!: boolean;
  @ApiProperty({
    type: 'integer',
    description:
      'Scheduled: the subscribers it addresses now (the fan-out counts again when it starts); running: the audience counted when it started',
  })
  audience!: number;
}

export class UpcomingDigestDto {
  @ApiProperty({ type: ReportTopicDto }) topic!: ReportTopicDto;
  @ApiProperty({ enum: FREQUENCIES }) frequency!: Frequency;
  @ApiProperty({
    type: 'integer',
    description:
      'Active subscriptions on this frequency whose period comes due before todayEnd (overdue ones included), subscriber active and not paused then',
  })
  today!: number;
  @ApiProperty({ type: 'integer', description: 'The same before weekEnd (today included)' })
  week!: number;
}

export class UpcomingNoticesDto {
  @ApiProperty({ type: ReportRuleDto }) rule!: ReportRuleDto;
  @ApiProperty({
    type: 'integer',
    description:
      'Notices planned from asOf to todayEnd: queued ones, and those of dates ahead the scheduler has not written yet (subscriber and subscription active)',
  })
  today!: number;
  @ApiProperty({ type: 'integer', description: 'The same to weekEnd (today included)' })
  week!: number;
}

export class UpcomingMissedByRuleDto {
  @ApiProperty({ type: ReportRuleDto }) rule!: ReportRuleDto;
  @ApiProperty({ type: 'integer' }) missed!: number;
}

export class UpcomingMissedDto {
  @ApiProperty({ type: 'integer', example: 7 }) days!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Missed deadlines detected in the last `days` days',
  })
  total!: number;
  @ApiProperty({ type: UpcomingMissedByRuleDto, isArray: true }) byRule!: UpcomingMissedByRuleDto[];
}

export class UpcomingSilentCaseDto {
  @ApiProperty({ format: 'uuid' }) subscriberId!: string;
  @ApiProperty() topicKey!: string;
  @ApiProperty() topicName!: string;
  @ApiProperty({ enum: FREQUENCIES }) frequency!: Frequency;
  @ApiProperty({ description: 'When a message was due at the latest' }) dueBy!: Date;
}

export class UpcomingSilentDto extends SilentSubscriptionsDto {
  @ApiProperty({
    type: UpcomingSilentCaseDto,
    isArray: true,
    description: 'The longest-silent subscriptions, at most 10',
  })
  oldest!: UpcomingSilentCaseDto[];
}

export class UpcomingReportDto {
  @ApiProperty({ type: UpcomingWindowDto }) window!: UpcomingWindowDto;
  @ApiProperty({
    type: UpcomingCampaignDto,
    isArray: true,
    description:
      'Campaigns scheduled or running with sendAt before weekEnd, soonest first (at most 50)',
  })
  campaigns!: UpcomingCampaignDto[];
  @ApiProperty({
    type: UpcomingDigestDto,
    isArray: true,
    description:
      'Per topic and frequency: digest periods coming due. A digest goes only when the topic has content the subscriber has not had',
  })
  digests!: UpcomingDigestDto[];
  @ApiProperty({
    type: UpcomingNoticesDto,
    isArray: true,
    description: 'Per enabled lifecycle rule with notices due',
  })
  notices!: UpcomingNoticesDto[];
  @ApiProperty({ type: UpcomingMissedDto }) missedDeadlines!: UpcomingMissedDto;
  @ApiProperty({ type: UpcomingSilentDto }) silentSubscriptions!: UpcomingSilentDto;
}
