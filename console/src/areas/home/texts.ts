import { textsHook } from '../../ui/texts';

type Frequency = 'weekly' | 'biweekly' | 'monthly' | 'quarterly';

const en = {
  nextTitle: 'What goes out next',
  nextIntro: (asOf: string, weekEnd: string) =>
    `From ${asOf}: "today" runs to midnight UTC, "this week" to ${weekEnd}.`,
  campaignsTitle: 'Campaigns scheduled',
  noCampaigns: 'No campaign is scheduled for the next 7 days.',
  campaign: 'Campaign',
  topic: 'Topic',
  when: 'When',
  audience: 'Audience',
  segmented: 'a segment',
  wholeTopic: 'the whole topic',
  running: 'sending now',
  audienceOf: (n: string, scope: string) => `${n} subscribers (${scope})`,
  digestsTitle: 'Digests due',
  digestsHint:
    'Subscriptions whose period comes due. A digest goes only when the topic has content the subscriber has not had yet.',
  noDigests: 'No digest period comes due in the next 7 days.',
  frequency: 'Frequency',
  today: 'Today',
  thisWeek: 'This week',
  frequencies: {
    weekly: 'weekly',
    biweekly: 'every two weeks',
    monthly: 'monthly',
    quarterly: 'quarterly',
  } as Record<Frequency, string>,
  noticesTitle: 'Lifecycle notices due',
  noNotices: 'No lifecycle notice is due in the next 7 days.',
  rule: 'Rule',
  missedTitle: 'Missed deadlines',
  missedIntro: (days: number) => `Notices that missed their deadline in the last ${days} days.`,
  noMissed: (days: number) => `No notice missed its deadline in the last ${days} days.`,
  missed: 'Missed',
  silentTitle: 'Silent subscriptions',
  silentIntro: (n: string) =>
    `${n} subscriptions got nothing in their chosen period (plus a day of grace).`,
  noSilent: 'No subscription is silent.',
  subscriptions: 'Subscriptions',
  longestSilent: 'Longest silent',
  subscriber: 'Subscriber',
  dueBy: 'Due by',
  openSubscriber: (topic: string) => `Subscriber in ${topic}`,
  noReports:
    'Your role does not include reports, so Home shows no figures and nothing of what goes out next.',
  whatYouCanDo: 'What you can do:',
  findSubscribers: 'Find a subscriber and help them',
  viewTopics: 'See the topics',
};

const nl: typeof en = {
  nextTitle: 'Wat er hierna uitgaat',
  nextIntro: (asOf, weekEnd) =>
    `Vanaf ${asOf}: "vandaag" loopt tot middernacht UTC, "deze week" tot ${weekEnd}.`,
  campaignsTitle: 'Geplande campagnes',
  noCampaigns: 'Er is geen campagne gepland voor de komende 7 dagen.',
  campaign: 'Campagne',
  topic: 'Onderwerp',
  when: 'Wanneer',
  audience: 'Publiek',
  segmented: 'een segment',
  wholeTopic: 'het hele onderwerp',
  running: 'wordt nu verstuurd',
  audienceOf: (n, scope) => `${n} abonnees (${scope})`,
  digestsTitle: 'Digests die aan de beurt zijn',
  digestsHint:
    'Abonnementen waarvan de periode afloopt. Een digest gaat alleen uit als het onderwerp inhoud heeft die de abonnee nog niet kreeg.',
  noDigests: 'Er loopt de komende 7 dagen geen digestperiode af.',
  frequency: 'Frequentie',
  today: 'Vandaag',
  thisWeek: 'Deze week',
  frequencies: {
    weekly: 'wekelijks',
    biweekly: 'om de twee weken',
    monthly: 'maandelijks',
    quarterly: 'per kwartaal',
  },
  noticesTitle: 'Lifecycleberichten die aan de beurt zijn',
  noNotices: 'Er is de komende 7 dagen geen lifecyclebericht aan de beurt.',
  rule: 'Regel',
  missedTitle: 'Gemiste deadlines',
  missedIntro: (days) => `Berichten die de afgelopen ${days} dagen hun deadline misten.`,
  noMissed: (days) => `Geen bericht miste de afgelopen ${days} dagen zijn deadline.`,
  missed: 'Gemist',
  silentTitle: 'Stille abonnementen',
  silentIntro: (n) =>
    `${n} abonnementen kregen niets in hun gekozen periode (plus een dag speling).`,
  noSilent: 'Geen enkel abonnement is stil.',
  subscriptions: 'Abonnementen',
  longestSilent: 'Het langst stil',
  subscriber: 'Abonnee',
  dueBy: 'Uiterlijk verwacht',
  openSubscriber: (topic) => `Abonnee in ${topic}`,
  noReports:
    'Je rol heeft geen toegang tot rapporten, dus Start toont geen cijfers en niet wat er hierna uitgaat.',
  whatYouCanDo: 'Wat je kunt doen:',
  findSubscribers: 'Een abonnee zoeken en helpen',
  viewTopics: 'De onderwerpen bekijken',
};

export const useHomeTexts = textsHook({ en, nl });
