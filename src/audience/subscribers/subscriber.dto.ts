import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { DATE_MAP, FREE_FORM_OBJECT, NULLABLE_DATE_MAP } from '../../platform/http/api-schemas';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsTimeZone,
  Length,
  Matches,
  registerDecorator,
  IsInt,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  IsArray,
  ArrayMaxSize,
  ValidationOptions,
} from 'class-validator';
import { PageQueryDto } from '../../platform/http/pagination';
import { IsSmallJsonObject, NormaliseLineEndings } from '../../platform/http/validation';
import { TOPIC_KEY_PATTERN } from '../topics/topic.dto';
import { FREQUENCIES, Frequency } from '../topics/topic.entity';
import { SUBSCRIBER_STATUSES, SubscriberStatus } from './subscriber.entity';
import { SUBSCRIPTION_STATUSES, SubscriptionStatus } from './subscription.entity';
import { IsConfiguredLocale, Locale, LOCALE_API_PROPERTY } from '../../platform/locale';

// eslint-disable-next-line no-control-regex
export const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

export const DATE_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
export const WEEKLY_CAP_MIN = 1;
export const WEEKLY_CAP_MAX = 50;
export const WEEKLY_CAP_MESSAGE = `weeklyCap must be a whole number from ${WEEKLY_CAP_MIN} to ${WEEKLY_CAP_MAX}, or null for the default`;
export const TIMEZONE_MESSAGE = 'timezone must be an IANA time zone such as Europe/Amsterdam';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date written YYYY-MM-DD (2027-02-30 is refused). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** Why a dates map is invalid, naming the entry, or null when it is valid. */
export function datesProblem(value: unknown, allowNull: boolean, field = 'dates'): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${field} must be an object of name → YYYY-MM-DD`;
  }
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (!DATE_NAME_PATTERN.test(name)) {
      return `${field}.${name}: a date name must be lowercase letters, digits and _ (like renewal_date)`;
    }
    if (v === null && allowNull) continue;
    if (!isCalendarDate(v)) return `${field}.${name} must be a calendar date as YYYY-MM-DD`;
  }
  return null;
}

function IsDateMap(allowNull: boolean, options?: ValidationOptions): PropertyDecorator {
  return (object, propertyName) =>
    registerDecorator({
      name: 'isDateMap',
      target: object.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => datesProblem(value, allowNull) === null,
        defaultMessage: (args) => datesProblem(args?.value, allowNull) ?? 'dates is invalid',
      },
    });
}

export const lowerTrim = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** The exact text a person agreed to, with its version, as shown on your form. */
export class ConsentWordingDto {
  @ApiProperty({ example: 'Yes, send me product news about once a month.' })
  @IsString()
  @Length(1, 4000)
  text!: string;

  @ApiProperty({ example: 'signup-form-2026-11' })
  @IsString()
  @Length(1, 100)
  version!: string;
}

export class TopicChoiceDto {
  @ApiProperty({ example: 'product-news', description: 'Topic key (or id)' })
  @IsString()
  @MaxLength(100)
  topic!: string;

  @ApiPropertyOptional({ enum: FREQUENCIES, description: "Defaults to the topic's default" })
  @IsOptional()
  @IsIn(FREQUENCIES)
  frequency?: Frequency;
}

const LOCAL_CHARS =
  "A-Za-z0-9!#$%&'*+\\-\\/=?^_`\\{\\|\\}~\\u00A1-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFEF";
const LABEL_CHARS = 'A-Za-z0-9\\u00A1-\\uFF00\\uFF5F-\\uFFFF';
const TLD_CHARS =
  'A-Za-z\\u00A1-\\u00A8\\u00AA-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFF00\\uFF5F-\\uFFEF';

/**
 * EmailField's rule (class-validator's IsEmail with its defaults: a dotted domain with a real
 * top-level domain, so `a@b` is refused) as an HTML `pattern`, for forms that take an address:
 * the browser then refuses what the server would. Written for the `v` flag browsers compile
 * patterns with; the unit test checks it against IsEmail. Quoted local parts ("a b"@example.com),
 * which the server takes, are left out: browsers refuse them for type="email" anyway.
 */
