import { OmitType } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { isTimeZone, validateSync } from 'class-validator';
import { normaliseEmail } from '../../../platform/email';
import { InvalidInputError } from '../../../platform/errors/domain-errors';
import { flattenValidationErrors, normaliseLineEndingsIn } from '../../../platform/http/validation';
import { FREQUENCIES, Frequency, Topic } from '../../topics/topic.entity';
import {
  CreateSubscriberDto,
  DATE_NAME_PATTERN,
  datesProblem,
  TIMEZONE_MESSAGE,
} from '../subscriber.dto';
import type { Locale } from '../../../platform/locale';

export type ImportFormat = 'csv' | 'ndjson';

export interface RowError {
  line: number;
  field: string;
  message: string;
  /**
   * The row's address as written, for the refused-rows report of an import job only; the
   * synchronous answer and the CLI leave it out ('' when the row had none or was unreadable).
   */
  email?: string;
}

export interface TopicChoice {
  topic: Topic;
  frequency: Frequency;
}

/** A row that passed every check that does not need the database. */
export interface ImportRow {
  line: number;
  /** Normalised. */
  email: string;
  name?: string;
  locale?: Locale;
  timezone?: string;
  isCustomer?: boolean;
  /** Merged into the existing attributes; a null value removes the key. */
  attributes?: Record<string, unknown>;
  /** Set (or, with null, removed). */
  dates?: Record<string, string | null>;
  /** The row's own topics (the import's `topics` option is added when the batch is written). */
  topics: TopicChoice[];
  /** Keys of consent-based data-use purposes to grant (checked when the batch is written). */
  purposes?: string[];
}

/** A row as read from the file, before validation, in the NDJSON shape. */
export interface RowInput {
  line: number;
  subscriber: Record<string, unknown>;
  dates?: unknown;
  topics?: unknown;
  purposes?: unknown;
  /** Problems found while reading the row (a CSV cell that is not a boolean). */
  errors: RowError[];
  /** The row could not be read at all (bad JSON, wrong number of CSV fields): nothing to check. */
  unreadable?: boolean;
}

/**
 * The same checks as POST /v1/subscribers (email, name, locale, isCustomer, attributes); the
 * time zone is checked apart, with the same function, because it is slow to repeat per row.
 */
class ImportSubscriberDto extends OmitType(CreateSubscriberDto, [
  'topics',
  'consent',
  'dates',
  'timezone',
] as const) {}

// class-validator's isTimeZone builds an Intl.DateTimeFormat (about 80 µs); a file repeats a
// handful of zones, so remember the answers (bounded, in case every row has a different typo).
const zoneChecks = new Map<string, boolean>();
function isKnownTimeZone(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let known = zoneChecks.get(value);
  if (known === undefined) {
    known = isTimeZone(value);
    if (zoneChecks.size >= 2000) zoneChecks.clear();
    zoneChecks.set(value, known);
  }
  return known;
}

/** What a field is called in the file, so errors name the column (CSV) or the key (NDJSON). */
const FIELD_NAMES: Record<ImportFormat, { isCustomer: string; dates: string }> = {
  csv: { isCustomer: 'is_customer', dates: 'date' },
  ndjson: { isCustomer: 'isCustomer', dates: 'dates' },
};

/** Topics by key (archived ones included, so they can be reported as archived). */
export type TopicsByKey = ReadonlyMap<string, Topic>;

/**
 * Validates one row with the API's rules and resolves its topics. Returns the row, or every
 * problem found in it.
 */
