import { createHandlebars } from './handlebars-env';

describe('createHandlebars', () => {
  const hb = createHandlebars();
  const render = (source: string, data: Record<string, unknown>) =>
    hb.compile(source, { strict: true })(data);

  it('formats dates in the locale of the email', () => {
    expect(render('{{formatDate d}}', { d: '2027-01-15', locale: 'nl' })).toBe('15 januari 2027');
    expect(render('{{formatDate d}}', { d: '2027-01-15', locale: 'en' })).toBe('15 January 2027');
    expect(render('{{formatDate d "medium"}}', { d: '2027-01-15', locale: 'nl' })).toBe(
      '15 jan 2027',
    );
  });

  it('uses the timezone in the data for date-times', () => {
    const data = { d: '2027-01-15T23:30:00Z', locale: 'en' };
    expect(render('{{formatDate d}}', data)).toBe('15 January 2027');
    expect(render('{{formatDate d}}', { ...data, timezone: 'Europe/Amsterdam' })).toBe(
      '16 January 2027',
    );
  });

  it('shows text that is not a date as given, and nothing for null', () => {
    expect(render('{{formatDate d}}', { d: 'next Tuesday', locale: 'en' })).toBe('next Tuesday');
    expect(render('[{{formatDate d}}]', { d: null, locale: 'en' })).toBe('[]');
  });

  it('refuses an unknown format', () => {
    expect(() => render('{{formatDate d "fancy"}}', { d: '2027-01-15', locale: 'en' })).toThrow(
      /unknown format "fancy"/,
    );
  });

  it('is isolated from the global Handlebars instance', () => {
    expect(() => render('{{t "x"}}', {})).toThrow(/"t" not defined/);
  });
});
