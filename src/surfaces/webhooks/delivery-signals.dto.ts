import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../platform/http/pagination';
import { SIGNAL_TYPES, SignalType } from './report-parser';

export const SIGNAL_OUTCOMES = [
  'suppressed',
  'counted',
  'recorded',
  'ignored',
  'unsubscribed',
  'unmatched',
] as const;

export class ListDeliverySignalsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: SIGNAL_TYPES, description: 'Only signals of this type' })
  @IsOptional()
  @IsIn(SIGNAL_TYPES, { message: `type must be one of: ${SIGNAL_TYPES.join(', ')}` })
  type?: SignalType;

  @ApiPropertyOptional({ description: 'At or after this time (ISO 8601); default 30 days ago' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO 8601 time' })
  from?: Date;

  @ApiPropertyOptional({ description: 'Before this time (ISO 8601); default now' })
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'to must be an ISO 8601 time' })
  to?: Date;
}

export class DeliverySignalDto {
  @ApiProperty({ description: 'Increasing with time of receipt' }) id!: string;
  @ApiProperty({ enum: SIGNAL_TYPES }) type!: SignalType;
  @ApiProperty({
    enum: SIGNAL_OUTCOMES,
    description:
      'What Tidings did: suppressed the address, counted a soft bounce, recorded a delay, ignored it, unsubscribed the subscriber, or found no address to act on',
  })
  outcome!: string;
  @ApiProperty({
    enum: ['message', 'recipient', 'none'],
    description: 'message: the report named one of our Message-IDs; recipient: by address',
  })
  matchedBy!: string;
  @ApiProperty({ nullable: true, format: 'uuid', type: String }) messageId!: string | null;
  @ApiProperty({ nullable: true, format: 'uuid', type: String }) subscriberId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The address's keyed hash (as on the suppression list), never the address",
  })
  addressHash!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '5.1.1' }) statusCode!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'failed' }) action!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The remote server's answer, with addresses masked",
  })
  diagnostic!: string | null;
  @ApiProperty() occurredAt!: Date;
}

export class DeliverySignalCountsDto {
  @ApiProperty({ type: 'integer' }) hard_bounce!: number;
  @ApiProperty({ type: 'integer' }) soft_bounce!: number;
  @ApiProperty({ type: 'integer' }) delayed!: number;
  @ApiProperty({ type: 'integer' }) auto_reply!: number;
  @ApiProperty({ type: 'integer' }) complaint!: number;
  @ApiProperty({ type: 'integer' }) other!: number;
}

export class DeliverySignalPageDto {
  @ApiProperty({ description: 'The start of the period counted' }) from!: Date;
  @ApiProperty({ description: 'The end of the period counted (exclusive)' }) to!: Date;
  @ApiProperty({
    type: DeliverySignalCountsDto,
    description: 'Signals of each type in the period (whatever `type` filters)',
  })
  counts!: DeliverySignalCountsDto;
  @ApiProperty({ type: DeliverySignalDto, isArray: true }) items!: DeliverySignalDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for older ones' })
  nextCursor!: string | null;
}
