import { createContext, useContext } from 'react';

export type Locale = 'nl' | 'en';

const en = {
  appName: 'Tidings console',
  loading: 'Loading…',
  skipToContent: 'Skip to content',
  mainNav: 'Main',
  home: 'Home',
  signedInAs: (name: string) => `Signed in as ${name}`,
  signOut: 'Sign out',
  setupTitle: 'Create the owner account',
  setupIntro:
    'This one-time link creates the first account of the console, the owner. It works once.',
  setupNoToken:
    'This page needs the one-time link printed at the first start (it ends in #token=…).',
  name: 'Name',
  email: 'Email address',
  password: 'Password',
  passwordHint: '10 to 200 characters',
  language: 'Language',
  createOwner: 'Create the owner',
  ownerCreated: 'The owner account exists. Sign in with it.',
  linkRefused: 'This link was used already or has expired. Restart Tidings for a new one.',
  ownerExists: 'An owner exists already. Sign in instead.',
  signInTitle: 'Sign in',
  signIn: 'Sign in',
  signInFailed: 'Wrong email address or password.',
  forgotPassword: 'Forgot your password?',
  tooManyAttempts: 'Too many attempts. Try again in a few minutes.',
  somethingWrong: (message: string) => `Something went wrong: ${message}`,
  homeTitle: 'Today',
  homeIntro: (from: string) => `Counted since ${from}.`,
  sent: 'Sent',
  helpfulRatio: 'Found helpful',
  unsubscribes: 'Unsubscribes',
  complaints: 'Complaints',
  complaintRate: 'Complaint rate',
  withinGuideline: 'within the guideline',
  overGuideline: 'over the guideline',
  bounces: 'Bounces',
  suppressed: 'Suppressed',
  failed: 'Failed',
  missedDeadlines: 'Missed deadlines',
  silentSubscriptions: 'Silent subscriptions',
  confirmedWithoutMessage: 'Confirmed without a message',
  overCap: 'Over the promotional cap',
  skipped: 'Skipped',
  noValue: 'none yet',
  figuresCaption: 'Trust figures of today',
  cancel: 'Cancel',
  line: 'line',
  notFound: 'Page not found',
  notForYourRole: 'Your role cannot open this page. Ask an admin if you need it.',
  save: 'Save',
  saved: 'Saved.',
  back: 'Back',
};

export type Texts = typeof en;

const nl: Texts = {
  appName: 'Tidings-console',
  loading: 'Laden…',
  skipToContent: 'Naar de inhoud',
  mainNav: 'Hoofdmenu',
  home: 'Start',
  signedInAs: (name) => `Ingelogd als ${name}`,
  signOut: 'Uitloggen',
  setupTitle: 'Maak het eigenaarsaccount',
  setupIntro:
    'Deze eenmalige link maakt het eerste account van de console, de eigenaar. Hij werkt één keer.',
  setupNoToken:
    'Deze pagina heeft de eenmalige link nodig die bij de eerste start is getoond (hij eindigt op #token=…).',
  name: 'Naam',
  email: 'E-mailadres',
  password: 'Wachtwoord',
  passwordHint: '10 tot 200 tekens',
  language: 'Taal',
  createOwner: 'Maak de eigenaar',
  ownerCreated: 'Het eigenaarsaccount bestaat. Log ermee in.',
  linkRefused: 'Deze link is al gebruikt of verlopen. Start Tidings opnieuw voor een nieuwe.',
  ownerExists: 'Er is al een eigenaar. Log in.',
  signInTitle: 'Inloggen',
  signIn: 'Inloggen',
  signInFailed: 'Verkeerd e-mailadres of wachtwoord.',
  forgotPassword: 'Wachtwoord vergeten?',
  tooManyAttempts: 'Te veel pogingen. Probeer het over een paar minuten opnieuw.',
  somethingWrong: (message) => `Er ging iets mis: ${message}`,
  homeTitle: 'Vandaag',
  homeIntro: (from) => `Geteld sinds ${from}.`,
  sent: 'Verstuurd',
  helpfulRatio: 'Nuttig gevonden',
  unsubscribes: 'Afmeldingen',
  complaints: 'Klachten',
  complaintRate: 'Klachtpercentage',
  withinGuideline: 'binnen de richtlijn',
  overGuideline: 'boven de richtlijn',
  bounces: 'Bounces',
  suppressed: 'Geblokkeerd',
  failed: 'Mislukt',
  missedDeadlines: 'Gemiste deadlines',
  silentSubscriptions: 'Stille abonnementen',
  confirmedWithoutMessage: 'Bevestigd zonder bericht',
  overCap: 'Boven de promotiegrens',
  skipped: 'Overgeslagen',
  noValue: 'nog geen',
  figuresCaption: 'Vertrouwenscijfers van vandaag',
  cancel: 'Annuleren',
  line: 'regel',
  notFound: 'Pagina niet gevonden',
  notForYourRole: 'Je rol kan deze pagina niet openen. Vraag een beheerder als je hem nodig hebt.',
  save: 'Opslaan',
  saved: 'Opgeslagen.',
  back: 'Terug',
};

export const TEXTS: Record<Locale, Texts> = { nl, en };

/** The first of the browser's languages the console has, else English (before a user is known). */
export function browserLocale(): Locale {
  for (const language of navigator.languages ?? [navigator.language]) {
    const base = language.toLowerCase().split('-')[0];
    if (base === 'nl' || base === 'en') return base;
  }
  return 'en';
}

export const LocaleContext = createContext<Locale>('en');

export function useTexts(): Texts {
  return TEXTS[useContext(LocaleContext)];
}

export function useLocale(): Locale {
  return useContext(LocaleContext);
}
