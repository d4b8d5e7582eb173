import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, MaxLength } from 'class-validator';
import { PageQueryDto } from '../../platform/http/pagination';
import { SUPPRESSION_REASONS, Suppression, SuppressionReason } from './suppression.entity';

export class ListSuppressionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    example: 'ada@acme.example',
    description: 'Only the suppression of this address (none or one item)',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toLowerCase() : value,
  )
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(254)
  email?: string;
}

export class SuppressionDto {
  @ApiProperty({
    description:
      'The keyed hash of the normalised address (HMAC-SHA256, hex); the address itself is not kept',
  })
  addressHash!: string;

  @ApiProperty({ enum: SUPPRESSION_REASONS })
  reason!: SuppressionReason;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'What caused it (for a bounce: the report, message and status)',
  })
  details!: Record<string, unknown>;

  @ApiProperty({ description: 'Since when the address is suppressed' })
  createdAt!: Date;

  static from(s: Suppression): SuppressionDto {
    return {
      addressHash: s.addressHash,
      reason: s.reason,
      details: s.details,
      createdAt: s.createdAt,
    };
  }
}

export class SuppressionPageDto {
  @ApiProperty({ type: SuppressionDto, isArray: true }) items!: SuppressionDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for older ones' })
  nextCursor!: string | null;
}
