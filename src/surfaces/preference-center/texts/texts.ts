import { EN } from './en';
import { NL } from './nl';
import type { PageTexts } from './page-texts';
import type { Locale } from '../../../platform/locale';

export { DONE_CODES } from './page-texts';
export type { DataItem, DoneCode, DoneFacts, PageTexts } from './page-texts';

export const TEXTS: Record<Locale, PageTexts> = { en: EN, nl: NL };
