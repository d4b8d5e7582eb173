import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Matches,
  MaxLength,
} from 'class-validator';
import { EVENT_TYPES } from '../../platform/events/event-types';
import { PageQueryDto } from '../../platform/http/pagination';
import { DELIVERY_STATUSES, DeliveryStatus, WebhookDelivery } from './webhook-delivery.entity';
import type { WebhookEndpoint } from './webhook-endpoint.entity';

/** `*`: every event type, also those added later. */
export const ALL_EVENTS = '*';
const EVENT_CHOICES = [ALL_EVENTS, ...EVENT_TYPES];

const URL_OPTIONS = {
  protocols: ['http', 'https'],
  require_protocol: true,
  require_tld: false,
  allow_underscores: true,
};
const URL_MESSAGE = 'url must be an http or https URL';
/** Printable ASCII without spaces: what survives a copy into another system's configuration. */
const SECRET_PATTERN = /^[\x21-\x7e]+$/;

/** One or more known event types, or `*`, each once. */
function IsEventList(): PropertyDecorator {
  return applyDecorators(
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(EVENT_CHOICES.length),
    ArrayUnique(),
    IsIn(EVENT_CHOICES, {
      each: true,
      message: `events must each be one of: ${EVENT_CHOICES.join(', ')}`,
    }),
  );
}

/** A signing secret: 16 to 200 printable ASCII characters without spaces. */
function IsSigningSecret(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    Length(16, 200),
    Matches(SECRET_PATTERN, { message: 'secret must be printable ASCII without spaces' }),
  );
}

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://crm.example.com/hooks/tidings', maxLength: 2000 })
  @IsUrl(URL_OPTIONS, { message: URL_MESSAGE })
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({
    enum: EVENT_CHOICES,
    isArray: true,
    default: [ALL_EVENTS],
    example: ['subscriber.unsubscribed', 'subscriber.erased'],
    description: 'The event types to send, or `["*"]` for all (the default)',
  })
  @IsOptional()
  @IsEventList()
  events?: string[];

  @ApiPropertyOptional({
    minLength: 16,
    maxLength: 200,
    description:
      'The signing secret (printable ASCII, no spaces); generated when not given. Returned only in this response.',
  })
  @IsOptional()
  @IsSigningSecret()
  secret?: string;

  @ApiPropertyOptional({ maxLength: 500, example: 'CRM sync' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://crm.example.com/hooks/tidings', maxLength: 2000 })
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: URL_MESSAGE })
  @MaxLength(2000)
  url?: string;

  @ApiPropertyOptional({ enum: EVENT_CHOICES, isArray: true })
  @IsOptional()
  @IsEventList()
  events?: string[];

  @ApiPropertyOptional({
    minLength: 16,
    maxLength: 200,
    description: 'A new signing secret; deliveries from now on are signed with it',
  })
  @IsOptional()
  @IsSigningSecret()
  secret?: string;

  @ApiPropertyOptional({ maxLength: 500, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookEndpointDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'https://crm.example.com/hooks/tidings' }) url!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ enum: EVENT_CHOICES, isArray: true }) events!: string[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static from(e: WebhookEndpoint): WebhookEndpointDto {
    return {
      id: e.id,
      url: e.url,
      description: e.description,
      events: e.events,
      enabled: e.enabled,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    };
  }
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto {
  @ApiProperty({
    example: 'whsec_Jf0yJ3aW6t1m9b2yJ5uQWQ6cJ8o1XK2hQ8c7d1x9Zs4',
    description: 'The signing secret. It is shown only in this response.',
  })
  secret!: string;
}

export class ListDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES, { message: `status must be one of: ${DELIVERY_STATUSES.join(', ')}` })
  status?: DeliveryStatus;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'Sent as `Tidings-Event-Id`; the same on replays' })
  eventId!: string;
  @ApiProperty({ enum: EVENT_TYPES }) eventType!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: DeliveryStatus;
  @ApiProperty({ type: 'integer', minimum: 0 }) attempts!: number;
  @ApiProperty({
    nullable: true,
    type: 'integer',
    description: "The receiver's HTTP status on the last attempt; null when none answered",
  })
  lastResponseCode!: number | null;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({
    nullable: true,
    type: Date,
    description: 'When the next attempt is due; null once delivered or failed',
  })
  nextAttemptAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) lastAttemptAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) deliveredAt!: Date | null;
  @ApiProperty({
    nullable: true,
    format: 'uuid',
    type: String,
    description: 'The delivery this one replays',
  })
  replayOf!: string | null;
  @ApiProperty() occurredAt!: Date;
  @ApiProperty() createdAt!: Date;

  static from(d: WebhookDelivery): WebhookDeliveryDto {
    return {
      id: d.id,
      eventId: d.eventId,
      eventType: d.eventType,
      status: d.status,
      attempts: d.attempts,
      lastResponseCode: d.lastResponseCode,
      lastError: d.lastError,
      nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt : null,
      lastAttemptAt: d.lastAttemptAt,
      deliveredAt: d.deliveredAt,
      replayOf: d.replayOf,
      occurredAt: d.occurredAt,
      createdAt: d.createdAt,
    };
  }
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: WebhookDeliveryDto, isArray: true }) items!: WebhookDeliveryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
