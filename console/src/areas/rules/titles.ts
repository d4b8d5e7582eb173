import type { Locale } from '../../i18n';

/**
 * The area's navigation label and page titles: in the initial script (the navigation needs them),
 * while the rest of the texts (texts.ts) load with the pages.
 */
export const RULE_TITLES: Record<Locale, { nav: string; listTitle: string; newTitle: string }> = {
  en: { nav: 'Lifecycle rules', listTitle: 'Lifecycle rules', newTitle: 'New lifecycle rule' },
  nl: {
    nav: 'Levenscyclus',
    listTitle: 'Levenscyclusregels',
    newTitle: 'Nieuwe levenscyclusregel',
  },
};
