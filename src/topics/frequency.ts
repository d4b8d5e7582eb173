import { DateTime } from 'luxon';
import type { Locale } from '../subscribers/subscriber.entity';
import type { Frequency } from './topic.entity';

/** The length of one period, as a calendar duration (months stay months across DST and lengths). */
export const PERIOD: Record<Frequency, { days?: number; months?: number }> = {
  weekly: { days: 7 },
  biweekly: { days: 14 },
  monthly: { months: 1 },
  quarterly: { months: 3 },
};

export const DEFAULT_SEND_HOUR = 9;

const LABELS: Record<Locale, Record<Frequency, string>> = {
  en: { weekly: 'weekly', biweekly: 'every two weeks', monthly: 'monthly', quarterly: 'quarterly' },
  nl: {
    weekly: 'wekelijks',
    biweekly: 'om de twee weken',
    monthly: 'maandelijks',
    quarterly: 'per kwartaal',
  },
};

export function frequencyLabel(frequency: Frequency, locale: Locale): string {
  return LABELS[locale][frequency];
}

/**
 * When a new subscription's first regular message is due: one period from now, at the send hour
 * in the subscriber's own time zone (DST-safe: luxon keeps the wall-clock hour).
 */
export function firstDueAt(
  now: Date,
  frequency: Frequency,
  timezone: string,
  sendHour = DEFAULT_SEND_HOUR,
): Date {
  return DateTime.fromJSDate(now, { zone: timezone })
    .plus(PERIOD[frequency])
    .set({ hour: sendHour, minute: 0, second: 0, millisecond: 0 })
    .toJSDate();
}

export function formatLocalDate(date: Date, timezone: string, locale: Locale): string {
  return DateTime.fromJSDate(date, { zone: timezone })
    .setLocale(locale)
    .toLocaleString(DateTime.DATE_FULL);
}
