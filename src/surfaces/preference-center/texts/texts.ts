import type { ConsentAction, ConsentSource } from '../../../audience/consent/consent-event.entity';
import { EN } from './en';
import { NL } from './nl';
import type { Locale } from '../../../platform/locale';

/** What a confirmation banner on the preference page says after a change (from `?done=`). */
export const DONE_CODES = [
  'frequency_changed',
  'joined',
  'left',
  'paused',
  'resumed',
  'unsubscribed_all',
  'fresh_link_sent',
  'unchanged',
] as const;
export type DoneCode = (typeof DONE_CODES)[number];

export interface DataItem {
  label: string;
  why: string;
}

/** Every sentence the subscriber-facing pages show, per locale. */
export interface PageTexts {
  languageName: string;
  languagesLabel: string;
  privateLink: string;
  srFor: (topic: string) => string;

  title: string;
  intro: (email: string) => string;
  statusUnsubscribed: string;
  statusPaused: (date: string) => string;
  statusPending: string;
  statusBlocked: string;

  topicsHeading: string;
  topicsIntro: string;
  noTopics: string;
  badgeSubscribed: string;
  badgeNotSubscribed: string;
  badgePending: string;
  howOften: string;
  save: string;
  leave: string;
  join: string;
  nextDue: (date: string) => string;
  nextUnknown: string;
  nextPausedNote: (date: string) => string;
  joinConsent: (topic: string) => string;
  freshNeededIntro: (hours: number) => string;
  freshButton: string;
  lowerOnlyNote: string;

  noticesHeading: string;
  noticesIntro: string;
  noNotices: string;

  pauseHeading: string;
  pauseIntro: string;
  pauseLegend: string;
  days: (n: number) => string;
  pauseButton: string;
  resumeButton: string;
  pausedUntil: (date: string) => string;

  unsubscribeAllHeading: string;
  unsubscribeAllIntro: string;
  unsubscribeAllButton: string;
  alreadyUnsubscribedAll: string;

  historyHeading: string;
  historyIntro: string;
  historyEmpty: string;
  colWhen: string;
  colWhat: string;
  colTopic: string;
  colWording: string;
  colSource: string;
  allTopics: string;
  version: (v: string) => string;
  actions: Record<ConsentAction, string>;
  sources: Record<ConsentSource, string>;

  dataHeading: string;
  dataIntro: string;
  dataItems: {
    email: DataItem;
    name: DataItem;
    localeZone: DataItem;
    customer: DataItem;
    dates: DataItem;
    attributes: DataItem;
    subscriptions: DataItem;
    pause: DataItem;
    consent: DataItem;
    messages: DataItem;
  };
  notGiven: string;
  none: string;
  customerYes: string;
  customerNo: string;
  messagesCount: (n: number) => string;
  subscriptionsCount: (n: number) => string;
  consentCount: (n: number) => string;
  notPaused: string;
  retention: string;
  downloadButton: string;

  eraseHeading: string;
  eraseIntro: string;
  eraseLink: string;
  eraseTitle: string;
  eraseWhat: string[];
  eraseConfirm: string;
  eraseCancel: string;
  eraseFreshNeeded: (hours: number) => string;
  erasedTitle: string;
  erasedBody: string;

  done: Record<DoneCode, (topic: string, extra: string) => string>;

  unsubscribeTitle: string;
  unsubscribeTopicQuestion: (topic: string) => string;
  unsubscribeAllQuestion: string;
  unsubscribeButton: string;
  unsubscribeOtherChoices: string;
  unsubscribedTitle: string;
  unsubscribedTopic: (topic: string) => string;
  unsubscribedAll: string;
  unsubscribedAlreadyTopic: (topic: string) => string;
  unsubscribedAlreadyAll: string;

  freshSentTitle: string;
  freshSentBody: (hours: number) => string;

  errors: {
    invalidTitle: string;
    invalidBody: string;
    expiredTitle: string;
    expiredBody: string;
    expiredButton: string;
    goneTitle: string;
    goneBody: string;
    forbiddenTitle: string;
    forbiddenBody: string;
    freshTitle: string;
    tooManyTitle: string;
    tooManyBody: string;
    badInputTitle: string;
    notFoundTitle: string;
    notFoundBody: string;
    ruleTitle: string;
    serverTitle: string;
    serverBody: string;
    nothingChanged: string;
  };

  subscribeTitle: string;
  subscribeIntro: string;
  emailLabel: string;
  nameLabel: string;
  topicSelectLabel: (topic: string) => string;
  notForMe: string;
  subscribeButton: string;
  noPublicTopics: string;
  customersOnly: string;
}

export const TEXTS: Record<Locale, PageTexts> = { en: EN, nl: NL };
