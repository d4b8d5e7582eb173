import { DateTime } from 'luxon';
import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * The languages Tidings speaks (subscribers' locales, templates, pages and wording) come from
 * configuration (`LOCALES`, first is the default), set once per process at start by
 * `configureLocales`. A locale is a lowercase language code such as `nl`, `en` or `de`.
 */
export type Locale = string;

/** The shipped languages: every built-in text exists in these. */
export const SHIPPED_LOCALES: readonly Locale[] = ['nl', 'en'];

/** What `LOCALES` may hold: a language code, optionally with a region (`pt-br`). */
export const LOCALE_PATTERN = /^[a-z]{2,3}(-[a-z0-9]{2,8})?$/;

let configured: readonly Locale[] = SHIPPED_LOCALES;

/** Sets the configured locales (the first is the default); called once at start. */
export function configureLocales(list: readonly Locale[]): void {
  if (!list.length) throw new Error('at least one locale is needed');
  configured = Object.freeze([...list]);
}

/** The configured locales, the default first. */
export function locales(): readonly Locale[] {
  return configured;
}

/** The default locale: the first of `LOCALES`. Every text falls back to it. */
export function defaultLocale(): Locale {
  return configured[0];
}

/**
 * Where built-in texts (pages, email strings) that a locale lacks come from: the default locale
 * if Tidings ships its texts, else the first configured locale that it ships, else English.
 */
export function fallbackLocale(): Locale {
  return configured.find((l) => SHIPPED_LOCALES.includes(l)) ?? 'en';
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && configured.includes(value);
}

/** A configured locale, or the default for anything else (an unknown or removed locale). */
export function localeOr(value: unknown): Locale {
  return isLocale(value) ? value : defaultLocale();
}

/**
 * A text in the subscriber's locale from a per-locale map, else in the default locale, else
 * `fallback` (the text stored before texts were per locale, or the first one there is).
 */
export function localText(
  texts: Readonly<Record<string, string>> | null | undefined,
  locale: Locale,
  fallback: string,
): string {
  return texts?.[locale] || texts?.[defaultLocale()] || fallback;
}

/** The Intl locale behind a language: one date format per language ("15 January 2027"). */
const INTL_LOCALE: Readonly<Record<string, string>> = { en: 'en-GB', nl: 'nl-NL' };

export function intlLocale(locale: Locale): string {
  return INTL_LOCALE[locale] ?? locale;
}

/** A day as people read it in their own zone and language: "15 January 2027", "15 januari 2027". */
export function formatLocalDate(date: Date, timezone: string, locale: Locale): string {
  return DateTime.fromJSDate(date, { zone: timezone })
    .setLocale(intlLocale(locale))
    .toLocaleString(DateTime.DATE_FULL);
}

/** A moment: the same date format, then the local time and zone ("15 January 2027, 09:00 CET"). */
export function formatLocalDateTime(date: Date, timezone: string, locale: Locale): string {
  const local = DateTime.fromJSDate(date, { zone: timezone }).setLocale(intlLocale(locale));
  const time = local.toLocaleString({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `${formatLocalDate(date, timezone, locale)}, ${time} ${local.offsetNameShort ?? ''}`.trim();
}

/** A calendar day written YYYY-MM-DD (a stored date, no zone), in the same format. */
export function formatCalendarDate(day: string, locale: Locale): string {
  const date = DateTime.fromISO(day, { zone: 'UTC' });
  return date.isValid ? formatLocalDate(date.toJSDate(), 'UTC', locale) : day;
}

/**
 * The date format of each locale as patterns per month, for SQL that writes dates into stored
 * text (lifecycle notices): `{d}` and `{y}` stand for the day and year. Built from the same
 * Intl format as `formatLocalDate`, so SQL and TypeScript write the same date.
 */
export function datePatterns(list: readonly Locale[] = locales()): Record<Locale, string[]> {
  const out: Record<Locale, string[]> = {};
  for (const locale of list) {
    out[locale] = Array.from({ length: 12 }, (_, m) =>
      formatCalendarDate(`2999-${String(m + 1).padStart(2, '0')}-28`, locale)
        .replace('2999', '{y}')
        .replace('28', '{d}'),
    );
  }
  return out;
}

/**
 * Validates a configured locale at request time (the list is configuration, not known when the
 * DTO class is defined): "locale must be one of the following values: nl, en".
 */
export function IsConfiguredLocale(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isConfiguredLocale',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => isLocale(value),
        // The words of class-validator's IsIn, which this replaced.
        defaultMessage: (args) =>
          `${args?.property} must be one of the following values: ${locales().join(', ')}`,
      },
    });
}

/** OpenAPI for a locale field: the configured list is only known at run time. */
export const LOCALE_API_PROPERTY = {
  type: String,
  example: 'nl',
  pattern: LOCALE_PATTERN.source,
  description: 'One of the configured locales (LOCALES, default nl,en)',
} as const;

/** `datePatterns()` as JSON for SQL, with `*` the default locale's (for any other locale). */
export function sqlDatePatterns(): string {
  const patterns = datePatterns();
  return JSON.stringify({ ...patterns, '*': patterns[defaultLocale()] });
}
