import { DateTime } from 'luxon';

/** A daily window in the subscriber's own time zone, as 'HH:MM' wall-clock times, end exclusive. */
export interface SendWindow {
  start: string;
  end: string;
}

export const DEFAULT_SEND_WINDOW: SendWindow = { start: '09:00', end: '17:00' };

/** A wall-clock time, 'HH:MM' (00:00 to 23:59). */
export const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isWallClockTime(value: unknown): value is string {
  return typeof value === 'string' && HH_MM.test(value);
}

function minutesOf(hhmm: string): number {
  const [, h, m] = HH_MM.exec(hhmm)!;
  return Number(h) * 60 + Number(m);
}

/**
 * The window a ledger row asks for (`data.sendWindow`, written by the lifecycle engine), or the
 * default one when it carries none or a malformed one.
 */
export function sendWindowOf(data: Record<string, unknown>): SendWindow {
  const w = data.sendWindow as Partial<SendWindow> | undefined;
  if (
    w &&
    isWallClockTime(w.start) &&
    isWallClockTime(w.end) &&
    minutesOf(w.start) < minutesOf(w.end)
  ) {
    return { start: w.start, end: w.end };
  }
  return DEFAULT_SEND_WINDOW;
}

/**
 * The first moment at or after `at` that falls inside the window, in `zone` (an IANA name; an
 * unknown zone counts as UTC). luxon keeps wall-clock times across DST changes, so 09:00 stays
 * 09:00 local on both sides of a change.
 */
export function nextInWindow(
  at: Date,
  zone: string,
  window: SendWindow = DEFAULT_SEND_WINDOW,
): Date {
  let local = DateTime.fromJSDate(at, { zone });
  if (!local.isValid) local = DateTime.fromJSDate(at, { zone: 'utc' });
  const minute = local.hour * 60 + local.minute + local.second / 60 + local.millisecond / 60_000;
  const start = minutesOf(window.start);
  if (minute >= start && minute < minutesOf(window.end)) return at;
  const day = minute < start ? local : local.plus({ days: 1 });
  return day
    .set({ hour: Math.floor(start / 60), minute: start % 60, second: 0, millisecond: 0 })
    .toJSDate();
}

/**
 * When a retry or another later attempt of a message may run: `at`, moved to the first moment of
 * the message's own send window (`data.sendWindow`, which notices and apologies carry) in its
 * subscriber's zone. A message without a window is not moved; a move past the message's deadline
 * is not made (the deadline is the stronger promise).
 */
export function laterAttemptAt(
  at: Date,
  message: { timezone: string; data: Record<string, unknown>; deadlineAt: Date | null },
): Date {
  if (!message.data.sendWindow) return at;
  const next = nextInWindow(at, message.timezone, sendWindowOf(message.data));
  if (message.deadlineAt && next.getTime() > message.deadlineAt.getTime()) return at;
  return next;
}
