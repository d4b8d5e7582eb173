import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { SUBSCRIBER_STATUSES } from '../../audience/subscribers/subscriber.entity';
import { MESSAGE_STATUSES } from '../../messaging/delivery/outbound-message.entity';
import { PageQueryDto } from '../../platform/http/pagination';
import { PeriodDto, ReportPeriodQueryDto, ReportRuleDto } from './report.dto';

/** Why an upcoming date will get no notice. */
export const AUDIT_NONE_REASONS = [
  'rule_disabled',
  'no_valid_address',
  'suppressed',
  'left_topic',
  'not_subscribed',
  'deadline_missed',
  'deadline_passed',
  'delivery_failed',
  'not_picked_up',
  'no_data_consent',
  'other',
] as const;
/** Notices that will go out, but not simply at their planned moment. */
export const AUDIT_SCHEDULED_REASONS = ['paused', 'paused_past_deadline'] as const;
export const AUDIT_REASONS = [...AUDIT_NONE_REASONS, ...AUDIT_SCHEDULED_REASONS] as const;
export type AuditReason = (typeof AUDIT_REASONS)[number];
export const AUDIT_STATUSES = ['sent', 'scheduled', 'none'] as const;
export type AuditStatus = (typeof AUDIT_STATUSES)[number];

export const AUDIT_DEFAULT_DAYS = 60;
export const AUDIT_MAX_DAYS = 366;

export class RuleRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
}

// ---- missed deadlines ----

export class MissedDeadlinesQueryDto extends IntersectionType(ReportPeriodQueryDto, PageQueryDto) {
  @ApiPropertyOptional({ description: 'Only this rule (id or key)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  rule?: string;
}

export class ApologyDto {
  @ApiProperty({
    enum: ['none', 'queued', 'sending', 'sent', 'skipped', 'suppressed', 'failed'],
    description:
      '`none`: the rule has no apology template, so none was written; otherwise the ledger ' +
      'status of the apology',
  })
  status!: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) messageId!: string | null;
  @ApiProperty({ nullable: true, type: Date }) sentAt!: Date | null;
  @ApiProperty({ nullable: true, type: String }) skipReason!: string | null;
}

export class MissedDeadlineDto {
  @ApiProperty({ description: 'The missed promise’s id' }) id!: string;
  @ApiProperty({ type: RuleRefDto }) rule!: RuleRefDto;
  @ApiProperty({ format: 'uuid' }) subscriberId!: string;
  @ApiProperty({ format: 'uuid', description: 'The notice that missed its deadline' })
  messageId!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      'What the notice was anchored on: the date (YYYY-MM-DD) for date rules, `confirmed`, ' +
      '`event:<id>` or `occurrence:<n>`; null after the subscriber was erased',
    example: '2027-01-24',
  })
  anchor!: string | null;
  @ApiProperty() deadlineAt!: Date;
  @ApiProperty() detectedAt!: Date;
  @ApiProperty({
    enum: ['not_delivered', 'failed', 'scheduled_late'],
    description:
      '`not_delivered`: still queued or retrying at the deadline; `failed`: failed permanently; ' +
      '`scheduled_late`: the scheduler reached it after the deadline',
  })
  cause!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The last delivery error, addresses masked',
  })
  lastError!: string | null;
  @ApiProperty({ type: ApologyDto }) apology!: ApologyDto;
  @ApiProperty({ nullable: true, type: Date, description: 'When the marketer was alerted' })
  alertedAt!: Date | null;
}

export class MissedByRuleDto {
  @ApiProperty({ type: RuleRefDto }) rule!: RuleRefDto;
  @ApiProperty({ type: 'integer' }) missed!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: { not_delivered: 2, failed: 1 },
  })
  byCause!: Record<string, number>;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Apologies by status (`none` when the rule has no apology template)',
    example: { sent: 2, queued: 1 },
  })
  apologies!: Record<string, number>;
}

export class MissedDeadlinesReportDto {
  @ApiProperty({ type: PeriodDto, description: 'By the time the miss was detected' })
  period!: PeriodDto;
  @ApiProperty({
    type: 'integer',
    description: 'Missed deadlines in the period (of the chosen rule)',
  })
  total!: number;
  @ApiProperty({ type: MissedByRuleDto, isArray: true }) byRule!: MissedByRuleDto[];
  @ApiProperty({
    type: MissedDeadlineDto,
    isArray: true,
    description: 'The most recently detected first',
  })
  items!: MissedDeadlineDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

// ---- the trust audit ----

/** The filters of one rule's audit; the trust audit of every rule takes them too. */
export class RuleAuditQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: AUDIT_MAX_DAYS,
    default: AUDIT_DEFAULT_DAYS,
    description: 'Dates from today (UTC) up to and including today + days',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(AUDIT_MAX_DAYS)
  days?: number;

  @ApiPropertyOptional({ enum: AUDIT_REASONS, description: 'Only rows with this reason' })
  @IsOptional()
  @IsIn(AUDIT_REASONS)
  reason?: AuditReason;

