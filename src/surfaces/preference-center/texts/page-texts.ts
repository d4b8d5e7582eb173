import type { ConsentAction, ConsentSource } from '../../../audience/consent/consent-event.entity';

/** What a confirmation banner on the preference page says after a change (from `?done=`). */
export const DONE_CODES = [
  'frequency_changed',
  'joined',
  'left',
  'paused',
  'resumed',
  'unsubscribed_all',
  'fresh_link_sent',
  'settings_changed',
  'limit_changed',
  'expectation_saved',
  'purpose_granted',
  'purpose_withdrawn',
  'unchanged',
] as const;
export type DoneCode = (typeof DONE_CODES)[number];

/** What a confirmation says, taken from the current data (never from the URL). */
export interface DoneFacts {
  topic: string;
  /** A frequency label ("monthly"). */
  frequency: string;
  /** A formatted date. */
  date: string;
  hours: number;
  /** The subscriber's language, named in the page's language. */
  language: string;
  zone: string;
  /** The overall limit now in force, as `limitChoice` or `limitNone` says it. */
  limit: string;
}

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
  tocLabel: string;
  toc: {
    topics: string;
    notices: string;
    settings: string;
    limit: string;
    expectations: string;
    pause: string;
    unsubscribe: string;
    history: string;
    purposes: string;
    data: string;
    erase: string;
  };
  /** The data-use purposes section (docs/data-purposes.md). */
  purposes: {
    heading: string;
    intro: string;
    covers: string;
    why: string;
    gain: string;
    basis: string;
    bases: { consent: string; contract: string; legitimate_interest: string };
    on: string;
    off: string;
    grant: string;
    withdraw: string;
    ifWithdrawn: string;
    deletesData: string;
    noValues: string;
    events: string;
  };
  /** Unsubscribed, and the page offers join buttons. */
  statusUnsubscribed: string;
  /** Unsubscribed, and joining needs a fresh link first. */
  statusUnsubscribedFresh: string;
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
  joinNoticeConsent: (topic: string) => string;
  noticeTopicNext: string;
  noticeTopicNone: string;
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
  pauseNothing: string;

  settingsHeading: string;
  settingsIntro: string;
  languageLabel: string;
  timezoneLabel: string;
  timezoneHint: string;
  settingsButton: string;
  limitHeading: string;
  limitIntro: string;
  limitLabel: string;
  /** "At most 3 emails a week". */
  limitChoice: (n: number) => string;
  /** No limit of their own and none from us. */
  limitNone: string;
  /** The option that leaves it to us: with our default, or none. */
  limitDefault: (n: number | null) => string;
  limitButton: string;
  /** "What would you like to hear about?": free text for the marketer (docs/trust-question.md). */
  expectationsHeading: string;
  expectationsIntro: string;
  expectationsLabel: string;
  expectationsButton: string;
  /** Each language named in this language, as a sentence uses it ("in English", "in het Engels"). */
  languageIn: Record<string, string>;

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
    limit: DataItem;
    pause: DataItem;
    consent: DataItem;
    messages: DataItem;
  };
  notGiven: string;
  none: string;
  yes: string;
  no: string;
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

  done: Record<DoneCode, (facts: DoneFacts) => string>;

  unsubscribeTitle: string;
  unsubscribeTopicQuestion: (topic: string) => string;
  unsubscribeAllQuestion: string;
  unsubscribeButton: string;
  unsubscribeAbout: (email: string) => string;
  unsubscribeFewer: string;
  unsubscribedAfter: string;
  preferencesLink: string;
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
  /** The summary of the collapsed language and time zone choice on the form. */
  whereSummary: string;
  formErrorsTitle: string;
  formErrors: {
    email: string;
    name: string;
    topics: string;
    topicClosed: string;
    timezone: string;
    locale: string;
    other: string;
  };
}
