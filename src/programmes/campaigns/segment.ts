import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ANY_JSON_VALUE } from '../../platform/http/api-schemas';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';
import { DATE_NAME_PATTERN, isCalendarDate } from '../../audience/subscribers/subscriber.dto';
import type { DataUse } from '../../audience/purposes/data-purposes.service';

export const ATTRIBUTE_OPS = [
  'eq',
  'neq',
  'in',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
  'missing',
] as const;
export type AttributeOp = (typeof ATTRIBUTE_OPS)[number];

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const COMPARISONS: Partial<Record<AttributeOp, string>> = {
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};

/** Why a condition's value does not fit its operator, or null. */
export function attributeValueProblem(op: AttributeOp, value: unknown): string | null {
  if (op === 'exists' || op === 'missing') {
    return value === undefined ? null : `value must be left out for ${op}`;
  }
  if (value === undefined) return `value is required for ${op}`;
  if (op === 'in') {
    return Array.isArray(value) && value.length > 0 && value.length <= 100
      ? null
      : 'value must be a list of 1-100 values for in';
  }
  if (COMPARISONS[op]) {
    return typeof value === 'number' || typeof value === 'string'
      ? null
      : `value must be a number or a string for ${op}`;
  }
  return value === null || ['string', 'number', 'boolean'].includes(typeof value)
    ? null
    : 'value must be a string, number, boolean or null';
}

function FitsOperator(): PropertyDecorator {
  return (object, propertyName) =>
    registerDecorator({
      name: 'fitsOperator',
      target: object.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          attributeValueProblem((args.object as AttributeConditionDto).op, value) === null,
        defaultMessage: (args?: ValidationArguments) =>
          attributeValueProblem((args?.object as AttributeConditionDto).op, args?.value) ??
          'value is invalid',
      },
    });
}

