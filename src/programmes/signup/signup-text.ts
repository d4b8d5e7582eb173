import { defineTexts } from '../../platform/translations';

export interface SignupTexts {
  checkTitle: string;
  checkBody: string;
  confirmedTitle: string;
  alreadyTitle: string;
  confirmedBody: string;
  firstExpected: (date: string) => string;
  /** A notice topic on the confirmed page: the notices planned, or that none are yet. */
  noticesPlanned: (notices: string[]) => string;
  changeAnytime: string;
  expiredTitle: string;
  expiredBody: string;
  invalidTitle: string;
  invalidBody: string;
}

/** The sign-up pages' texts: built in for nl and en, `LOCALE_DIR/<locale>.json` `signup` else. */
export const signupTexts = defineTexts<SignupTexts>('signup', {
  en: {
    checkTitle: 'Check your inbox',
    checkBody:
      'If this address can receive our email, a message with a confirmation link is on its way. Nothing is sent until you confirm.',
    confirmedTitle: 'You are subscribed',
    alreadyTitle: 'Already confirmed',
    confirmedBody: 'Thank you. A welcome email is on its way. You will hear from us about:',
    firstExpected: (date) => `Your first regular message is due around ${date}.`,
    noticesPlanned: (notices) =>
      notices.length
        ? `Planned: ${notices.join('; ')}.`
        : 'Nothing is planned for you yet: your preference page always shows what is coming.',
    changeAnytime: 'Every email has a link to change what you get, how often, or to unsubscribe.',
    expiredTitle: 'This link has expired',
    expiredBody:
      'Confirmation links work for 72 hours. Please sign up again to get a new one; nothing was changed.',
    invalidTitle: 'This link is not valid',
    invalidBody:
      'The link may be incomplete. Copy the whole link from the email, or sign up again. Nothing was changed.',
  },
  nl: {
    checkTitle: 'Kijk in je inbox',
    checkBody:
      'Als dit adres onze e-mail kan ontvangen, is er een bericht met een bevestigingslink onderweg. We sturen niets voordat je bevestigt.',
    confirmedTitle: 'Je bent ingeschreven',
    alreadyTitle: 'Al bevestigd',
    confirmedBody: 'Dank je wel. Er is een welkomstmail onderweg. Je hoort van ons over:',
    firstExpected: (date) => `Je eerste gewone bericht komt rond ${date}.`,
    noticesPlanned: (notices) =>
      notices.length
        ? `Gepland: ${notices.join('; ')}.`
        : 'Er staat nog niets voor je gepland: op je voorkeurenpagina zie je altijd wat er komt.',
    changeAnytime:
      'In elke e-mail staat een link om te kiezen wat je ontvangt, hoe vaak, of om je af te melden.',
    expiredTitle: 'Deze link is verlopen',
    expiredBody:
      'Bevestigingslinks werken 72 uur. Schrijf je opnieuw in voor een nieuwe link; er is niets gewijzigd.',
    invalidTitle: 'Deze link is niet geldig',
    invalidBody:
      'Misschien is de link onvolledig. Kopieer de hele link uit de e-mail, of schrijf je opnieuw in. Er is niets gewijzigd.',
  },
});