export const EMAIL_INPUT_PATTERN =
  `(?=[^@]{1,64}@)(?=.{3,254}$)` +
  `[${LOCAL_CHARS}]+(?:\\.[${LOCAL_CHARS}]+)*@` +
  `(?:[${LABEL_CHARS}](?:[${LABEL_CHARS}\\-]{0,61}[${LABEL_CHARS}])?\\.)+` +
  `(?:[${TLD_CHARS}]{2,63}|xn[A-Za-z0-9\\-]{1,60}[A-Za-z0-9])`;

/** An address: trimmed, lower-cased, validated. Shared by every DTO that takes one. */
export const EmailField = (): PropertyDecorator =>
  applyDecorators(
    ApiProperty({ example: 'ada@example.com' }),
    Transform(lowerTrim),
    IsEmail({}, { message: 'email must be a valid email address' }),
    MaxLength(254),
  );

/** A display name: one line, no control characters (it ends up in the To header). */
export const NameField = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({ example: 'Ada' }),
    IsOptional(),
    IsString(),
    MaxLength(200),
    Matches(NO_CONTROL_CHARACTERS, {
      message: 'name must not contain line breaks or control characters',
    }),
  );

export const LocaleField = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      ...LOCALE_API_PROPERTY,
      description: 'One of the configured locales (LOCALES); en if configured, else the first',
    }),
    IsOptional(),
    IsConfiguredLocale(),
  );

export class CreateSubscriberDto {
  @EmailField()
  email!: string;

  @NameField()
  name?: string;

  @LocaleField()
  locale?: Locale;

  @ApiPropertyOptional({
    example: 'Europe/Amsterdam',
    default: 'UTC',
    description: 'IANA time zone',
  })
  @IsOptional()
  @IsTimeZone({ message: TIMEZONE_MESSAGE })
  timezone?: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  isCustomer?: boolean;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: WEEKLY_CAP_MIN,
    maximum: WEEKLY_CAP_MAX,
    example: 2,
    description:
      'At most this many editorial and promotional emails in any 7 days, across all topics (notices and transactional mail do not count). null: the default (OVERALL_WEEKLY_CAP)',
  })
  @IsOptional()
  @IsInt({ message: WEEKLY_CAP_MESSAGE })
  @Min(WEEKLY_CAP_MIN, { message: WEEKLY_CAP_MESSAGE })
  @Max(WEEKLY_CAP_MAX, { message: WEEKLY_CAP_MESSAGE })
  weeklyCap?: number | null;

  @ApiPropertyOptional({ ...FREE_FORM_OBJECT, example: { plan: 'family', vehicle_age_years: 9 } })
  @IsOptional()
  @NormaliseLineEndings()
  @IsSmallJsonObject()
  attributes?: Record<string, unknown>;

  @ApiPropertyOptional({
    ...DATE_MAP,
    example: { renewal_date: '2027-01-15' },
    description: 'Named dates (YYYY-MM-DD) that notices can be scheduled from',
  })
  @IsOptional()
  @IsDateMap(false)
  dates?: Record<string, string>;

  @ApiPropertyOptional({ type: TopicChoiceDto, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => TopicChoiceDto)
  topics?: TopicChoiceDto[];

  @ApiPropertyOptional({
    type: ConsentWordingDto,
    description: 'Wording recorded with the opt-ins',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConsentWordingDto)
  consent?: ConsentWordingDto;
}

export class UpdateSubscriberDto extends PartialType(
  OmitType(CreateSubscriberDto, ['topics', 'consent', 'dates', 'attributes'] as const),
) {
  @ApiPropertyOptional({
    ...FREE_FORM_OBJECT,
    description: 'Merged into the attributes; a key set to null is removed',
  })
  @IsOptional()
  @NormaliseLineEndings()
  @IsSmallJsonObject()
  attributes?: Record<string, unknown>;

  @ApiPropertyOptional({
    ...NULLABLE_DATE_MAP,
    example: { renewal_date: '2027-02-01', warranty_expires_on: null },
    description: 'Dates to set; a date set to null is removed',
  })
  @IsOptional()
  @IsDateMap(true)
  dates?: Record<string, string | null>;
}

const toBool = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

export class ListSubscribersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: SUBSCRIBER_STATUSES })
  @IsOptional()
  @IsIn(SUBSCRIBER_STATUSES)
  status?: SubscriberStatus;

  @ApiPropertyOptional({
    description: 'Only subscribers with an active subscription to this topic key',
  })
  @IsOptional()
  @IsString()
  @Matches(TOPIC_KEY_PATTERN, { message: 'topic must be a topic key' })
  topic?: string;

  @ApiPropertyOptional({ description: 'true: customers only; false: prospects only' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  customer?: boolean;

  @ApiPropertyOptional({
    minLength: 2,
    maxLength: 200,
    example: 'ada',
    description:
      'Search, case-insensitive: subscribers whose email address starts with this text, or whose ' +
      'name has a word starting with each of its words (`jan` finds "Marit Jansen")',
  })
  @IsOptional()
  @IsString()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @Length(2, 200, { message: 'q must be 2 to 200 characters' })
  @Matches(NO_CONTROL_CHARACTERS, { message: 'q must not hold control characters' })
  q?: string;
}

export class SubscriptionDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() topic!: string;
  @ApiProperty({ enum: SUBSCRIPTION_STATUSES }) status!: SubscriptionStatus;
  @ApiProperty({ enum: FREQUENCIES }) frequency!: Frequency;
  @ApiProperty({ nullable: true, type: Date }) lastDeliveredAt!: Date | null;
  @ApiProperty({ nullable: true, type: Date }) nextDueAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
}

