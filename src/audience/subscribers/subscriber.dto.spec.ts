import { isEmail } from 'class-validator';
import { datesProblem, EMAIL_INPUT_PATTERN, isCalendarDate } from './subscriber.dto';

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

describe('EMAIL_INPUT_PATTERN (the subscribe form checks addresses by the server rule)', () => {
  /** As a browser applies an input's pattern attribute: the whole value, with the `v` flag. */
  const browser = new RegExp(`^(?:${EMAIL_INPUT_PATTERN})$`, 'v');
  /** The server: EmailField trims and lower-cases, then class-validator's IsEmail. */
  const server = (value: string) => isEmail(value.trim().toLowerCase());

  it('agrees with the server on typical and tricky addresses', () => {
    const addresses = [
      'a@b',
      'a@b.c',
      'a@b.co',
      'Ada.Lovelace@Example.COM',
      'a.b-c_d+tag@sub-domain.example.nl',
      "o'brien@example.ie",
      'a..b@example.com',
      '.a@example.com',
      'a.@example.com',
      'a@-b.com',
      'a@b-.com',
      'a@b..com',
      'a@.b.com',
      'a@b.com.',
      'a@b.c0m',
      'a@b.123',
      'a@1.2.3.4',
      'a@[1.2.3.4]',
      'a@b_c.com',
      'a b@c.com',
      'a@b@c.com',
      '"a b"@c.com',
      'ü@bücher.de',
      'a@bücher.de',
      'a@xn--bcher-kva.de',
      'a@b.xn--p1ai',
      'a@b.xn--',
      `${'a'.repeat(64)}@b.com`,
      `${'a'.repeat(65)}@b.com`,
      `a@${'b'.repeat(63)}.com`,
      `a@${'b'.repeat(64)}.com`,
      `a@${'b.'.repeat(124)}com`,
      `${'a'.repeat(60)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.com`,
      `${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.com`,
      'a@ｂ.com',
      '',
      '@b.com',
      'a@',
    ];
    const disagreements = addresses.filter(
      (a) => !a.startsWith('"') && browser.test(a) !== server(a),
    );
    expect(disagreements).toEqual([]);
    expect(browser.test('a@b')).toBe(false);
    expect(browser.test('a@b.nl')).toBe(true);
    // The server also takes a quoted local part; browsers refuse it for type="email" anyway.
    expect(browser.test('"a b"@c.com')).toBe(false);
  });

  it('agrees with the server on 20,000 random short strings', () => {
    const alphabet = [
      'a',
      'B',
      '1',
      '.',
      '.',
      '@',
      '@',
      '-',
      '_',
      '+',
      'x',
      'n',
      'ü',
      ' ',
      'é',
      '!',
    ];
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const disagreements: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const length = 3 + Math.floor(next() * 10);
      let s = '';
      for (let j = 0; j < length; j++) s += alphabet[Math.floor(next() * alphabet.length)];
      // Most random strings have no dot after the @: plant a real-looking domain in half of them.
      if (i % 2) s += '.nl';
      // Browsers strip leading and trailing white space from an email input before checking it.
      if (browser.test(s.trim()) !== server(s)) disagreements.push(s);
    }
    expect(disagreements.slice(0, 10)).toEqual([]);
  });
});