export function validateRow(
  input: RowInput,
  format: ImportFormat,
  topics: TopicsByKey,
): ImportRow | RowError[] {
  const names = FIELD_NAMES[format];
  const errors = [...input.errors];
  const fail = (field: string, message: string) =>
    errors.push({ line: input.line, field, message });

  if (input.unreadable) return errors;

  const { timezone, attributes, ...subscriber } = input.subscriber;
  const dto = plainToInstance(ImportSubscriberDto, subscriber);
  // Attributes are checked as given: class-transformer would copy them, and trips over (or
  // turns into a prototype) a key such as __proto__. Their line breaks are normalised as the
  // API's @NormaliseLineEndings does (a quoted CSV cell may hold CRLF).
  if (attributes !== undefined)
    dto.attributes = normaliseLineEndingsIn(attributes) as Record<string, unknown>;
  const problems = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
  const named = new Set<string>();
  const missingEmail = input.subscriber.email === undefined || input.subscriber.email === null;
  if (missingEmail) {
    fail('email', 'email is required');
    named.add('email');
  }
  for (const p of flattenValidationErrors(problems)) {
    // One message per field is enough to fix it (an empty email fails three rules at once).
    if (named.has(p.field)) continue;
    named.add(p.field);
    const field = p.field === 'isCustomer' ? names.isCustomer : p.field;
    fail(field, p.message.replace(/^isCustomer\b/, names.isCustomer));
  }
  if (timezone !== undefined && timezone !== null && !isKnownTimeZone(timezone)) {
    fail('timezone', TIMEZONE_MESSAGE);
  }

  let dates: Record<string, string | null> | undefined;
  if (input.dates !== undefined && input.dates !== null) {
    const whole = datesProblem(input.dates, true, names.dates);
    if (whole && (typeof input.dates !== 'object' || Array.isArray(input.dates))) {
      fail(names.dates, whole);
    } else {
      for (const [name, value] of Object.entries(input.dates as Record<string, unknown>)) {
        const problem = datesProblem({ [name]: value }, true, names.dates);
        if (problem) fail(`${names.dates}.${name}`, problem);
      }
      if (!whole) dates = input.dates as Record<string, string | null>;
    }
  }

  const chosen: TopicChoice[] = [];
  if (input.topics !== undefined && input.topics !== null) {
    if (!Array.isArray(input.topics)) {
      fail('topics', 'topics must be a list of topic keys (key or key:frequency)');
    } else {
      for (const spec of input.topics) {
        const resolved = resolveTopicSpec(spec, topics);
        if (typeof resolved === 'string') fail('topics', resolved);
        else chosen.push(resolved);
      }
    }
  }

  let purposes: string[] | undefined;
  if (input.purposes !== undefined && input.purposes !== null) {
    if (
      !Array.isArray(input.purposes) ||
      input.purposes.some((k) => typeof k !== 'string' || !PURPOSE_KEY.test(k))
    ) {
      fail('purposes', 'purposes must be a list of data-use purpose keys');
    } else if (input.purposes.length) {
      purposes = [...new Set(input.purposes as string[])];
    }
  }

  if (errors.length) return errors;
  return {
    line: input.line,
    email: normaliseEmail(dto.email),
    name: dto.name?.trim() || undefined,
    locale: dto.locale,
    timezone: (timezone as string | null) ?? undefined,
    isCustomer: dto.isCustomer,
    attributes: dto.attributes ?? undefined,
    dates: dates && Object.keys(dates).length ? dates : undefined,
    topics: mergeChoices(chosen),
    ...(purposes ? { purposes } : {}),
  };
}

const PURPOSE_KEY = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Later choices of the same topic replace earlier ones. */
export function mergeChoices(...lists: TopicChoice[][]): TopicChoice[] {
  const byTopic = new Map<string, TopicChoice>();
  for (const list of lists) for (const c of list) byTopic.set(c.topic.id, c);
  return [...byTopic.values()];
}

/**
 * Resolves `key`, `key:frequency` or `{ topic, frequency }` to an open topic and an allowed
 * frequency (the topic's default when none is given); a message saying what is wrong otherwise.
 */
export function resolveTopicSpec(spec: unknown, topics: TopicsByKey): TopicChoice | string {
  let key: unknown;
  let frequency: unknown;
  if (typeof spec === 'string') {
    const colon = spec.indexOf(':');
    key = (colon < 0 ? spec : spec.slice(0, colon)).trim();
    frequency = colon < 0 ? undefined : spec.slice(colon + 1).trim();
  } else if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    const { topic, frequency: f, ...rest } = spec as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length) return `topics: ${extra[0]} should not exist (use topic and frequency)`;
    key = topic;
    frequency = f ?? undefined;
  } else {
    return 'topics entries must be "key", "key:frequency" or { "topic": key, "frequency": ... }';
  }
  if (typeof key !== 'string' || key === '') return 'topics: a topic key is missing';
  const topic = topics.get(key);
  if (!topic) return `topic "${key}" not found`;
  if (topic.archivedAt) return `topic "${key}" is archived and takes no new subscribers`;
  if (frequency === undefined) return { topic, frequency: topic.defaultFrequency };
  if (
    typeof frequency !== 'string' ||
    !(FREQUENCIES as readonly string[]).includes(frequency) ||
    !topic.allowedFrequencies.includes(frequency as Frequency)
  ) {
    return `frequency ${JSON.stringify(frequency)} is not offered by topic "${key}" (${topic.allowedFrequencies.join(', ')})`;
  }
  return { topic, frequency: frequency as Frequency };
}

/** The import's `topics` option (`a,b:weekly`); a 400 naming `topics` when any entry is wrong. */
export function parseTopicsOption(value: string | undefined, topics: TopicsByKey): TopicChoice[] {
  if (value === undefined || value.trim() === '') return [];
  const chosen: TopicChoice[] = [];
  for (const spec of value.split(',')) {
    if (spec.trim() === '') continue;
    const resolved = resolveTopicSpec(spec, topics);
    if (typeof resolved === 'string') throw new InvalidInputError(`topics: ${resolved}`, 'topics');
    chosen.push(resolved);
  }
  return mergeChoices(chosen);
}

// ---------------------------------------------------------------------------------------------
// CSV

type CsvColumn =
  | { kind: 'email' | 'name' | 'locale' | 'timezone' | 'is_customer' | 'topics' | 'purposes' }
  | { kind: 'attr' | 'date'; name: string };

export interface CsvHeader {
  columns: CsvColumn[];
}

