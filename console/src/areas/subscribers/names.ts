import type { Locale } from '../../i18n';

/** The navigation label and page titles: the only texts of this area in the initial script. */
export const names: Record<
  Locale,
  Record<'nav' | 'searchTitle' | 'profileTitle' | 'importTitle', string>
> = {
  en: {
    nav: 'Subscribers',
    searchTitle: 'Subscribers',
    profileTitle: 'Subscriber',
    importTitle: 'Import subscribers',
  },
  nl: {
    nav: 'Abonnees',
    searchTitle: 'Abonnees',
    profileTitle: 'Abonnee',
    importTitle: 'Abonnees importeren',
  },
};
