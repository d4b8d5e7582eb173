import type { Locale } from '../../../audience/subscribers/subscriber.entity';
import { EN } from './en';
import { NL } from './nl';
import type { PageTexts } from './page-texts';

export { DONE_CODES } from './page-texts';
export type { DataItem, DoneCode, PageTexts } from './page-texts';

export const TEXTS: Record<Locale, PageTexts> = { en: EN, nl: NL };
