import { EN } from './en';
import { NL } from './nl';
import type { PageTexts } from './page-texts';
import type { Locale } from '../../../platform/locale';
import { defineTexts, translationSection } from '../../../platform/translations';

export { DONE_CODES } from './page-texts';
export type { DataItem, DoneCode, DoneFacts, PageTexts } from './page-texts';

/** The pages' texts in a locale: built in for nl and en, `LOCALE_DIR/<locale>.json` `pages` else. */
export const pageTexts = defineTexts<PageTexts>('pages', { en: EN, nl: NL });

const BUILT_IN: Readonly<Record<string, PageTexts>> = { en: EN, nl: NL };

/**
 * A language named in itself ("Deutsch") for the language choice: the translation's
 * `languageName`, else Intl's name for it (never the default locale's name for another language).
 */
export function languageName(locale: Locale): string {
  const given = BUILT_IN[locale]?.languageName ?? translationSection(locale, 'pages')?.languageName;
  if (typeof given === 'string') return given;
  try {
    const name = new Intl.DisplayNames([locale], { type: 'language' }).of(locale);
    return name ? name.charAt(0).toLocaleUpperCase(locale) + name.slice(1) : locale;
  } catch {
    return locale;
  }
}