function IsCalendarDate(): PropertyDecorator {
  return (object, propertyName) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: object.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => isCalendarDate(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property} must be a calendar date as YYYY-MM-DD`,
      },
    });
}

export class AttributeConditionDto {
  @ApiProperty({ example: 'plan' })
  @Matches(ATTRIBUTE_NAME, { message: 'name must be 1-64 letters, digits, _ . or -' })
  name!: string;

  @ApiProperty({ enum: ATTRIBUTE_OPS })
  @IsIn(ATTRIBUTE_OPS)
  op!: AttributeOp;

  @ApiPropertyOptional({
    ...ANY_JSON_VALUE,
    description:
      'JSON value; a list for `in`; a number or string for gt/gte/lt/lte; none for exists/missing',
    example: 'family',
  })
  @FitsOperator()
  value?: unknown;
}

/** A named date (subscriber_dates) within a range; bounds absolute, or in days from the send date. */
export class DateRangeDto {
  @ApiProperty({ example: 'renewal_date' })
  @Matches(DATE_NAME_PATTERN, { message: 'name must be a date name like renewal_date' })
  name!: string;

  @ApiPropertyOptional({ example: '2027-03-01' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;

  @ApiPropertyOptional({ example: '2027-03-31' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;

  @ApiPropertyOptional({
    type: 'integer',
    example: 0,
    description: 'At least this many days after the send date',
  })
  @IsOptional()
  @IsInt()
  @Min(-3650)
  @Max(3650)
  fromDays?: number;

  @ApiPropertyOptional({
    type: 'integer',
    example: 30,
    description: 'At most this many days after the send date',
  })
  @IsOptional()
  @IsInt()
  @Min(-3650)
  @Max(3650)
  toDays?: number;
}

export class SegmentDto {
  @ApiPropertyOptional({ description: 'true: customers only; false: prospects only' })
  @IsOptional()
  @IsBoolean()
  customer?: boolean;

  @ApiPropertyOptional({ type: AttributeConditionDto, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => AttributeConditionDto)
  attributes?: AttributeConditionDto[];

  @ApiPropertyOptional({ type: DateRangeDto, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => DateRangeDto)
  dates?: DateRangeDto[];
}

/** A segment as stored with a campaign (plain JSON). */
export type Segment = {
  customer?: boolean;
  attributes?: Array<{ name: string; op: AttributeOp; value?: unknown }>;
  dates?: Array<{ name: string; from?: string; to?: string; fromDays?: number; toDays?: number }>;
};

/** The subscriber data a segment uses, with its field: what the campaign's purposes must cover. */
export function segmentDataUses(segment: Segment): DataUse[] {
  return [
    ...(segment.attributes ?? []).map((a, i): DataUse => ({
      kind: 'attribute',
      name: a.name,
      field: `segment.attributes.${i}.name`,
    })),
    ...(segment.dates ?? []).map((d, i): DataUse => ({
      kind: 'date',
      name: d.name,
      field: `segment.dates.${i}.name`,
    })),
  ];
}

/** Rules class-validator cannot express on one field; null when the segment is fine. */
export function segmentProblem(segment: Segment): { field: string; message: string } | null {
  for (const [i, d] of (segment.dates ?? []).entries()) {
    const field = `segment.dates.${i}`;
    if (
      d.from === undefined &&
      d.to === undefined &&
      d.fromDays === undefined &&
      d.toDays === undefined
    )
      return { field, message: `${field} needs a bound: from, to, fromDays or toDays` };
    if (
      (d.from !== undefined && d.fromDays !== undefined) ||
      (d.to !== undefined && d.toDays !== undefined)
    )
      return { field, message: `${field}: give a bound either as a date or in days, not both` };
  }
  return null;
}

/**
 * A JSON number, or text that reads as one (a CSV import stores every attribute as text), as
 * numeric; NULL for anything else. The CASE fixes the order: the cast runs only on what the
 * pattern let through (a WHERE's AND does not promise an order), and the exponent is bounded, so
 * no stored value can make the cast fail.
 */
const asNumeric = (field: string) =>
  `(CASE WHEN jsonb_typeof(${field}) = 'number' THEN (${field})::numeric
         WHEN jsonb_typeof(${field}) = 'string'
          AND (${field} #>> '{}') ~ '^\\s*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]{1,3})?\\s*$'
         THEN (${field} #>> '{}')::numeric END)`;

/** A JSON boolean, or the text true/false in any case, as boolean; NULL for anything else. */
const asBoolean = (field: string) =>
  `(CASE WHEN jsonb_typeof(${field}) = 'boolean' THEN (${field})::boolean
         WHEN jsonb_typeof(${field}) = 'string' AND lower(${field} #>> '{}') IN ('true', 'false')
         THEN lower(${field} #>> '{}')::boolean END)`;

/** A calendar date as text (YYYY-MM-DD, also the start of a timestamp); NULL for anything else. */
const asDateText = (field: string) =>
  `(CASE WHEN jsonb_typeof(${field}) = 'string' AND (${field} #>> '{}') ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}'
         THEN left(${field} #>> '{}', 10) END)`;

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * One comparison of an attribute with a value, typed by the value: a number compares numerically
 * with numbers and numeric text, a boolean with booleans and true/false text, a date
 * (YYYY-MM-DD) in a range comparison with dates and timestamps, other text as text (`eq` also
 * matches a number or boolean whose text it is). Values of a type that cannot compare never match.
 */
function comparison(
  field: string,
  cmp: string,
  value: unknown,
  p: (value: unknown) => string,
): string {
  if (typeof value === 'number') return `${asNumeric(field)} ${cmp} ${p(value)}::numeric`;
  if (typeof value === 'boolean') return `${asBoolean(field)} ${cmp} ${p(value)}::boolean`;
  if (value === null) return `(${field}) ${cmp === '=' ? '=' : '<>'} 'null'::jsonb`;
  if (cmp === '=')
    return `(${field} #>> '{}') = ${p(typeof value === 'string' ? value : JSON.stringify(value))}::text`;
  if (typeof value === 'string' && CALENDAR_DATE.test(value))
    return `${asDateText(field)} ${cmp} ${p(value)}::text`;
  return `(jsonb_typeof(${field}) = 'string' AND (${field} #>> '{}') ${cmp} ${p(value)}::text)`;
}

/**
 * The segment as SQL conditions on subscribers `s` (each starting with AND), with its values
 * appended to `params` (never interpolated). Day offsets count from `sendDate` (YYYY-MM-DD).
 */
export function segmentSql(segment: Segment, params: unknown[], sendDate: string): string {
  const parts: string[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (segment.customer !== undefined) parts.push(`s.is_customer = ${p(segment.customer)}`);
  for (const c of segment.attributes ?? []) {
    const field = `s.attributes -> ${p(c.name)}`;
    switch (c.op) {
      case 'exists':
        parts.push(`(${field}) IS NOT NULL`);
        break;
      case 'missing':
        parts.push(`(${field}) IS NULL`);
        break;
      case 'eq':
        parts.push(`coalesce(${comparison(field, '=', c.value, p)}, false)`);
        break;
      case 'neq':
        parts.push(`NOT coalesce(${comparison(field, '=', c.value, p)}, false)`);
        break;
      case 'in':
        parts.push(
          `coalesce(${(c.value as unknown[]).map((v) => comparison(field, '=', v, p)).join(' OR ')}, false)`,
        );
        break;
      default:
        parts.push(`coalesce(${comparison(field, COMPARISONS[c.op]!, c.value, p)}, false)`);
    }
  }
  for (const d of segment.dates ?? []) {
    const bounds = [`d.subscriber_id = s.id`, `d.name = ${p(d.name)}`];
    if (d.from !== undefined) bounds.push(`d.value >= ${p(d.from)}::date`);
    if (d.to !== undefined) bounds.push(`d.value <= ${p(d.to)}::date`);
    if (d.fromDays !== undefined)
      bounds.push(`d.value >= ${p(sendDate)}::date + ${p(d.fromDays)}::int`);
    if (d.toDays !== undefined)
      bounds.push(`d.value <= ${p(sendDate)}::date + ${p(d.toDays)}::int`);
    parts.push(`EXISTS (SELECT 1 FROM audience_subscriber_dates d WHERE ${bounds.join(' AND ')})`);
  }
  return parts.map((x) => `AND ${x}`).join('\n     ');
}
