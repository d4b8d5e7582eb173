import {
  configureLocales,
  datePatterns,
  defaultLocale,
  formatCalendarDate,
  formatLocalDate,
  formatLocalDateTime,
  isLocale,
  localeOr,
  localText,
  SHIPPED_LOCALES,
} from './locale';

describe('locale', () => {
  afterEach(() => configureLocales(SHIPPED_LOCALES));

  it('takes the configured list; the first is the default', () => {
    configureLocales(['en', 'de']);
    expect(defaultLocale()).toBe('en');
    expect(isLocale('de')).toBe(true);
    expect(isLocale('nl')).toBe(false);
    expect(localeOr('nl')).toBe('en');
    expect(localeOr('de')).toBe('de');
  });

  it('picks a text in the locale, else the default locale, else the fallback', () => {
    expect(localText({ nl: 'Nieuws', en: 'News' }, 'en', 'x')).toBe('News');
    expect(localText({ nl: 'Nieuws' }, 'en', 'x')).toBe('Nieuws');
    expect(localText({ en: 'News' }, 'nl', 'News only')).toBe('News only');
    expect(localText({}, 'de', 'Stored')).toBe('Stored');
    expect(localText(null, 'nl', 'Stored')).toBe('Stored');
  });

  it('writes one date format per locale', () => {
    const at = new Date('2026-12-04T21:37:00Z');
    expect(formatLocalDate(at, 'UTC', 'en')).toBe('4 December 2026');
    expect(formatLocalDate(at, 'UTC', 'nl')).toBe('4 december 2026');
    expect(formatLocalDate(at, 'UTC', 'de')).toBe('4. Dezember 2026');
    expect(formatLocalDate(at, 'Europe/Amsterdam', 'en')).toBe('4 December 2026');
    expect(formatLocalDate(at, 'Asia/Tokyo', 'en')).toBe('5 December 2026');
    expect(formatLocalDateTime(at, 'UTC', 'en')).toBe('4 December 2026, 21:37 UTC');
    expect(formatLocalDateTime(at, 'Europe/Amsterdam', 'nl')).toBe('4 december 2026, 22:37 CET');
    expect(formatCalendarDate('2027-01-15', 'en')).toBe('15 January 2027');
    expect(formatCalendarDate('not a date', 'en')).toBe('not a date');
  });

  it('gives SQL the same format as patterns per month', () => {
    const patterns = datePatterns(['en', 'nl', 'de']);
    const fill = (p: string, d: number, y: number) =>
      p.replace('{d}', String(d)).replace('{y}', String(y));
    for (const locale of ['en', 'nl', 'de']) {
      for (let m = 0; m < 12; m++) {
        const day = `2027-${String(m + 1).padStart(2, '0')}-09`;
        expect(fill(patterns[locale][m], 9, 2027)).toBe(formatCalendarDate(day, locale));
      }
    }
  });
});
