import { ApiProperty, ApiPropertyOptional, OmitType, PickType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../../platform/http/pagination';
import { NormaliseLineEndings } from '../../platform/http/validation';
import { CONTENT_KINDS, ContentKind } from '../content/content-item.entity';
import { NO_CONTROL_CHARACTERS } from '../../audience/subscribers/subscriber.dto';
import { TOPIC_KEY_PATTERN } from '../../audience/topics/topic.dto';
import { Campaign } from './campaign.entity';
import { Segment, SegmentDto } from './segment';

export class CreateCampaignDto {
  @ApiPropertyOptional({
    example: 'January product news',
    description: "Defaults to the content item's title",
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'name must not contain line breaks' })
  name?: string;

  @ApiProperty({ example: 'product-news', description: 'Topic key or id' })
  @IsString()
  @MaxLength(100)
  topic!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The content item to send (or give template + data)',
  })
  @IsOptional()
  @IsUUID('all', { message: 'contentItem must be a content item id (uuid)' })
  contentItem?: string;

  @ApiPropertyOptional({
    example: 'notice',
    description: 'A template key, instead of a content item',
  })
  @IsOptional()
  @Matches(TOPIC_KEY_PATTERN, { message: 'template must be a template key' })
  template?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "The template's data (with template)",
  })
  @IsOptional()
  @NormaliseLineEndings()
  @IsObject()
  data?: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: CONTENT_KINDS,
    description: "Required with template; a content item's campaign takes the item's kind",
  })
  @IsOptional()
  @IsIn(CONTENT_KINDS)
  kind?: ContentKind;

  @ApiPropertyOptional({
    type: SegmentDto,
    description: "Narrows the topic's audience; all conditions must hold",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => SegmentDto)
  segment?: SegmentDto;

  @ApiPropertyOptional({
    type: String,
    isArray: true,
    nullable: true,
    example: ['renewal-alerts'],
    description:
      'Keys of the data-use purposes the segment relies on (see /v1/data-purposes). Every attribute ' +
      'and date the segment uses must be covered by one of them (400 naming the field otherwise). ' +
      'A consent-based purpose limits the audience to subscribers who granted it. Left out: allowed ' +
      'only while no purpose covers the data the segment uses.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(TOPIC_KEY_PATTERN, { each: true, message: 'purposes must be purpose keys' })
  purposes?: string[] | null;

  @ApiPropertyOptional({
    description: 'When to send (ISO 8601); default now',
    example: '2027-01-12T09:00:00Z',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'sendAt must be an ISO 8601 date-time' })
  sendAt?: string;

  @ApiPropertyOptional({
    example: 'newsletter-2027-01',
    description:
      'Repeating a request with the same key returns the campaign it created instead of a second one',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:-]{1,200}$/, {
    message: 'idempotencyKey must be 1-200 letters, digits, _ . : or -',
  })
  idempotencyKey?: string;
}

export class ListCampaignsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Topic key or id' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  topic?: string;
}

export const CAMPAIGN_STATES = [
  'scheduled',
  'running',
  'sending',
  'sent',
  'cancelled',
  'failed',
] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export class HelpfulVotesDto {
  @ApiProperty({ type: 'integer' }) helpful!: number;
  @ApiProperty({ type: 'integer' }) notHelpful!: number;
}

export class CampaignStatsDto {
  @ApiProperty({
    nullable: true,
    type: 'integer',
    description: 'Subscribers the campaign addresses (counted when it starts)',
  })
  audienceSize!: number | null;
  @ApiProperty({
    type: 'integer',
    description: 'Ledger rows written so far (one per subscriber in the audience)',
  })
  fannedOut!: number;
  @ApiProperty({ description: 'fannedOut / audienceSize, 0..1' }) progress!: number;
  @ApiProperty({ type: 'integer' }) queued!: number;
  @ApiProperty({ type: 'integer' }) sending!: number;
  @ApiProperty({ type: 'integer' }) sent!: number;
  @ApiProperty({ type: 'integer' }) failed!: number;
  @ApiProperty({ type: 'integer', description: 'Addresses on the suppression list' })
  suppressed!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { folded: 120, content_mix: 3, cancelled: 0 },
    description: 'Skipped messages by reason (folded ones went into the next digest)',
  })
  skipped!: Record<string, number>;
  @ApiProperty({
    type: 'integer',
    description: 'Folded into the subscriber’s next digest (no room this period)',
  })
  folded!: number;
  @ApiProperty({
    nullable: true,
    type: 'integer',
    description: 'Sent or failed to subscribers whose address has bounced (null while sending)',
  })
  bounced!: number | null;
  @ApiProperty({
    nullable: true,
    type: 'integer',
    description: 'Received it and left the topic afterwards (null while sending)',
  })
  unsubscribedAfter!: number | null;
  @ApiProperty({
    type: HelpfulVotesDto,
    nullable: true,
    description: 'From the "was this useful?" links, once feedback is recorded',
  })
  helpfulVotes!: HelpfulVotesDto | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'fan-out batch failed: value out of range (SQLSTATE 22003)',
    description:
      'Why the fan-out stopped, while the campaign is failed (POST /v1/campaigns/{id}/resume continues it)',
  })
  failureReason!: string | null;
}

