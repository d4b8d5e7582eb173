import { DateTime } from 'luxon';
import type { Frequency, TopicKind } from './topic.entity';
import { Locale } from '../../platform/locale';
import { defineTexts } from '../../platform/translations';

/** The length of one period, as a calendar duration (months stay months across DST and lengths). */
export const PERIOD: Record<Frequency, { days?: number; months?: number }> = {
  weekly: { days: 7 },
  biweekly: { days: 14 },
  monthly: { months: 1 },
  quarterly: { months: 3 },
};

export const DEFAULT_SEND_HOUR = 9;

interface CadenceTexts {
  frequencies: Record<Frequency, string>;
  /** What a notice topic promises instead of a frequency: notices come when something is due. */
  notices: string;
}

/** Frequency words: built in for nl and en, `LOCALE_DIR/<locale>.json` `cadence` else. */
const cadenceTexts = defineTexts<CadenceTexts>('cadence', {
  en: {
    frequencies: {
      weekly: 'weekly',
      biweekly: 'every two weeks',
      monthly: 'monthly',
      quarterly: 'quarterly',
    },
    notices: 'only when something is due for you',
  },
  nl: {
    frequencies: {
      weekly: 'wekelijks',
      biweekly: 'om de twee weken',
      monthly: 'maandelijks',
      quarterly: 'per kwartaal',
    },
    notices: 'alleen als er voor jou iets aankomt',
  },
});

export function frequencyLabel(frequency: Frequency, locale: Locale): string {
  return cadenceTexts(locale).frequencies[frequency];
}

/**
 * How often a topic's email comes, as a subscriber reads it: the chosen frequency, or for a notice
 * topic (whose messages follow dates and events, not a frequency) that it comes when something is due.
 */
export function cadenceLabel(kind: TopicKind, frequency: Frequency, locale: Locale): string {
  return kind === 'notice' ? cadenceTexts(locale).notices : frequencyLabel(frequency, locale);
}

/**
 * The frequency rule: after a message of a topic on local date D, the next one may go from
 * D + period at the send hour, in the subscriber's own time zone (DST-safe: luxon keeps the
 * wall-clock hour; months stay months). The same rule exists in SQL as `tidings_next_slot()`
 * (migration 1764000800000), which the digest scheduler and the campaign fan-out use.
 */
export function slotAfter(
  at: Date,
  frequency: Frequency,
  timezone: string,
  sendHour = DEFAULT_SEND_HOUR,
): Date {
  return DateTime.fromJSDate(at, { zone: timezone })
    .plus(PERIOD[frequency])
    .set({ hour: sendHour, minute: 0, second: 0, millisecond: 0 })
    .toJSDate();
}

/**
 * When a new subscription's first regular message is due: one period from now, at the send hour
 * in the subscriber's own time zone. The welcome is the message of the first period; the first
 * digest goes on this date (when there is content), so the welcome can promise it.
 */
export function firstDueAt(
  now: Date,
  frequency: Frequency,
  timezone: string,
  sendHour = DEFAULT_SEND_HOUR,
): Date {
  return slotAfter(now, frequency, timezone, sendHour);
}
