import { laterAttemptAt, nextInWindow, sendWindowOf } from './send-window';

const at = (iso: string) => new Date(iso);

describe('nextInWindow', () => {
  it('keeps a moment inside the window and moves an earlier one to the start of the same day', () => {
    expect(nextInWindow(at('2026-11-04T10:30:00Z'), 'Europe/Amsterdam')).toEqual(
      at('2026-11-04T10:30:00Z'),
    );
    expect(nextInWindow(at('2026-11-04T05:00:00Z'), 'Europe/Amsterdam')).toEqual(
      at('2026-11-04T08:00:00Z'),
    );
  });

  it('moves a moment at or after the end to the next day, at 09:00 local on both sides of a DST change', () => {
    // 24 October 2026 is the last day of summer time in Amsterdam (UTC+2); the 25th is UTC+1.
    expect(nextInWindow(at('2026-10-24T15:00:00Z'), 'Europe/Amsterdam')).toEqual(
      at('2026-10-25T08:00:00Z'),
    );
    // New York leaves summer time on 1 November 2026: 09:00 EST is 14:00 UTC.
    expect(nextInWindow(at('2026-10-31T21:00:00Z'), 'America/New_York')).toEqual(
      at('2026-11-01T14:00:00Z'),
    );
    expect(nextInWindow(at('2026-10-30T20:59:00Z'), 'America/New_York')).toEqual(
      at('2026-10-30T20:59:00Z'),
    );
    expect(nextInWindow(at('2026-10-30T21:00:00Z'), 'America/New_York')).toEqual(
      at('2026-10-31T13:00:00Z'),
    );
  });

  it('honours a custom window and treats an unknown zone as UTC', () => {
    const w = { start: '18:30', end: '20:00' };
    expect(nextInWindow(at('2027-03-01T12:00:00Z'), 'UTC', w)).toEqual(at('2027-03-01T18:30:00Z'));
    expect(nextInWindow(at('2027-03-01T12:00:00Z'), 'Mars/Olympus', w)).toEqual(
      at('2027-03-01T18:30:00Z'),
    );
  });
});

describe('sendWindowOf', () => {
  it('reads a valid window from ledger data and falls back to 09:00-17:00 otherwise', () => {
    expect(sendWindowOf({ sendWindow: { start: '08:00', end: '12:00' } })).toEqual({
      start: '08:00',
      end: '12:00',
    });
    expect(sendWindowOf({ sendWindow: { start: '12:00', end: '08:00' } })).toEqual({
      start: '09:00',
      end: '17:00',
    });
    expect(sendWindowOf({})).toEqual({ start: '09:00', end: '17:00' });
  });
});

describe('laterAttemptAt', () => {
  const apology = (deadlineAt: Date | null = null) => ({
    timezone: 'Europe/Amsterdam',
    data: { sendWindow: { start: '09:00', end: '17:00' } },
    deadlineAt,
  });

  it('moves a retry that would run at night to the start of the window, local time', () => {
    // 00:05 UTC is 01:05 in Amsterdam in winter: the next 09:00 there is 08:00 UTC.
    expect(laterAttemptAt(at('2027-01-12T00:05:00Z'), apology())).toEqual(
      at('2027-01-12T08:00:00Z'),
    );
    expect(laterAttemptAt(at('2027-01-12T10:00:00Z'), apology())).toEqual(
      at('2027-01-12T10:00:00Z'),
    );
  });

  it('leaves messages without a window alone, and never moves past the deadline', () => {
    expect(
      laterAttemptAt(at('2027-01-12T00:05:00Z'), { timezone: 'UTC', data: {}, deadlineAt: null }),
    ).toEqual(at('2027-01-12T00:05:00Z'));
    expect(laterAttemptAt(at('2027-01-12T00:05:00Z'), apology(at('2027-01-12T06:00:00Z')))).toEqual(
      at('2027-01-12T00:05:00Z'),
    );
  });
});
