import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../platform/http/pagination';
import {
  MESSAGE_KINDS,
  MESSAGE_STATUSES,
  MessageKind,
  MessageStatus,
  OutboundMessage,
} from './outbound-message.entity';

export class ListMessagesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'subscriber must be a subscriber id (uuid)' })
  subscriber?: string;

  @ApiPropertyOptional({ enum: MESSAGE_STATUSES })
  @IsOptional()
  @IsIn(MESSAGE_STATUSES)
  status?: MessageStatus;

  @ApiPropertyOptional({ enum: MESSAGE_KINDS })
  @IsOptional()
  @IsIn(MESSAGE_KINDS)
  kind?: MessageKind;
}

export class MessageDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() dedupeKey!: string;
  @ApiProperty({ format: 'uuid' }) subscriberId!: string;
  @ApiProperty({ nullable: true, type: String }) topic!: string | null;
  @ApiProperty() template!: string;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'The published template version it was rendered with (null: not rendered yet)',
  })
  templateVersion!: number | null;
  @ApiProperty({ enum: MESSAGE_KINDS }) kind!: MessageKind;
  @ApiProperty({ enum: MESSAGE_STATUSES }) status!: MessageStatus;
  @ApiProperty({ nullable: true, type: String, description: 'Why a message was skipped' })
  skipReason!: string | null;
  @ApiProperty({ type: 'integer' }) attempts!: number;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String }) providerMessageId!: string | null;
  @ApiProperty() sendAfter!: Date;
  @ApiProperty({ nullable: true, type: Date }) deadlineAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) sentAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static from(m: OutboundMessage, topicKey: string | null): MessageDto {
    return {
      id: m.id,
      dedupeKey: m.dedupeKey,
      subscriberId: m.subscriberId,
      topic: topicKey,
      template: m.template,
      templateVersion: m.templateVersion,
      kind: m.kind,
      status: m.status,
      skipReason: m.skipReason,
      attempts: m.attempts,
      lastError: m.lastError,
      providerMessageId: m.providerMessageId,
      sendAfter: m.sendAfter,
      deadlineAt: m.deadlineAt,
      sentAt: m.sentAt,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
    };
  }
}

export class MessagePageDto {
  @ApiProperty({ type: MessageDto, isArray: true }) items!: MessageDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
