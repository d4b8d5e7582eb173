import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FREE_FORM_OBJECT } from '../../platform/http/api-schemas';
import { IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { IsSmallJsonObject, NormaliseLineEndings } from '../../platform/http/validation';
import { NO_CONTROL_CHARACTERS } from '../../audience/subscribers/subscriber.dto';
import { EVENT_TYPE_PATTERN } from './lifecycle-rule.dto';

export class IngestEventDto {
  @ApiProperty({ example: 'ada@example.com', description: 'Subscriber id or email address' })
  @IsString()
  @Length(1, 254)
  subscriber!: string;

  @ApiProperty({ example: 'usage.threshold', pattern: EVENT_TYPE_PATTERN.source })
  @IsString()
  @Matches(EVENT_TYPE_PATTERN, {
    message: 'type must be lowercase letters, digits, ., _ and - (like usage.threshold)',
  })
  type!: string;

  @ApiPropertyOptional({
    ...FREE_FORM_OBJECT,
    example: { bundle: 'mobile data', percentUsed: 91 },
    description: 'Facts rules can test (trigger.condition) and quote ({event.percentUsed})',
  })
  @IsOptional()
  @NormaliseLineEndings()
  @IsSmallJsonObject()
  data?: Record<string, unknown>;

  @ApiPropertyOptional({
    example: '2026-11-03T10:15:00Z',
    description: 'When it happened (ISO 8601 with a zone); default: when it is received',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'occurredAt must be an ISO 8601 date-time' })
  occurredAt?: string;

  @ApiProperty({
    example: 'usage-2026-11-03-000123',
    description: 'Your unique id for this event; sending it again changes nothing',
  })
  @IsString()
  @Length(1, 200)
  @Matches(NO_CONTROL_CHARACTERS, {
    message: 'idempotencyKey must not contain control characters',
  })
  idempotencyKey!: string;
}

export const EVENT_RESULTS = [
  'queued',
  'cooldown',
  'condition_false',
  'not_eligible',
  'too_late',
  'no_data_consent',
] as const;
export type EventResult = (typeof EVENT_RESULTS)[number];

export class EventOutcomeDto {
  @ApiProperty({ example: 'usage-warning', description: 'Rule key' }) rule!: string;
  @ApiProperty({
    enum: EVENT_RESULTS,
    description:
      'queued: a notice was written; cooldown: the subscriber had one from this rule recently; ' +
      "condition_false: the rule's condition did not hold; not_eligible: the subscriber is not " +
      'active or not subscribed to the rule topic; too_late: the deadline had passed; ' +
      'no_data_consent: the rule relies on a consent-based data-use purpose the subscriber has ' +
      'not granted (the notice is in the ledger as skipped with that reason, messageId)',
  })
  result!: EventResult;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) messageId?: string | null;
}

export class EventDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) subscriberId!: string;
  @ApiProperty() type!: string;
  @ApiProperty() idempotencyKey!: string;
  @ApiProperty() occurredAt!: Date;
  @ApiProperty() receivedAt!: Date;
  @ApiProperty({ description: 'True when this idempotency key was seen before (nothing was done)' })
  duplicate!: boolean;
  @ApiProperty({ type: EventOutcomeDto, isArray: true }) outcomes!: EventOutcomeDto[];
}
