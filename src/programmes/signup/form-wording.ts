import type { Locale } from '../../platform/locale';

/**
 * The consent text shown on Tidings' own subscribe form. Its version is recorded with every
 * opt-in; change the version whenever the text changes.
 */
export const FORM_WORDING_VERSION = 'tidings-form-2026-11';

export const FORM_WORDING: Record<Locale, string> = {
  en:
    'Yes, email me about the topics I ticked, no more often than the frequency I chose. ' +
    'I can change this or unsubscribe at any time with the link in every email.',
  nl:
    'Ja, mail me over de onderwerpen die ik heb aangevinkt, niet vaker dan ik heb gekozen. ' +
    'Ik kan dit altijd wijzigen of me afmelden via de link in elke e-mail.',
};

export const CONFIRM_WORDING: Record<Locale, string> = {
  en: 'Confirmed by following the link in the confirmation email.',
  nl: 'Bevestigd via de link in de bevestigingsmail.',
};
