import { defineTexts } from '../../platform/translations';

/**
 * The consent text shown on Tidings' own subscribe form. Its version is recorded with every
 * opt-in; change the version whenever the text changes. It describes the form as it is: one
 * "how often" list per topic (2026-11 said "the topics I ticked", but the form has no ticks).
 */
export const FORM_WORDING_VERSION = 'tidings-form-2026-12';

export interface ConsentWordings {
  /** On the subscribe form, above its button. */
  form: string;
  /** Recorded with the confirmation. */
  confirm: string;
}

/** Consent wordings: built in for nl and en, `LOCALE_DIR/<locale>.json` `consent` else. */
export const consentWordings = defineTexts<ConsentWordings>('consent', {
  en: {
    form:
      'Yes, email me about the topics I chose above, no more often than the frequency I chose. ' +
      'I can change this or unsubscribe at any time with the link in every email.',
    confirm: 'Confirmed by following the link in the confirmation email.',
  },
  nl: {
    form:
      'Ja, mail me over de onderwerpen die ik hierboven heb gekozen, niet vaker dan de frequentie die ik koos. ' +
      'Ik kan dit altijd wijzigen of me afmelden via de link in elke e-mail.',
    confirm: 'Bevestigd via de link in de bevestigingsmail.',
  },
});
