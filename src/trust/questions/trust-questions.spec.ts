import { normaliseExpectation } from './expectations.service';
import { resolveMonth } from './trust-report.service';
import { parseScore } from './trust-questions.service';

describe('normaliseExpectation', () => {
  it('groups answers that differ in case, accents, punctuation and spacing only', () => {
    expect(normaliseExpectation('Renewal reminders!')).toBe('renewal reminders');
    expect(normaliseExpectation('  renewal   REMINDERS ')).toBe('renewal reminders');
    expect(normaliseExpectation('Tips voor café-bezoek')).toBe('tips voor cafe bezoek');
    expect(normaliseExpectation('reminders for renewals')).not.toBe('renewal reminders');
  });

  it('leaves nothing of an answer without letters or digits', () => {
    expect(normaliseExpectation(' ?!… ')).toBe('');
  });
});

describe('resolveMonth', () => {
  it('is the calendar month in UTC, the current one by default', () => {
    expect(resolveMonth('2026-12', new Date())).toEqual({
      month: '2026-12',
      from: new Date('2026-12-01T00:00:00Z'),
      to: new Date('2027-01-01T00:00:00Z'),
    });
    expect(resolveMonth(undefined, new Date('2026-03-31T23:59:00Z')).month).toBe('2026-03');
  });
});

describe('parseScore', () => {
  it('takes 1 to 5 only', () => {
    expect(parseScore('1')).toBe(1);
    expect(parseScore(5)).toBe(5);
    for (const bad of ['0', '6', '4.5', ' 4', '', undefined, null, ['4']]) {
      expect(parseScore(bad)).toBeUndefined();
    }
  });
});
