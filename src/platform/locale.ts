import { DateTime } from 'luxon';

/** The languages Tidings speaks: subscribers' locales, templates, pages and wording. */
export const LOCALES = ['nl', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export function isLocale(value: unknown): value is Locale {
  return (LOCALES as readonly unknown[]).includes(value);
}

/** The Intl locale behind each language: one date format per language ("15 January 2027"). */
export const INTL_LOCALE: Record<Locale, string> = { en: 'en-GB', nl: 'nl-NL' };

/** A day as people read it in their own zone and language: "15 January 2027", "15 januari 2027". */
export function formatLocalDate(date: Date, timezone: string, locale: Locale): string {
  return DateTime.fromJSDate(date, { zone: timezone })
    .setLocale(INTL_LOCALE[locale])
    .toLocaleString(DateTime.DATE_FULL);
}

/** A moment: the same date format, then the local time and zone ("15 January 2027, 09:00 CET"). */
export function formatLocalDateTime(date: Date, timezone: string, locale: Locale): string {
  const local = DateTime.fromJSDate(date, { zone: timezone }).setLocale(INTL_LOCALE[locale]);
  const time = local.toLocaleString({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return `${formatLocalDate(date, timezone, locale)}, ${time} ${local.offsetNameShort ?? ''}`.trim();
}

/** A calendar day written YYYY-MM-DD (a stored date, no zone), in the same format. */
export function formatCalendarDate(day: string, locale: Locale): string {
  const date = DateTime.fromISO(day, { zone: 'UTC' });
  return date.isValid ? formatLocalDate(date.toJSDate(), 'UTC', locale) : day;
}
