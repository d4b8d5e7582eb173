import { EN } from './en';
import { NL } from './nl';
import type { PageTexts } from './page-texts';
import { defineTexts } from '../../../platform/translations';

export { DONE_CODES } from './page-texts';
export type { DataItem, DoneCode, DoneFacts, PageTexts } from './page-texts';

/** The pages' texts in a locale: built in for nl and en, `LOCALE_DIR/<locale>.json` `pages` else. */
export const pageTexts = defineTexts<PageTexts>('pages', { en: EN, nl: NL });