export class CampaignDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() topic!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) contentItem!: string | null;
  @ApiProperty() template!: string;
  @ApiProperty({ enum: CONTENT_KINDS }) kind!: ContentKind;
  @ApiProperty({ type: SegmentDto }) segment!: Segment;
  @ApiProperty({
    type: String,
    isArray: true,
    nullable: true,
    description: 'The data-use purposes its segment relies on; null when it declares none',
  })
  purposes!: string[] | null;
  @ApiProperty({
    enum: CAMPAIGN_STATES,
    description:
      'running: writing ledger rows; sending: all written, some not yet sent; sent: nothing left to ' +
      'send; failed: the fan-out stopped (stats.failureReason), rows already written still go out',
  })
  status!: CampaignState;
  @ApiProperty() sendAt!: Date;
  @ApiProperty({ nullable: true, type: Date }) startedAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) finishedAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) cancelledAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date, description: 'When the fan-out failed' })
  failedAt!: Date | null;
  @ApiProperty({ nullable: true, type: String }) idempotencyKey!: string | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty({ type: CampaignStatsDto }) stats!: CampaignStatsDto;

  static from(c: Campaign, topicKey: string, stats: CampaignStatsDto): CampaignDto {
    const pending = stats.queued + stats.sending;
    const status: CampaignState = c.status === 'sent' && pending > 0 ? 'sending' : c.status;
    return {
      id: c.id,
      name: c.name,
      topic: topicKey,
      contentItem: c.contentItemId,
      template: c.template,
      kind: c.kind,
      segment: c.segment,
      purposes: c.purposes ?? null,
      status,
      sendAt: c.sendAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      cancelledAt: c.cancelledAt,
      failedAt: c.failedAt,
      idempotencyKey: c.idempotencyKey,
      createdAt: c.createdAt,
      stats,
    };
  }
}

export class CampaignPageDto {
  @ApiProperty({ type: CampaignDto, isArray: true }) items!: CampaignDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

/** A campaign request as a forecast takes it: what POST /v1/campaigns takes, without writing. */
export class ForecastCampaignDto extends OmitType(CreateCampaignDto, [
  'idempotencyKey',
  'name',
] as const) {}

/** The audience part of a campaign request, for counting it. */
export class CountAudienceDto extends PickType(CreateCampaignDto, [
  'topic',
  'segment',
  'purposes',
  'sendAt',
] as const) {}

export class AudienceCountDto {
  @ApiProperty({ example: 'product-news', description: 'The topic key' }) topic!: string;
  @ApiProperty({
    type: 'integer',
    example: 1250,
    description:
      'Active subscribers with an active subscription to the topic who match the segment (and granted its consent-based purposes)',
  })
  count!: number;
}

export class FanoutSkipsDto {
  @ApiProperty({ type: 'integer', description: 'Have the item already (a digest, a campaign)' })
  already_received!: number;
  @ApiProperty({
    type: 'integer',
    description: 'No room this period: the item goes into their next digest',
  })
  folded!: number;
  @ApiProperty({
    type: 'integer',
    description: 'No room this period, template campaign (no digest entry to fold into)',
  })
  frequency!: number;
  @ApiProperty({ type: 'integer', description: 'Promotional and over the content-mix cap' })
  content_mix!: number;
}

export class SendTimeSkipsDto {
  @ApiProperty({ type: 'integer', description: 'The address is on the suppression list' })
  suppressed!: number;
  @ApiProperty({ type: 'integer', description: 'The subscriber has paused marketing mail' })
  paused!: number;
}

export class CampaignForecastDto {
  @ApiProperty({ example: 'product-news' }) topic!: string;
  @ApiProperty({ description: 'The moment decided for: sendAt, or now' }) decidedAt!: Date;
  @ApiProperty({ type: 'integer', description: 'Subscribers the campaign would address' })
  audienceSize!: number;
  @ApiProperty({
    type: 'integer',
    description:
      'Would be queued and sent now (has room in their period); includes those atSendTime skips',
  })
  sendNow!: number;
  @ApiProperty({ type: 'integer', description: 'Would find it in their next digest' })
  folded!: number;
  @ApiProperty({
    type: FanoutSkipsDto,
    description: 'What the fan-out would write as skipped, by reason (folded included)',
  })
  skipped!: FanoutSkipsDto;
  @ApiProperty({
    type: SendTimeSkipsDto,
    description:
      'Of sendNow, those the send-time checks would skip if nothing changes before their send: suppressed first, then paused',
  })
  atSendTime!: SendTimeSkipsDto;
}