const FIXED_COLUMNS = [
  'email',
  'name',
  'locale',
  'timezone',
  'is_customer',
  'topics',
  'purposes',
] as const;
export const KNOWN_COLUMNS_HINT = `${FIXED_COLUMNS.join(', ')}, attr.<name>, date.<name>`;

/**
 * Reads the header row. Any problem with it (an unknown or repeated column, no email column)
 * is a 400 before a single row is read, naming the column.
 */
export function readCsvHeader(fields: string[], line = 1): CsvHeader {
  const seen = new Set<string>();
  const columns = fields.map((raw, i): CsvColumn => {
    const name = raw.trim();
    const lower = name.toLowerCase();
    if (name === '') {
      throw new InvalidInputError(
        `Column ${i + 1} of the header (line ${line}) has no name. Known columns: ${KNOWN_COLUMNS_HINT}`,
        'header',
        'unknown_column',
      );
    }
    const key = lower.startsWith('attr.') ? `attr.${name.slice(5)}` : lower;
    if (seen.has(key)) {
      throw new InvalidInputError(
        `Column "${name}" appears twice in the header (line ${line})`,
        name,
        'duplicate_column',
      );
    }
    seen.add(key);
    if ((FIXED_COLUMNS as readonly string[]).includes(lower)) {
      return { kind: lower as (typeof FIXED_COLUMNS)[number] };
    }
    if (lower.startsWith('attr.') && name.length > 5) {
      return { kind: 'attr', name: name.slice(5) };
    }
    if (lower.startsWith('date.')) {
      const dateName = name.slice(5);
      if (!DATE_NAME_PATTERN.test(dateName)) {
        throw new InvalidInputError(
          `Column "${name}": a date name must be lowercase letters, digits and _ (like date.renewal_date)`,
          name,
          'unknown_column',
        );
      }
      return { kind: 'date', name: dateName };
    }
    throw new InvalidInputError(
      `Unknown column "${name}" in the header (line ${line}). Known columns: ${KNOWN_COLUMNS_HINT}`,
      name,
      'unknown_column',
    );
  });
  if (!columns.some((c) => c.kind === 'email')) {
    throw new InvalidInputError(
      `The header (line ${line}) has no "email" column`,
      'email',
      'missing_column',
    );
  }
  return { columns };
}

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

/** A CSV record as row input; an empty cell means "not given" (the field is left as it is). */
export function csvRow(header: CsvHeader, line: number, fields: string[]): RowInput {
  const input: RowInput = { line, subscriber: {}, errors: [] };
  if (fields.length !== header.columns.length) {
    input.errors.push({
      line,
      field: 'row',
      message: `the row has ${fields.length} fields; the header has ${header.columns.length}`,
    });
    input.unreadable = true;
    return input;
  }
  const s = input.subscriber;
  // Null-prototype maps: a column named attr.__proto__ must be an attribute, not a prototype.
  let attributes: Record<string, string> | undefined;
  let dates: Record<string, string> | undefined;
  for (let i = 0; i < fields.length; i++) {
    const value = fields[i].trim();
    if (value === '') continue;
    const column = header.columns[i];
    switch (column.kind) {
      case 'email':
      case 'name':
      case 'locale':
      case 'timezone':
        s[column.kind] = value;
        break;
      case 'is_customer': {
        const word = value.toLowerCase();
        if (TRUE_WORDS.has(word)) s.isCustomer = true;
        else if (FALSE_WORDS.has(word)) s.isCustomer = false;
        else
          input.errors.push({
            line,
            field: 'is_customer',
            message: 'is_customer must be true, false, 1, 0, yes or no',
          });
        break;
      }
      case 'topics':
        input.topics = value
          .split('|')
          .map((t) => t.trim())
          .filter((t) => t !== '');
        break;
      case 'purposes':
        input.purposes = value
          .split(';')
          .map((k) => k.trim())
          .filter((k) => k !== '');
        break;
      case 'attr':
        (attributes ??= Object.create(null) as Record<string, string>)[column.name] = value;
        break;
      case 'date':
        (dates ??= Object.create(null) as Record<string, string>)[column.name] = value;
        break;
    }
  }
  if (attributes) s.attributes = attributes;
  if (dates) input.dates = dates;
  return input;
}

// ---------------------------------------------------------------------------------------------
// NDJSON

/** One NDJSON line as row input: a JSON object in the shape of POST /v1/subscribers. */
export function ndjsonRow(line: number, text: string): RowInput {
  const input: RowInput = { line, subscriber: {}, errors: [] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    input.errors.push({
      line,
      field: 'row',
      message: `the line is not valid JSON (${(err as Error).message})`,
    });
    input.unreadable = true;
    return input;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    input.errors.push({ line, field: 'row', message: 'each line must be a JSON object' });
    input.unreadable = true;
    return input;
  }
  const { dates, topics, purposes, ...subscriber } = value as Record<string, unknown>;
  input.subscriber = subscriber;
  input.purposes = purposes;
  input.dates = dates;
  input.topics = topics;
  return input;
}