export class SubscriberDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String }) email!: string | null;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty(LOCALE_API_PROPERTY) locale!: Locale;
  @ApiProperty() timezone!: string;
  @ApiProperty({ enum: SUBSCRIBER_STATUSES }) status!: SubscriberStatus;
  @ApiProperty() isCustomer!: boolean;
  @ApiProperty({ ...FREE_FORM_OBJECT }) attributes!: Record<string, unknown>;
  @ApiProperty({ ...DATE_MAP, example: { renewal_date: '2027-01-15' } }) dates!: Record<
    string,
    string
  >;
  @ApiProperty({ nullable: true, type: Date }) pausedUntil!: Date | null;
  @ApiProperty({
    nullable: true,
    type: 'integer',
    description: 'Their own overall weekly cap; null: the default applies',
  })
  weeklyCap!: number | null;
  @ApiProperty({ nullable: true, type: Date }) confirmedAt!: Date | null;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;
  @ApiPropertyOptional({ type: SubscriptionDto, isArray: true }) subscriptions?: SubscriptionDto[];
}

export class SubscriberPageDto {
  @ApiProperty({ type: SubscriberDto, isArray: true }) items!: SubscriberDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class SubscribeDto extends TopicChoiceDto {
  @ApiPropertyOptional({ type: ConsentWordingDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConsentWordingDto)
  consent?: ConsentWordingDto;

  @ApiPropertyOptional({
    enum: ['api', 'form'],
    default: 'api',
    description: '`form` when you relay a sign-up from your own form',
  })
  @IsOptional()
  @IsIn(['api', 'form'])
  source?: 'api' | 'form';
}

export class ChangeFrequencyDto {
  @ApiProperty({ enum: FREQUENCIES })
  @IsIn(FREQUENCIES)
  frequency!: Frequency;

  @ApiPropertyOptional({ type: ConsentWordingDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => ConsentWordingDto)
  consent?: ConsentWordingDto;
}

export class SubscriptionChangeDto {
  @ApiProperty({ type: SubscriptionDto }) subscription!: SubscriptionDto;
  @ApiProperty({ description: 'False when nothing changed (the request was a repeat)' })
  changed!: boolean;
}
