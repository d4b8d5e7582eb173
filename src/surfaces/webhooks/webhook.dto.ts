import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { REPORT_FORMATS, SIGNAL_TYPES, SignalType } from './report-parser';

export const JSON_BOUNCE_TYPES = ['hard', 'soft', 'delayed', 'auto_reply'] as const;
export type JsonBounceType = (typeof JSON_BOUNCE_TYPES)[number];

export const DSN_ACTIONS = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'] as const;

/** Fields both JSON forms share: which report, and which message or address it is about. */
class JsonReportBase {
  @ApiPropertyOptional({
    description:
      'The provider’s id of this event. A second report with the same id changes nothing. ' +
      'Without it the report’s content identifies it.',
    maxLength: 200,
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  id?: string;

  @ApiPropertyOptional({ description: 'The address the message was sent to', format: 'email' })
  @IsOptional()
  @IsEmail({}, { message: 'recipient must be an email address' })
  @MaxLength(320)
  recipient?: string;

  @ApiPropertyOptional({
    description:
      'The Message-ID of our email (`<ledger id@mail domain>`) or the ledger id itself (the ' +
      '`X-Tidings-Message` header). Give this or `recipient`.',
    example: '<0b6f4a8e-5c2d-4e1f-9a3b-7d8c6e5f4a3b@news.example.com>',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  messageId?: string;
}

export class BounceJsonDto extends JsonReportBase {
  @ApiPropertyOptional({
    enum: JSON_BOUNCE_TYPES,
    description:
      'What happened. Without it, `status` and `action` decide as in a DSN (5.x.x failed: hard).',
  })
  @IsOptional()
  @IsIn(JSON_BOUNCE_TYPES)
  type?: JsonBounceType;

  @ApiPropertyOptional({ description: 'RFC 3463 enhanced status code', example: '5.1.1' })
  @IsOptional()
  @Matches(/^[245]\.\d{1,3}\.\d{1,3}$/, {
    message: 'status must be an enhanced status code like 5.1.1',
  })
  status?: string;

  @ApiPropertyOptional({ enum: DSN_ACTIONS, description: 'RFC 3464 Action' })
  @IsOptional()
  @IsIn(DSN_ACTIONS)
  action?: (typeof DSN_ACTIONS)[number];

  @ApiPropertyOptional({ description: 'The remote server’s answer', maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  diagnostic?: string;
}

export class ComplaintJsonDto extends JsonReportBase {
  @ApiPropertyOptional({
    description: 'ARF Feedback-Type; `not-spam` and `auth-failure` are recorded and ignored',
    default: 'abuse',
    example: 'abuse',
  })
  @IsOptional()
  @IsIn(['abuse', 'fraud', 'virus', 'other', 'not-spam', 'auth-failure'])
  feedbackType?: string;
}

export class SignalResultDto {
  @ApiProperty({ enum: SIGNAL_TYPES }) type!: SignalType;
  @ApiProperty({
    enum: ['suppressed', 'counted', 'recorded', 'ignored', 'unsubscribed', 'unmatched'],
    description:
      '`suppressed`: address suppressed (hard bounce, or soft bounces over the limit); ' +
      '`counted`: soft bounce counted; `recorded`: delay noted; `ignored`: auto-reply or no bounce; ' +
      '`unsubscribed`: complaint applied; `unmatched`: no subscriber or address found',
  })
  outcome!: string;
  @ApiProperty({ enum: ['message', 'recipient', 'none'] }) matchedBy!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) messageId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) subscriberId!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '5.1.1' }) status!: string | null;
  @ApiPropertyOptional({
    type: 'integer',
    description: 'Soft bounces of this address within the window',
  })
  softBounces?: number;
}

export class WebhookResultDto {
  @ApiProperty({ format: 'uuid' }) reportId!: string;
  @ApiProperty({ description: 'True when this report had been received before; nothing changed' })
  replayed!: boolean;
  @ApiProperty({
    enum: REPORT_FORMATS,
    description:
      'How the report arrived: a raw DSN, ARF or other email, JSON, or a sending service’s event',
  })
  format!: string;
  @ApiProperty({ type: SignalResultDto, isArray: true }) signals!: SignalResultDto[];
}
