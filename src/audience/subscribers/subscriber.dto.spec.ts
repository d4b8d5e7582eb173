import { datesProblem, isCalendarDate } from './subscriber.dto';

describe('dated attribute validation', () => {
  it('accepts real calendar dates only', () => {
    expect(isCalendarDate('2027-01-15')).toBe(true);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(isCalendarDate('2027-02-29')).toBe(false);
    expect(isCalendarDate('2027-1-5')).toBe(false);
    expect(isCalendarDate(20270115)).toBe(false);
  });

  it('names the entry that is wrong', () => {
    expect(datesProblem({ renewal_date: '2027-13-01' }, false)).toBe(
      'dates.renewal_date must be a calendar date as YYYY-MM-DD',
    );
    expect(datesProblem({ 'Renewal Date': '2027-01-01' }, false)).toMatch(
      /^dates\.Renewal Date: a date name/,
    );
    expect(datesProblem({ renewal_date: null }, false)).toMatch(/renewal_date/);
    expect(datesProblem({ renewal_date: null }, true)).toBeNull();
    expect(datesProblem(['2027-01-01'], false)).toMatch(/must be an object/);
  });
});