  @ApiPropertyOptional({ enum: AUDIT_STATUSES, description: 'Only rows with this status' })
  @IsOptional()
  @IsIn(AUDIT_STATUSES)
  status?: AuditStatus;
}

export class AuditQueryDto extends RuleAuditQueryDto {
  @ApiPropertyOptional({ description: 'Only this rule (id or key)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  rule?: string;
}

export class AuditCountsDto {
  @ApiProperty({
    type: 'integer',
    description: 'Dates in the window (one per subscriber with the date)',
  })
  dates!: number;
  @ApiProperty({ type: 'integer', description: 'Notice already sent' }) sent!: number;
  @ApiProperty({
    type: 'integer',
    description: 'Notice will go out (queued, or written by the next scans)',
  })
  scheduled!: number;
  @ApiProperty({ type: 'integer', description: 'No notice will go out' }) none!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    description: 'Rows per reason (none reasons, and the pause notes of scheduled rows)',
    example: { left_topic: 3, suppressed: 1, paused_past_deadline: 1 },
  })
  byReason!: Record<string, number>;
}

export class AuditRuleDto extends AuditCountsDto {
  @ApiProperty({ type: ReportRuleDto }) rule!: ReportRuleDto;
  @ApiProperty({
    description:
      'Only date rules have dates coming up; the figures of other rules are 0 (see `note`)',
  })
  applicable!: boolean;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
}

export class AuditItemDto {
  @ApiProperty({ type: RuleRefDto }) rule!: RuleRefDto;
  @ApiProperty({ format: 'uuid' }) subscriberId!: string;
  @ApiProperty({ description: 'The date the notice is about (YYYY-MM-DD)', example: '2027-01-24' })
  date!: string;
  @ApiProperty({ enum: AUDIT_STATUSES }) status!: AuditStatus;
  @ApiProperty({
    enum: AUDIT_REASONS,
    nullable: true,
    description: 'Why no notice (status none), or the pause note of a scheduled one',
  })
  reason!: AuditReason | null;
  @ApiProperty({
    nullable: true,
    type: Date,
    description: 'When it was sent, or when it will go out; null for none',
  })
  sendAt!: Date | null;
  @ApiProperty({ description: 'The notice’s deadline (end of the window on the deadline day)' })
  deadlineAt!: Date;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The ledger row' })
  messageId!: string | null;
  @ApiProperty({ nullable: true, type: String, enum: MESSAGE_STATUSES }) ledgerStatus!:
    string | null;
  @ApiProperty({ nullable: true, type: String }) skipReason!: string | null;
  @ApiProperty({ enum: SUBSCRIBER_STATUSES }) subscriberStatus!: string;
  @ApiProperty({ nullable: true, type: Date }) pausedUntil!: Date | null;
}

export class AuditWindowDto {
  @ApiProperty({ example: '2027-01-04' }) from!: string;
  @ApiProperty({ example: '2027-03-05', description: 'Inclusive' }) to!: string;
}

export class AuditReportDto {
  @ApiProperty({ description: 'The moment the audit describes' }) asOf!: Date;
  @ApiProperty({ type: 'integer' }) days!: number;
  @ApiProperty({ type: AuditWindowDto }) window!: AuditWindowDto;
  @ApiProperty({
    type: AuditRuleDto,
    isArray: true,
    nullable: true,
    description:
      'Counts per rule (all rules, or the chosen one; not narrowed by reason or status). ' +
      'Only on the first page: null when `cursor` is given',
  })
  rules!: AuditRuleDto[] | null;
  @ApiProperty({ type: AuditCountsDto, nullable: true, description: 'Null when `cursor` is given' })
  totals!: AuditCountsDto | null;
  @ApiProperty({
    type: AuditItemDto,
    isArray: true,
    description: 'Per subscriber and date, by rule key, date and subscriber id',
  })
  items!: AuditItemDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

// ---- one rule's audit, before enabling it ----

export class RuleAuditDto {
  @ApiProperty({ description: 'The moment the audit describes' }) asOf!: Date;
  @ApiProperty({ type: 'integer' }) days!: number;
  @ApiProperty({ type: AuditWindowDto }) window!: AuditWindowDto;
  @ApiProperty({
    description:
      'True when the rule is disabled and is classified as if it were enabled now (what enabling it would promise); false when it is enabled and classified as it is',
  })
  asIfEnabled!: boolean;
  @ApiProperty({
    type: AuditRuleDto,
    nullable: true,
    description: 'The counts over every date in the window; null when `cursor` is given',
  })
  counts!: AuditRuleDto | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'Date rules: active subscribers of the rule’s topic who have no such date at all (they get no notice until one is set); null for other triggers or with `cursor`',
  })
  withoutDate!: number | null;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'Date rules: dates after the window (their notices come later); null for other triggers or with `cursor`',
  })
  afterWindow!: number | null;
  @ApiProperty({
    type: AuditItemDto,
    isArray: true,
    description: 'Per subscriber and date, by date and subscriber id',
  })
  items!: AuditItemDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
