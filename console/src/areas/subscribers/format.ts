import { useLocale } from '../../i18n';

/** Dates and numbers in the user's language. */
export function useFormat() {
  const locale = useLocale();
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long' });
  const number = new Intl.NumberFormat(locale);
  return {
    dateTime: (v: string | null | undefined) => (v ? dateTime.format(new Date(v)) : '—'),
    /** A calendar date (YYYY-MM-DD) as written in the user's language, without a zone shift. */
    day: (v: string) => date.format(new Date(`${v}T12:00:00Z`)),
    number: (v: number) => number.format(v),
  };
}
