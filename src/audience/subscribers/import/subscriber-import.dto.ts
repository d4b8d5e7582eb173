import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Length, MaxLength } from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ImportQueryDto {
  @ApiPropertyOptional({
    example: 'product-news,tips:weekly',
    description:
      'Topics every row joins: comma-separated keys, each optionally `key:frequency` ' +
      "(default: the topic's default frequency). Checked before the file is read.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  topics?: string;

  @ApiPropertyOptional({
    example: 'Yes, send me product news about once a month.',
    description:
      'The exact wording the people in the file agreed to, recorded with each new opt-in ' +
      '(with consentVersion). Without it a factual default wording is recorded.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 4000)
  consentText?: string;

  @ApiPropertyOptional({ example: 'signup-form-2026-11' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  consentVersion?: string;

  @ApiPropertyOptional({
    default: false,
    description: 'Validate and count everything, write nothing',
  })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  dryRun?: boolean;
}

export class ImportRowErrorDto {
  @ApiProperty({
    type: 'integer',
    example: 7,
    description: 'Physical line in the file where the row starts (a CSV header is line 1)',
  })
  line!: number;

  @ApiProperty({
    example: 'timezone',
    description: 'The CSV column or NDJSON key at fault; `row` when the whole row is unreadable',
  })
  field!: string;

  @ApiProperty({ example: 'timezone must be an IANA time zone such as Europe/Amsterdam' })
  message!: string;
}

export class ImportResultDto {
  @ApiProperty({ type: 'integer', description: 'Data rows read (blank lines not counted)' })
  rows!: number;

  @ApiProperty({ type: 'integer', description: 'New subscribers' })
  created!: number;

  @ApiProperty({ type: 'integer', description: 'Existing subscribers the import changed' })
  updated!: number;

  @ApiProperty({
    type: 'integer',
    description: 'Existing subscribers the import left exactly as they were',
  })
  unchanged!: number;

  @ApiProperty({
    type: 'integer',
    description: 'New subscriptions (each recorded as an opt-in from import)',
  })
  subscribed!: number;

  @ApiProperty({
    type: 'integer',
    description: 'Rows refused; rows = created + updated + unchanged + failed',
  })
  failed!: number;

  @ApiProperty({ description: 'True when nothing was written' })
  dryRun!: boolean;

  @ApiProperty({ type: ImportRowErrorDto, isArray: true, description: 'At most 1000' })
  errors!: ImportRowErrorDto[];

  @ApiProperty({ description: 'True when there were more than 1000 errors' })
  errorsTruncated!: boolean;
}

/**
 * `interrupted`: the process that read the file stopped before it finished (its row has had no
 * heartbeat for IMPORT_JOB_STALE_SECONDS); the rows it got to are imported, the rest are not.
 */
export const IMPORT_JOB_STATUSES = ['running', 'finished', 'failed', 'interrupted'] as const;
export type ImportJobStatus = (typeof IMPORT_JOB_STATUSES)[number];

/** An import started with `POST /v1/subscribers/imports`, and how far it got. */
export class ImportJobDto {
  @ApiProperty({ format: 'uuid' }) id!: string;

  @ApiProperty({
    enum: IMPORT_JOB_STATUSES,
    description:
      '`running` while rows are read; `finished` when every row was read; `failed` when a batch ' +
      'could not be written (`error` says which; batches before it stay imported); `interrupted` ' +
      'when the process reading the file stopped (`processed` rows are imported; send the file ' +
      'again, an import is idempotent on the address)',
  })
  status!: ImportJobStatus;

  @ApiProperty({ enum: ['csv', 'ndjson'] }) format!: 'csv' | 'ndjson';

  @ApiProperty({ description: 'True when nothing is written' }) dryRun!: boolean;

  @ApiProperty({
    type: 'integer',
    description: 'Data rows in the file (counted before the import starts)',
  })
  total!: number;

  @ApiProperty({
    type: 'integer',
    description: 'Rows read so far (updated after every batch of 500)',
  })
  processed!: number;

  @ApiProperty({ type: 'integer' }) created!: number;
  @ApiProperty({ type: 'integer' }) updated!: number;
  @ApiProperty({ type: 'integer' }) unchanged!: number;
  @ApiProperty({ type: 'integer' }) subscribed!: number;

  @ApiProperty({
    type: 'integer',
    description: 'Rows refused so far; a refused row writes nothing',
  })
  refused!: number;

  @ApiProperty({
    description:
      'True when more than 1000 errors were found: the refused-rows report lists the first 1000',
  })
  refusedTruncated!: boolean;

  @ApiProperty({ nullable: true, type: String, description: 'Why a failed import stopped' })
  error!: string | null;

  @ApiProperty() createdAt!: Date;

  @ApiProperty({ nullable: true, type: Date }) finishedAt!: Date | null;
}
