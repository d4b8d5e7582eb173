import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsSmallJsonObject, NormaliseLineEndings } from '../../platform/http/validation';
import { IsConfiguredLocale, Locale, LOCALE_API_PROPERTY } from '../../platform/locale';
import { lowerTrim, NO_CONTROL_CHARACTERS } from '../../audience/subscribers/subscriber.dto';
import { MESSAGE_STATUSES, MessageStatus } from '../delivery/outbound-message.entity';
import { SendWindowDto } from '../send-window.dto';

/** The kinds of message `POST /v1/sends` writes; editorial and promotional mail go by campaign. */
export const SEND_KINDS = ['transactional', 'notice'] as const;
export type SendKind = (typeof SEND_KINDS)[number];

export class CreateSendDto {
  @ApiProperty({ example: 'notice', description: 'Key of a loaded template' })
  @IsString()
  @Length(1, 100)
  template!: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The subscriber, by id. Give exactly one of subscriberId and email.',
  })
  @IsOptional()
  @IsUUID('all', { message: 'subscriberId must be a subscriber id (uuid)' })
  subscriberId?: string;

  @ApiPropertyOptional({
    example: 'ada@example.com',
    description:
      'The subscriber, by address. Give exactly one of subscriberId and email. An address that ' +
      'is not a subscriber is refused (404): create the subscriber first.',
  })
  @IsOptional()
  @Transform(lowerTrim)
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254)
  email?: string;

  @ApiProperty({
    enum: SEND_KINDS,
    description:
      'transactional: to the subscriber whatever their topics (not when suppressed, bounced or ' +
      'complained); notice: a useful non-sales message on a notice topic the subscriber is ' +
      'subscribed to, within its send window, held during a pause',
  })
  @IsIn(SEND_KINDS, { message: `kind must be one of: ${SEND_KINDS.join(', ')}` })
  kind!: SendKind;

  @ApiPropertyOptional({
    example: 'renewals',
    description: 'Notices only, and required for them: the notice topic (key or id) it is about',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  topic?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { heading: 'You already own this', intro: 'Your order 1234 has it already.' },
    description:
      'Template data (at most 16 KB). Checked by rendering the template with it; `subscriber`, ' +
      '`locale`, `marketing`, `links`, `sendWindow` and `lifecycle` are filled in by Tidings',
  })
  @IsOptional()
  @NormaliseLineEndings()
  @IsSmallJsonObject()
  data?: Record<string, unknown>;

  @ApiPropertyOptional({
    ...LOCALE_API_PROPERTY,
    description:
      "The language to render in (one of LOCALES); default the subscriber's at send time",
  })
  @IsOptional()
  @IsConfiguredLocale()
  locale?: Locale;

  @ApiPropertyOptional({
    type: SendWindowDto,
    description:
      "Notices only: the daily window in the subscriber's time zone; default 09:00-17:00",
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => SendWindowDto)
  sendWindow?: SendWindowDto;

  @ApiProperty({
    example: 'order-1234-already-owned',
    description:
      'Your unique id for this send (1-200 characters). Repeating it returns the message it ' +
      'wrote (200) and sends nothing more; with a different body it is refused (409).',
  })
  @IsString({
    message:
      'idempotencyKey must be a string: a field of the body (an Idempotency-Key header is not read)',
  })
  @Length(1, 200)
  @Matches(NO_CONTROL_CHARACTERS, {
    message: 'idempotencyKey must not contain control characters',
  })
  idempotencyKey!: string;
}

export class SendLinksDto {
  @ApiProperty({
    example: '/v1/messages/0b9c1f6e-2d4f-4f53-9b61-2f1a4c7d8e90',
    description: 'The message in the send ledger (`GET`, scope `messages:read`)',
  })
  message!: string;
}

export class SendDto {
  @ApiProperty({ format: 'uuid', description: 'The message id in the send ledger' })
  id!: string;

  @ApiProperty() idempotencyKey!: string;

  @ApiProperty({
    enum: MESSAGE_STATUSES,
    description: '`queued` when written; a repeat shows what became of it since',
  })
  status!: MessageStatus;

  @ApiProperty({ nullable: true, type: String, description: 'Why it was skipped, if it was' })
  skipReason!: string | null;

  @ApiProperty({ enum: SEND_KINDS }) kind!: SendKind;
  @ApiProperty() template!: string;
  @ApiProperty({ format: 'uuid' }) subscriberId!: string;

  @ApiProperty({ nullable: true, type: String, description: 'Topic key (notices)' })
  topic!: string | null;

  @ApiProperty({
    ...LOCALE_API_PROPERTY,
    nullable: true,
    description: "The language asked for; null: the subscriber's",
  })
  locale!: Locale | null;

  @ApiProperty({
    description:
      'When it may go out: now, or later when the notice waits for its send window or for the ' +
      "end of the subscriber's pause",
  })
  sendAfter!: Date;

  @ApiProperty({ description: 'True when this idempotency key was seen before (nothing was sent)' })
  duplicate!: boolean;

  @ApiProperty({ type: SendLinksDto }) links!: SendLinksDto;
}
