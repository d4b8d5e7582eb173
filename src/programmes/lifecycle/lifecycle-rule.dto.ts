import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { FREE_FORM_OBJECT } from '../../platform/http/api-schemas';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  registerDecorator,
  ValidateIf,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { NormaliseLineEndings } from '../../platform/http/validation';
import {
  DATE_NAME_PATTERN,
  NO_CONTROL_CHARACTERS,
} from '../../audience/subscribers/subscriber.dto';
import { TOPIC_KEY_PATTERN } from '../../audience/topics/topic.dto';
import { SendWindowDto } from '../../messaging/send-window.dto';
import { CONDITION_OPS, conditionProblem } from './condition';
import type { Condition } from './condition';
import {
  LifecycleRule,
  LocalisedContent,
  TRIGGER_TYPES,
  TriggerType,
  hhmm,
} from './lifecycle-rule.entity';
import { defaultLocale, locales } from '../../platform/locale';

export const RULE_KEY_PATTERN = TOPIC_KEY_PATTERN;
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_.-]{0,99}$/;
const MAX_CONTENT_BYTES = 32 * 1024;

function IsCondition(options?: ValidationOptions): PropertyDecorator {
  return (object, propertyName) =>
    registerDecorator({
      name: 'isCondition',
      target: object.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => conditionProblem(value) === null,
        defaultMessage: (args) => {
          const problem = conditionProblem(args?.value);
          const where = problem?.path ? `${args?.property}.${problem.path}` : `${args?.property}`;
          return `${where} ${problem?.message ?? 'is not a valid condition'}`;
        },
      },
    });
}

/**
 * Why a content value is unusable (naming `content.nl` and so on), or null. Keys are configured
 * locales; the default locale's content is required (others fall back to it) unless `partial`.
 */
function contentProblem(value: unknown, property: string, partial: boolean): string | null {
  const fallback = defaultLocale();
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `${property} must be an object of template data per locale (${locales().join(', ')})`;
  const record = value as Record<string, unknown>;
  const extra = Object.keys(record).find((k) => !locales().includes(k));
  if (extra)
    return `${property}.${extra}: not a configured locale (LOCALES is ${locales().join(', ')})`;
  if (!partial && record[fallback] === undefined)
    return `${property} needs the default locale's data (${property}.${fallback}); other locales fall back to it`;
  for (const [locale, v] of Object.entries(record)) {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      return `${property}.${locale} must be an object of template data`;
  }
  if (JSON.stringify(value).length > MAX_CONTENT_BYTES)
    return `${property} must be at most ${MAX_CONTENT_BYTES} bytes of JSON`;
  return null;
}

function IsLocalisedContent(partial: boolean, options?: ValidationOptions): PropertyDecorator {
  return (object, propertyName) =>
    registerDecorator({
      name: 'isLocalisedContent',
      target: object.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown, args) =>
          contentProblem(value, args?.property ?? 'content', partial) === null,
        defaultMessage: (args) =>
          contentProblem(args?.value, args?.property ?? 'content', partial) ?? 'invalid content',
      },
    });
}

/** Template data per locale (free-form: what the rule's template uses). */
/** Template data per configured locale (LOCALES): a map, since the locales are configuration. */
const LOCALISED_CONTENT = {
  type: 'object',
  additionalProperties: { ...FREE_FORM_OBJECT },
} as const;

export class TriggerDto {
  @ApiProperty({ enum: TRIGGER_TYPES, example: 'date' })
  @IsIn(TRIGGER_TYPES)
  type!: TriggerType;

  @ApiPropertyOptional({
    example: 'renewal_date',
    description: '`date` trigger: the dated attribute the notice is scheduled from',
  })
  @ValidateIf((o: TriggerDto) => o.type === 'date' || o.date !== undefined)
  @IsString()
  @Matches(DATE_NAME_PATTERN, {
    message: 'date must be a date name: lowercase letters, digits and _ (like renewal_date)',
  })
  date?: string;

  @ApiPropertyOptional({
    example: 'usage.threshold',
    description: '`event` trigger: the event type (as posted to /v1/events)',
  })
  @ValidateIf((o: TriggerDto) => o.type === 'event' || o.event !== undefined)
  @IsString()
  @Matches(EVENT_TYPE_PATTERN, {
    message: 'event must be an event type: lowercase letters, digits, ., _ and -',
  })
  event?: string;

