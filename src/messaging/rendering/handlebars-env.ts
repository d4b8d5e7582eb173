import Handlebars from 'handlebars';
import { DateTime } from 'luxon';
import { formatLocalDate, formatLocalDateTime, intlLocale } from '../../platform/locale';

export type HandlebarsEnv = typeof Handlebars;

const DATE_FORMATS: Record<string, Intl.DateTimeFormatOptions> = {
  long: DateTime.DATE_FULL,
  medium: DateTime.DATE_MED,
  short: DateTime.DATE_SHORT,
  datetime: DateTime.DATETIME_MED,
};

interface HelperOptions {
  data?: { root?: { locale?: unknown; timezone?: unknown } };
}

/**
 * An isolated Handlebars instance with Tidings' helpers, so nothing registered elsewhere in the
 * process leaks into email rendering.
 */
export function createHandlebars(): HandlebarsEnv {
  const hb = Handlebars.create();

  /**
   * `{{formatDate value}}` or `{{formatDate value "medium"}}`: an ISO date or date-time, a Date or
   * epoch milliseconds, in the email's locale (and `timezone`, when the data has one). Text that is
   * not a date is shown as given, so callers may pass an already formatted date.
   */
  hb.registerHelper('formatDate', function (value: unknown, ...rest: unknown[]) {
    const options = rest.pop() as HelperOptions;
    const format = typeof rest[0] === 'string' ? rest[0] : 'long';
    const preset = DATE_FORMATS[format];
    if (!preset) {
      throw new Error(
        `formatDate: unknown format "${format}" (use ${Object.keys(DATE_FORMATS).join(', ')})`,
      );
    }
    if (value === null || value === undefined || value === '') return '';
    const root = options.data?.root ?? {};
    const zone = typeof root.timezone === 'string' ? root.timezone : 'UTC';
    const locale = typeof root.locale === 'string' ? root.locale : 'en';
    let date: DateTime;
    if (value instanceof Date) date = DateTime.fromJSDate(value, { zone });
    else if (typeof value === 'number') date = DateTime.fromMillis(value, { zone });
    else if (typeof value === 'string') date = DateTime.fromISO(value, { zone });
    else throw new Error('formatDate needs an ISO date string, a Date or epoch milliseconds');
    if (!date.isValid) return typeof value === 'string' ? value : '';
    // The one format per locale that pages use too (src/platform/locale.ts).
    if (format === 'long') return formatLocalDate(date.toJSDate(), zone, locale);
    if (format === 'datetime') return formatLocalDateTime(date.toJSDate(), zone, locale);
    return date.setLocale(intlLocale(locale)).toLocaleString(preset);
  });

  return hb;
}
