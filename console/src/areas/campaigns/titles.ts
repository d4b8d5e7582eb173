import type { Locale } from '../../i18n';

/** The area's navigation label and page titles: all the frame needs before a page loads. */
export const TITLES: Record<
  Locale,
  { nav: string; listTitle: string; newTitle: string; contentTitle: string; campaignTitle: string }
> = {
  en: {
    nav: 'Campaigns',
    listTitle: 'Content and campaigns',
    newTitle: 'Write content',
    contentTitle: 'Content item',
    campaignTitle: 'Campaign',
  },
  nl: {
    nav: 'Campagnes',
    listTitle: 'Inhoud en campagnes',
    newTitle: 'Inhoud schrijven',
    contentTitle: 'Inhoud',
    campaignTitle: 'Campagne',
  },
};