  @ApiPropertyOptional({
    ...FREE_FORM_OBJECT,
    example: { path: 'vehicle_age_years', op: 'gte', value: 8 },
    description:
      '`event`: a condition on the event data (optional); `attribute`: the condition on the ' +
      `subscriber's attributes (required). Comparisons { path, op, value } with op one of ` +
      `${CONDITION_OPS.join(', ')}; combine with { all: [...] }, { any: [...] }, { not: {...} }.`,
  })
  @ValidateIf((o: TriggerDto) => o.type === 'attribute' || o.condition !== undefined)
  @IsCondition()
  condition?: Condition;

  @ApiPropertyOptional({
    type: 'integer',
    example: -30,
    default: 0,
    description:
      'Days from the anchor to the send day. `date`: negative is before the date (-30 = 30 days ' +
      'before), positive after; `confirmed`: days after confirmation (1 or more; the welcome itself ' +
      'is sent at confirmation); `event` and `attribute`: days after the event or the change (0 or more).',
  })
  @IsOptional()
  @IsInt()
  @Min(-3650)
  @Max(3650)
  offsetDays?: number;

  @ApiPropertyOptional({
    type: 'integer',
    example: 7,
    description:
      '`event` and `attribute`: after a notice, the same subscriber gets no other from this rule ' +
      'for this many days. Default 1 for events, 0 for attributes.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3650)
  cooldownDays?: number;
}

export class CreateLifecycleRuleDto {
  @ApiProperty({ example: 'renewal-ahead', pattern: RULE_KEY_PATTERN.source })
  @IsString()
  @Matches(RULE_KEY_PATTERN, {
    message:
      'key must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit',
  })
  key!: string;

  @ApiProperty({ example: 'Renewal reminder, 30 days ahead' })
  @IsString()
  @Length(1, 200)
  @Matches(NO_CONTROL_CHARACTERS, { message: 'name must not contain control characters' })
  name!: string;

  @ApiPropertyOptional({ example: 'Tells customers a month ahead that their policy renews.' })
  @IsOptional()
  @NormaliseLineEndings()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiProperty({
    example: 'renewals',
    description: 'Key or id of a `notice` topic; subscribers opt out of the notices there',
  })
  @IsString()
  @MaxLength(100)
  topic!: string;

  @ApiProperty({ example: 'notice', description: 'Template key (see /v1/templates)' })
  @IsString()
  @Matches(TOPIC_KEY_PATTERN, { message: 'template must be a template key' })
  template!: string;

  @ApiPropertyOptional({
    type: String,
    example: 'apology',
    nullable: true,
    description: 'Template sent once when a notice misses its deadline',
  })
  @IsOptional()
  @IsString()
  @Matches(TOPIC_KEY_PATTERN, { message: 'apologyTemplate must be a template key' })
  apologyTemplate?: string | null;

  @ApiProperty({ type: TriggerDto })
  @ValidateNested()
  @Type(() => TriggerDto)
  trigger!: TriggerDto;

  @ApiPropertyOptional({
    type: 'integer',
    example: -14,
    nullable: true,
    description:
      'Days from the same anchor as offsetDays to the last day the notice may arrive (inside that ' +
      "day's send window). Required for `date` rules; not before offsetDays. Missing it is " +
      'recorded, apologised for and alerted.',
  })
  @IsOptional()
  @IsInt()
  @Min(-3650)
  @Max(3650)
  deadlineDays?: number | null;

  @ApiPropertyOptional({ type: SendWindowDto, description: 'Default 09:00-17:00 local' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SendWindowDto)
  sendWindow?: SendWindowDto;

  @ApiProperty({
    ...LOCALISED_CONTENT,
    description:
      "Template data per configured locale (LOCALES); the default locale's is required and a locale without its own uses it. Strings may use " +
      '{date}, {deadline}, {days}, {attributes.<name>} ' +
      'and, for events, {event.<field>}. `summary` (optional) is how the preference center lists ' +
      'the notice; the heading otherwise.',
    example: {
      en: {
        heading: 'Your insurance renews on {date}',
        intro: 'Your policy renews automatically. Want to change it? You have until {date}.',
        reason: 'You get this because your policy renews on {date}.',
        summary: 'A reminder {days} days before your renewal on {date}',
      },
      nl: {
        heading: 'Je verzekering wordt op {date} verlengd',
        intro: 'Je polis wordt automatisch verlengd. Iets aanpassen kan tot {date}.',
        reason: 'Je krijgt dit bericht omdat je polis op {date} wordt verlengd.',
        summary: 'Een herinnering {days} dagen voor je verlenging op {date}',
      },
    },
  })
  @NormaliseLineEndings()
  @IsLocalisedContent(false)
  content!: LocalisedContent;

  @ApiPropertyOptional({
    ...LOCALISED_CONTENT,
    nullable: true,
    description:
      'Apology data per locale, over the defaults (heading "We should have told you earlier", the ' +
      "notice's intro, originalSubject, dueDate, cta). Placeholders: {date}, {deadline}, {originalSubject}.",
  })
  @IsOptional()
  @NormaliseLineEndings()
  @IsLocalisedContent(true)
  apologyContent?: Partial<LocalisedContent> | null;

  @ApiPropertyOptional({
    type: String,
    isArray: true,
    nullable: true,
    example: ['usage-alerts'],
    description:
      'Keys of the data-use purposes the rule relies on (see /v1/data-purposes). Every attribute, ' +
      'date and event type the rule uses must be covered by one of them (400 naming the field ' +
      'otherwise). A consent-based purpose limits the rule to subscribers who granted it; the ' +
      'others are skipped as `no_data_consent`. Left out or null: allowed only while no purpose ' +
      'covers the data the rule uses.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(TOPIC_KEY_PATTERN, { each: true, message: 'purposes must be purpose keys' })
  purposes?: string[] | null;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateLifecycleRuleDto extends PartialType(
  OmitType(CreateLifecycleRuleDto, ['key'] as const),
) {}

export class TriggerViewDto {
  @ApiProperty({ enum: TRIGGER_TYPES }) type!: TriggerType;
  @ApiPropertyOptional({ nullable: true, type: String }) date?: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) event?: string | null;
  @ApiPropertyOptional({ ...FREE_FORM_OBJECT, nullable: true }) condition?: Condition | null;
  @ApiProperty({ type: 'integer' }) offsetDays!: number;
  @ApiProperty({ type: 'integer' }) cooldownDays!: number;
}

export class LifecycleRuleDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() key!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ description: 'Topic key' }) topic!: string;
  @ApiProperty() template!: string;
  @ApiProperty({ nullable: true, type: String }) apologyTemplate!: string | null;
  @ApiProperty({ type: TriggerViewDto }) trigger!: TriggerViewDto;
  @ApiProperty({ nullable: true, type: 'integer' }) deadlineDays!: number | null;
  @ApiProperty({ type: SendWindowDto }) sendWindow!: SendWindowDto;
  @ApiProperty({ ...LOCALISED_CONTENT }) content!: LocalisedContent;
  @ApiProperty({ ...LOCALISED_CONTENT, nullable: true })
  apologyContent!: Partial<LocalisedContent> | null;
  @ApiProperty({
    type: String,
    isArray: true,
    nullable: true,
    description: 'The data-use purposes it relies on; null when it declares none',
  })
  purposes!: string[] | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdAt!: Date;
  @ApiProperty() updatedAt!: Date;

  static from(rule: LifecycleRule, topicKey: string): LifecycleRuleDto {
    return {
      id: rule.id,
      key: rule.key,
      name: rule.name,
      description: rule.description,
      topic: topicKey,
      template: rule.template,
      apologyTemplate: rule.apologyTemplate,
      trigger: {
        type: rule.triggerType,
        date: rule.dateName,
        event: rule.eventType,
        condition: rule.condition,
        offsetDays: rule.offsetDays,
        cooldownDays: rule.cooldownDays,
      },
      deadlineDays: rule.deadlineDays,
      sendWindow: { start: hhmm(rule.windowStart), end: hhmm(rule.windowEnd) },
      content: rule.content,
      apologyContent: rule.apologyContent,
      purposes: rule.purposes ?? null,
      enabled: rule.enabled,
      createdAt: rule.createdAt,
      updatedAt: rule.updatedAt,
    };
  }
}
