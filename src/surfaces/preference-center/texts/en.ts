import type { PageTexts } from './page-texts';

export const EN: PageTexts = {
  languageName: 'English',
  languagesLabel: 'Language',
  privateLink:
    'This page opened from a personal link in an email we sent you. Please do not share the link: anyone who has it can see this page.',
  srFor: (topic) => ` for ${topic}`,

  title: 'Your email preferences',
  intro: (email) =>
    `You are managing the email we send to ${email}. Choose what you get and how often; changes apply from the next email.`,
  tocLabel: 'On this page',
  toc: {
    topics: 'Topics',
    notices: 'Notices',
    settings: 'Language and time zone',
    limit: 'How much email',
    expectations: 'What you would like to hear about',
    pause: 'Pause',
    unsubscribe: 'Unsubscribe',
    history: 'Consent history',
    purposes: 'Your data, used for',
    data: 'Your data',
    erase: 'Erase',
  },
  statusUnsubscribed: 'You are unsubscribed from all email. You can join a topic again below.',
  statusUnsubscribedFresh:
    'You are unsubscribed from all email. To join a topic again, we first email you a fresh link, so that nobody else can sign you up with a forwarded email.',
  statusPaused: (date) =>
    `All email is paused until ${date}. After that it starts again by itself.`,
  statusPending:
    'You have not confirmed your subscription yet. Look for our confirmation email in your inbox.',
  statusBlocked:
    'We cannot send email to this address any more (it bounced or was reported as spam), so joining topics is not possible.',

  topicsHeading: 'Topics',
  topicsIntro: 'Each topic with what it is about. Pick how often you want it, or leave it.',
  noTopics: 'There are no topics to choose from right now.',
  badgeSubscribed: 'Subscribed',
  badgeNotSubscribed: 'Not subscribed',
  badgePending: 'Awaiting confirmation',
  howOften: 'How often',
  save: 'Save',
  leave: 'Leave this topic',
  join: 'Join',
  nextDue: (date) => `What's coming next: your next message around ${date}.`,
  nextUnknown: "What's coming next: nothing is scheduled yet.",
  nextPausedNote: (date) => ` Paused until ${date}.`,
  joinConsent: (topic) =>
    `By joining, you agree that we email you "${topic}" no more often than the frequency you picked. You can change this or leave at any time.`,
  joinNoticeConsent: (topic) =>
    `By joining, you agree that we email you "${topic}" when something is due for you. You can leave at any time.`,
  noticeTopicNext: 'Notices you will get from this topic:',
  noticeTopicNone: 'Nothing is planned for you right now. We write only when something is due.',
  freshNeededIntro: (hours) =>
    `This link is more than ${hours} hours old. It can lower what we send, but to join a topic, get email more often or resume, we first email you a fresh link. That way nobody else can sign you up with a forwarded email.`,
  freshButton: 'Email me a fresh link',
  lowerOnlyNote: 'With this link you can only choose the same or a lower frequency.',

  noticesHeading: 'Notices you will get',
  noticesIntro:
    'Useful, non-sales reminders ahead of dates that matter to you, such as a renewal or an expiring warranty.',
  noNotices: 'No notices are planned for you right now.',

  pauseHeading: 'Take a break',
  pauseIntro:
    'Pause all email for a while. It starts again by itself; you do not need to come back.',
  pauseLegend: 'Pause all email for',
  days: (n) => `${n} days`,
  pauseButton: 'Pause all email',
  resumeButton: 'Resume email now',
  pausedUntil: (date) => `Email is paused until ${date}.`,
  pauseNothing: 'There is nothing to pause: we send you no newsletters, digests or notices now.',

  settingsHeading: 'Language and time zone',
  settingsIntro: 'We write to you in this language, and send at a sensible hour in this time zone.',
  languageLabel: 'Language of our emails',
  timezoneLabel: 'Time zone',
  timezoneHint: 'We send at a sensible hour in this time zone.',
  settingsButton: 'Save language and time zone',
  languageIn: { en: 'English', nl: 'Dutch' },
  limitHeading: 'How much email',
  limitIntro:
    'Across all your topics together, we send you at most this many newsletters, digests and campaigns in any 7 days. What does not fit goes into your next digest or waits a few days. Notices about your account and emails you ask for always come.',
  limitLabel: 'At most',
  limitChoice: (n) => `${n} ${n === 1 ? 'email' : 'emails'} a week`,
  limitNone: 'no overall limit',
  limitDefault: (n) =>
    n === null
      ? 'Our default (no overall limit)'
      : `Our default (${n} ${n === 1 ? 'email' : 'emails'} a week)`,
  limitButton: 'Save limit',
  expectationsHeading: 'What would you like to hear about?',
  expectationsIntro:
    'Tell us in your own words what you would like us to write about. The people who plan our emails read every answer; your answer does not change what you get.',
  expectationsLabel: 'What would you like to hear about? (optional)',
  expectationsButton: 'Send',

  unsubscribeAllHeading: 'Unsubscribe from everything',
  unsubscribeAllIntro:
    'One click and we send you no more newsletters, digests or notices. You can come back any time.',
  unsubscribeAllButton: 'Unsubscribe from all email',
  alreadyUnsubscribedAll: 'You are unsubscribed from all email.',

  historyHeading: 'Your consent history',
  historyIntro:
    'Everything you agreed to or changed, newest first, with the exact wording you saw and where it happened.',
  historyEmpty: 'Nothing recorded yet.',
  colWhen: 'When',
  colWhat: 'What',
  colTopic: 'Topic',
  colWording: 'Exact wording',
  colSource: 'Where',
  allTopics: 'All email',
  version: (v) => `version ${v}`,
  actions: {
    opt_in: 'Subscribed',
    confirm: 'Confirmed',
    opt_out: 'Unsubscribed',
    frequency_change: 'Changed how often',
    data_use_grant: 'Allowed a data use',
    data_use_withdrawal: 'Withdrew a data use',
    pause: 'Paused email',
    resume: 'Resumed email',
  },
  sources: {
    form: 'Sign-up form',
    api: 'Our systems (API)',
    import: 'Imported list',
    preference_center: 'This preference center',
    one_click: 'Unsubscribe button in your email app',
    system: 'Automatic (bounce or spam report)',
  },

  dataHeading: 'Data we keep about you, and why',
  dataIntro: 'Everything we store about you, what it is for, and what it currently says.',
  dataItems: {
    email: { label: 'Email address', why: 'To send you the email you chose, and nothing else.' },
    name: { label: 'Name', why: 'To greet you by name in our emails.' },
    localeZone: {
      label: 'Language and time zone',
      why: 'To write to you in your language and send at a sensible hour where you live.',
    },
    customer: {
      label: 'Customer or not',
      why: 'Some topics, such as renewal reminders, only make sense for customers.',
    },
    dates: {
      label: 'Dates that matter to you',
      why: 'To remind you in time before something costs you money, such as a renewal or an expiring warranty.',
    },
    attributes: {
      label: 'Other details',
      why: 'To send notices that fit your situation (for example your plan).',
    },
    subscriptions: {
      label: 'Your topics and how often',
      why: 'To send only what you chose, and never more often than you chose.',
    },
    limit: {
      label: 'How much email',
      why: 'To send you no more newsletters, digests and campaigns a week than you chose.',
    },
    pause: { label: 'Pause', why: 'To hold all email until the date you picked.' },
    consent: {
      label: 'Consent history',
      why: 'Proof of what you agreed to, with the exact wording. The law asks us to keep it.',
    },
    messages: {
      label: 'Messages we sent or planned for you',
      why: 'To keep our promises: no duplicates, never more often than you chose, and nobody who signed up left without a word.',
    },
  },
  notGiven: 'not given',
  none: 'none',
  yes: 'yes',
  no: 'no',
  customerYes: 'customer',
  customerNo: 'not a customer (yet)',
  messagesCount: (n) => `${n} ${n === 1 ? 'message' : 'messages'}`,
  subscriptionsCount: (n) => `${n} ${n === 1 ? 'topic' : 'topics'}`,
  consentCount: (n) => `${n} ${n === 1 ? 'entry' : 'entries'}`,
  notPaused: 'not paused',
  retention:
    'We keep this until you erase it. After erasure we keep only a fingerprint of your address (a keyed hash, not the address itself) on a block list, so that we never email it again.',
  downloadButton: 'Download my data (JSON)',

  eraseHeading: 'Erase my data',
  eraseIntro:
    'Remove everything we keep about you. This cannot be undone, and this address will never get email from us again.',
  eraseLink: 'Erase my data…',
  eraseTitle: 'Erase your data?',
  eraseWhat: [
    'Your name, address, dates, details, topics and consent history are deleted.',
    'The list of messages we sent stays, but without a name or an address attached.',
    'Your address is kept only as a fingerprint (a keyed hash) on a block list, so we never email it again, not even if someone adds it later.',
    'This cannot be undone. To hear from us again you would need a different address.',
  ],
  eraseConfirm: 'Yes, erase my data',
  eraseCancel: 'No, take me back',
  eraseFreshNeeded: (hours) =>
    `Erasing cannot be undone, so it needs a link from the last ${hours} hours. We will email you a fresh link; open it and come back here.`,
  erasedTitle: 'Your data has been erased',
  erasedBody:
    'Everything we kept about you is gone. We keep only a fingerprint of your address so we never email it again. The links in our old emails no longer work.',

  purposes: {
    heading: 'How we use your data',
    intro:
      'What we use your data for, why, and what it does for you. Uses that need your permission are off until you turn them on, and you can turn them off again at any time.',
    covers: 'Your data it uses',
    why: 'Why',
    gain: 'What it does for you',
    basis: 'Legal basis',
    bases: {
      consent: 'Your permission',
      contract: 'Our agreement with you',
      legitimate_interest: 'Our legitimate interest',
    },
    on: 'On: you allowed this.',
    off: 'Off: we do not use your data for this.',
    grant: 'Allow',
    withdraw: 'Stop this',
    ifWithdrawn: 'If you stop this:',
    deletesData: 'Stopping it also deletes the data listed here.',
    noValues: 'Nothing kept yet.',
    events: 'Events from our systems',
  },

  done: {
    frequency_changed: (f) => `Saved: you now get "${f.topic}" ${f.frequency}.`,
    joined: (f) => `Saved: you joined "${f.topic}".`,
    left: (f) => `Saved: you left "${f.topic}". You will get no more email about it.`,
    paused: (f) => `Saved: all email is paused until ${f.date}.`,
    resumed: () => 'Saved: email is on again.',
    unsubscribed_all: () =>
      'Saved: you are unsubscribed from all email. We are sorry to see you go.',
    fresh_link_sent: (f) =>
      `If we can reach you, a fresh link is on its way to your inbox. It works for ${f.hours} hours.`,
    settings_changed: (f) => `Saved: we write to you in ${f.language}, in time zone ${f.zone}.`,
    limit_changed: (f) => `Saved: across all topics you now get at most ${f.limit}.`,
    expectation_saved: () => 'Thank you: we passed on what you would like to hear about.',
    purpose_granted: (f) => `Saved: you allowed "${f.topic}".`,
    purpose_withdrawn: (f) => `Saved: you stopped "${f.topic}".`,
    unchanged: () => 'Nothing needed changing: this was already so.',
  },

  unsubscribeTitle: 'Unsubscribe',
  unsubscribeTopicQuestion: (topic) => `Stop getting "${topic}"?`,
  unsubscribeAllQuestion: 'Stop getting all email from us?',
  unsubscribeButton: 'Unsubscribe',
  unsubscribeAbout: (email) => `This is about the email we send to ${email}.`,
  unsubscribeFewer:
    'Prefer fewer emails instead? On your preference page you can choose how often, or pause for a while.',
  unsubscribedAfter:
    'To join a topic again, change your other topics, or see what we keep about you, open your preference page.',
  preferencesLink: 'Open your preference page',
  unsubscribedTitle: 'You are unsubscribed',
  unsubscribedTopic: (topic) => `You will get no more "${topic}" email.`,
  unsubscribedAll: 'You will get no more email from us.',
  unsubscribedAlreadyTopic: (topic) => `You are already unsubscribed from "${topic}".`,
  unsubscribedAlreadyAll: 'You are already unsubscribed from all email.',

  freshSentTitle: 'Check your inbox',
  freshSentBody: (hours) =>
    `If we can reach you, a fresh link is on its way. It works for ${hours} hours. Nothing else was changed.`,

  errors: {
    invalidTitle: 'This link is not valid',
    invalidBody:
      'The link may be incomplete. Copy the whole link from the email into your browser.',
    expiredTitle: 'This link has expired',
    expiredBody:
      'For your safety, links in our emails work for a limited time. We can email you a fresh one.',
    expiredButton: 'Email me a new link',
    goneTitle: 'Nothing here any more',
    goneBody: 'The data behind this link has been erased.',
    forbiddenTitle: 'This request was refused',
    forbiddenBody:
      'The form was sent from another site or is out of date. Open the page again from the link in your email and try once more.',
    freshTitle: 'We need a fresh link first',
    tooManyTitle: 'Too many requests',
    tooManyBody: 'Too many requests came from your connection. Please wait a minute and try again.',
    badInputTitle: 'Something in the form was not right',
    notFoundTitle: 'Not found',
    notFoundBody: 'This page does not exist.',
    ruleTitle: 'That is not possible',
    serverTitle: 'Something went wrong',
    serverBody: 'Please try again in a few minutes.',
    nothingChanged: 'Nothing was changed.',
  },

  subscribeTitle: 'Subscribe',
  subscribeIntro:
    'Choose the topics you want and how often. We first send you an email to confirm your address; until you confirm, we send nothing else.',
  emailLabel: 'Email address',
  nameLabel: 'Name (optional)',
  topicSelectLabel: (topic) => `How often would you like "${topic}"?`,
  notForMe: 'Not for me',
  subscribeButton: 'Subscribe',
  noPublicTopics: 'There is nothing to subscribe to right now.',
  customersOnly: 'Only for customers.',
  whereSummary: 'Language and time zone:',
  formErrorsTitle: 'Please check the form',
  formErrors: {
    email: 'Enter a complete email address, such as name@example.com.',
    name: 'Your name can be at most 200 characters, on one line.',
    topics: 'Choose at least one topic.',
    topicClosed: 'One of these topics is no longer open for sign-up. Please choose again.',
    timezone: 'Choose your time zone from the list.',
    locale: 'Choose a language from the list.',
    other: 'Something in the form was not right. Please check it and try again.',
  },
};
