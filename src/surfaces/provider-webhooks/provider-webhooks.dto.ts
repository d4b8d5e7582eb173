import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { WebhookResultDto } from '../webhooks/webhook.dto';
import { PROVIDERS } from './provider-adapter';

export class ProviderWebhookResultDto {
  @ApiProperty({ enum: PROVIDERS }) provider!: (typeof PROVIDERS)[number];

  @ApiProperty({
    type: WebhookResultDto,
    isArray: true,
    description:
      'One report per bounce or complaint event (empty for events that are neither, such as ' +
      'deliveries and opens). A report received before says `replayed: true` and changed nothing.',
  })
  reports!: WebhookResultDto[];

  @ApiPropertyOptional({
    enum: ['confirmed', 'not_confirmed'],
    description: 'SES only: what became of an SNS SubscriptionConfirmation',
  })
  subscription?: 'confirmed' | 'not_confirmed';
}

/** Documentation of the bodies each provider posts (their own formats; not validated as DTOs). */
export class SnsMessageDto {
  @ApiProperty({ enum: ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] })
  Type!: string;
  @ApiProperty() MessageId!: string;
  @ApiProperty({ example: 'arn:aws:sns:eu-west-1:123456789012:ses-feedback' }) TopicArn!: string;
  @ApiProperty({ description: 'The SES notification as a JSON string' }) Message!: string;
  @ApiProperty({ format: 'date-time' }) Timestamp!: string;
  @ApiProperty({ enum: ['1', '2'] }) SignatureVersion!: string;
  @ApiProperty() Signature!: string;
  @ApiProperty({ example: 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem' })
  SigningCertURL!: string;
  @ApiPropertyOptional() Subject?: string;
  @ApiPropertyOptional() Token?: string;
  @ApiPropertyOptional() SubscribeURL?: string;
}

export class PostmarkEventDto {
  @ApiProperty({ enum: ['Bounce', 'SpamComplaint'], description: 'Other record types are ignored' })
  RecordType!: string;
  @ApiProperty({ type: Number, description: 'Postmark’s id of the event' }) ID!: number;
  @ApiProperty({ example: 'HardBounce' }) Type!: string;
  @ApiProperty({ format: 'email' }) Email!: string;
  @ApiPropertyOptional() Details?: string;
}

export class SendgridEventDto {
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty({ example: 'bounce', description: 'bounce, deferred, spamreport; others ignored' })
  event!: string;
  @ApiProperty() sg_event_id!: string;
  @ApiPropertyOptional({ example: 'bounce', description: 'bounce or blocked' }) type?: string;
  @ApiPropertyOptional({ example: '5.1.1' }) status?: string;
  @ApiPropertyOptional() reason?: string;
  @ApiPropertyOptional({ description: 'The Message-ID of our email' }) 'smtp-id'?: string;
}

export class MailgunSignatureDto {
  @ApiProperty() timestamp!: string;
  @ApiProperty() token!: string;
  @ApiProperty({ description: 'HMAC-SHA256 of timestamp + token with the signing key, hex' })
  signature!: string;
}

export class MailgunWebhookDto {
  @ApiProperty({ type: MailgunSignatureDto }) signature!: MailgunSignatureDto;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The event: `failed` (severity permanent or temporary), `complained`; others ignored',
  })
  'event-data'!: Record<string, unknown>;
}
