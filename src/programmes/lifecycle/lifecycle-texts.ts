import { defineTexts } from '../../platform/translations';

/** The apology's default heading: built in for nl and en, `LOCALE_DIR/<locale>.json` `apology` else. */
export const apologyTexts = defineTexts<{ heading: string }>('apology', {
  en: { heading: 'We should have told you earlier' },
  nl: { heading: 'Dit hadden we je eerder moeten laten weten' },
});
