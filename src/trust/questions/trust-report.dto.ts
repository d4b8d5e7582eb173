import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class MonthQueryDto {
  @ApiPropertyOptional({
    description: 'The calendar month (UTC), `YYYY-MM`; default the current month',
    example: '2026-11',
    pattern: '^\\d{4}-(0[1-9]|1[0-2])$',
  })
  @IsOptional()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'month must be YYYY-MM' })
  month?: string;
}

export class TrustCommentsQueryDto extends MonthQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value))
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1)
  @Max(500)
  limit?: number;
}

export class MonthDto {
  @ApiProperty({ example: '2026-11' }) month!: string;
  @ApiProperty({ description: 'Start of the month (UTC), inclusive' }) from!: Date;
  @ApiProperty({ description: 'Start of the next month (UTC), exclusive' }) to!: Date;
}

export class TrustScoreFiguresDto {
  @ApiProperty({
    type: 'integer',
    description: 'Emails sent in the month that carried the question',
  })
  asked!: number;
  @ApiProperty({ type: 'integer', description: 'Of those, answered (one answer per email)' })
  answered!: number;
  @ApiProperty({
    type: 'integer',
    isArray: true,
    minItems: 5,
    maxItems: 5,
    description: 'Answers per score: index 0 is score 1, index 4 is score 5',
    example: [0, 1, 2, 5, 3],
  })
  scores!: number[];
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The mean score (1-5), two decimals; null without answers',
  })
  averageScore!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Share of answers that are 4 or 5 (0-1), the trust score; null without answers',
  })
  trustScore!: number | null;
}

export class TrustScoreRowDto extends TrustScoreFiguresDto {
  @ApiProperty({ type: String, nullable: true, description: 'The topic key; null: no topic' })
  topic!: string | null;
  @ApiProperty({ enum: ['editorial', 'notice'], description: 'The kind of the emails' })
  kind!: string;
}

export class TrustScoreReportDto extends MonthDto {
  @ApiProperty({ type: TrustScoreRowDto, isArray: true, description: 'Per topic and kind' })
  rows!: TrustScoreRowDto[];
  @ApiProperty({ type: TrustScoreFiguresDto, description: 'All emails of the month together' })
  total!: TrustScoreFiguresDto;
}

export class TrustCommentDto {
  @ApiProperty({ format: 'uuid', description: 'The email that asked' }) messageId!: string;
  @ApiProperty({ type: String, nullable: true }) topic!: string | null;
  @ApiProperty({ enum: ['editorial', 'notice'] }) kind!: string;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 5 }) score!: number;
  @ApiProperty() comment!: string;
  @ApiProperty() answeredAt!: Date;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The address, only when the subscriber allowed it with this comment',
  })
  email!: string | null;
}

export class TrustCommentsReportDto extends MonthDto {
  @ApiProperty({
    type: TrustCommentDto,
    isArray: true,
    description: 'Comments on emails of the month, newest answer first, at most `limit`',
  })
  comments!: TrustCommentDto[];
  @ApiProperty({ type: 'integer', description: 'All comments of the month' }) total!: number;
}

export class ExpectationGroupDto {
  @ApiProperty({ description: 'The normalised text the group shares (docs/trust-question.md)' })
  normalised!: string;
  @ApiProperty({ description: 'The most recent answer of the group as it was written' })
  example!: string;
  @ApiProperty({ type: 'integer', description: 'Answers in the group' }) count!: number;
  @ApiProperty({ type: 'integer', description: 'Distinct subscribers who gave them' })
  subscribers!: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'Answers per page language',
    example: { nl: 2, en: 1 },
  })
  locales!: Record<string, number>;
  @ApiProperty() lastAt!: Date;
}

export class ExpectationsReportDto extends MonthDto {
  @ApiProperty({
    type: ExpectationGroupDto,
    isArray: true,
    description: 'Groups of similar answers, most answers first, at most 200',
  })
  groups!: ExpectationGroupDto[];
  @ApiProperty({ type: 'integer', description: 'Answers in the month' }) total!: number;
}
