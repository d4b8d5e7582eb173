import { ApiProperty } from '@nestjs/swagger';
import { FREQUENCIES, Frequency } from '../../audience/topics/topic.entity';

export class SilentCaseDto {
  @ApiProperty({ format: 'uuid' }) subscriberId!: string;
  @ApiProperty({ enum: FREQUENCIES }) frequency!: Frequency;
  @ApiProperty({
    nullable: true,
    type: Date,
    description: 'Their last message in this topic (none: since they joined)',
  })
  lastMessageAt!: Date | null;
  @ApiProperty({ description: 'When their chosen period ended with nothing in it' })
  windowEndedAt!: Date;
}

export const FALLBACKS = ['evergreen', 'none', 'template_missing'] as const;
export type Fallback = (typeof FALLBACKS)[number];

export class SilentTopicDto {
  @ApiProperty() topic!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'integer' }) silentSubscribers!: number;
  @ApiProperty({ nullable: true, type: String }) evergreenTemplate!: string | null;
  @ApiProperty({
    enum: FALLBACKS,
    description:
      'evergreen: they are sent the fallback at their next local send hour (once per period); none: the topic has no fallback; template_missing: its template does not exist',
  })
  fallback!: Fallback;
  @ApiProperty({
    description:
      'When the most recent of them fell silent (their window plus the grace days ended): a later value than in an earlier report means someone new is silent',
  })
  newestSilentSince!: Date;
  @ApiProperty({ type: SilentCaseDto, isArray: true, description: 'The oldest cases, at most 10' })
  oldest!: SilentCaseDto[];
}

export class OptInSilenceDto {
  @ApiProperty({ type: 'integer', example: 90 }) windowDays!: number;
  @ApiProperty({
    type: 'integer',
    description:
      'Subscribers who confirmed an opt-in in the window (up to an hour ago: the welcome needs minutes)',
  })
  confirmed!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Of those, how many received nothing besides the confirmation',
  })
  receivedNothing!: number;
  @ApiProperty({
    description: 'receivedNothing / confirmed (0 when nobody confirmed); should be 0',
  })
  share!: number;
}

export class SilenceReportDto {
  @ApiProperty() generatedAt!: Date;
  @ApiProperty({
    type: 'integer',
    description: 'Days past the chosen period before someone counts as silent',
  })
  graceDays!: number;
  @ApiProperty({ type: 'integer' }) totalSilent!: number;
  @ApiProperty({ type: SilentTopicDto, isArray: true }) topics!: SilentTopicDto[];
  @ApiProperty({ type: OptInSilenceDto }) optIns!: OptInSilenceDto;
}
