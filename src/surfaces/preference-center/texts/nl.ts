import type { PageTexts } from './page-texts';

export const NL: PageTexts = {
  languageName: 'Nederlands',
  languagesLabel: 'Taal',
  privateLink:
    'Deze pagina is geopend via een persoonlijke link in een e-mail van ons. Deel de link niet: iedereen die hem heeft, kan deze pagina zien.',
  srFor: (topic) => ` voor ${topic}`,

  title: 'Je e-mailvoorkeuren',
  intro: (email) =>
    `Je beheert de e-mail die we naar ${email} sturen. Kies wat je ontvangt en hoe vaak; wijzigingen gelden vanaf de volgende e-mail.`,
  tocLabel: 'Op deze pagina',
  toc: {
    topics: 'Onderwerpen',
    notices: 'Berichten',
    settings: 'Taal en tijdzone',
    limit: 'Hoeveel e-mail',
    expectations: 'Waar je over wilt horen',
    pause: 'Pauze',
    unsubscribe: 'Afmelden',
    history: 'Toestemmingen',
    purposes: 'Waarvoor je gegevens dienen',
    data: 'Je gegevens',
    erase: 'Wissen',
  },
  statusUnsubscribedFresh:
    'Je bent afgemeld voor alle e-mail. Om je weer voor een onderwerp aan te melden, mailen we je eerst een nieuwe link, zodat niemand anders je kan aanmelden met een doorgestuurde e-mail.',
  statusUnsubscribed:
    'Je bent afgemeld voor alle e-mail. Hieronder kun je je weer voor een onderwerp aanmelden.',
  statusPaused: (date) => `Alle e-mail is gepauzeerd tot ${date}. Daarna begint het vanzelf weer.`,
  statusPending:
    'Je hebt je inschrijving nog niet bevestigd. Kijk in je inbox voor onze bevestigingsmail.',
  statusBlocked:
    'We kunnen geen e-mail meer naar dit adres sturen (het kwam terug of werd als spam gemeld), dus aanmelden voor onderwerpen kan niet.',

  topicsHeading: 'Onderwerpen',
  topicsIntro: 'Elk onderwerp met waar het over gaat. Kies hoe vaak je het wilt, of meld je af.',
  noTopics: 'Er zijn nu geen onderwerpen om uit te kiezen.',
  badgeSubscribed: 'Aangemeld',
  badgeNotSubscribed: 'Niet aangemeld',
  badgePending: 'Wacht op bevestiging',
  howOften: 'Hoe vaak',
  save: 'Opslaan',
  leave: 'Afmelden voor dit onderwerp',
  join: 'Aanmelden',
  nextDue: (date) => `Wat komt er: je volgende bericht rond ${date}.`,
  nextUnknown: 'Wat komt er: er is nog niets gepland.',
  nextPausedNote: (date) => ` Gepauzeerd tot ${date}.`,
  joinConsent: (topic) =>
    `Door je aan te melden ga je ermee akkoord dat we je "${topic}" mailen, niet vaker dan de frequentie die je koos. Je kunt dit altijd wijzigen of je afmelden.`,
  joinNoticeConsent: (topic) =>
    `Door je aan te melden ga je ermee akkoord dat we je "${topic}" mailen als er voor jou iets aankomt. Je kunt je altijd afmelden.`,
  noticeTopicNext: 'Berichten die je over dit onderwerp krijgt:',
  noticeTopicNone: 'Er staat nu niets voor je gepland. We schrijven alleen als er iets aankomt.',
  freshNeededIntro: (hours) =>
    `Deze link is meer dan ${hours} uur oud. Je kunt er minder mee ontvangen, maar om je voor een onderwerp aan te melden, vaker e-mail te krijgen of je pauze te beëindigen, sturen we je eerst een nieuwe link. Zo kan niemand anders je aanmelden met een doorgestuurde e-mail.`,
  freshButton: 'Mail me een nieuwe link',
  lowerOnlyNote: 'Met deze link kun je alleen dezelfde of een lagere frequentie kiezen.',

  noticesHeading: 'Berichten die je krijgt',
  noticesIntro:
    'Nuttige herinneringen zonder verkoop, vóór data die voor jou belangrijk zijn, zoals een verlenging of een aflopende garantie.',
  noNotices: 'Er staan nu geen berichten voor je gepland.',

  pauseHeading: 'Even pauze',
  pauseIntro:
    'Pauzeer alle e-mail een tijdje. Daarna begint het vanzelf weer; je hoeft niet terug te komen.',
  pauseLegend: 'Pauzeer alle e-mail voor',
  days: (n) => `${n} dagen`,
  pauseButton: 'Pauzeer alle e-mail',
  resumeButton: 'E-mail nu weer aanzetten',
  pausedUntil: (date) => `E-mail is gepauzeerd tot ${date}.`,
  pauseNothing:
    'Er is niets om te pauzeren: we sturen je nu geen nieuwsbrieven, overzichten of berichten.',

  settingsHeading: 'Taal en tijdzone',
  settingsIntro:
    'We schrijven je in deze taal, en sturen op een redelijk tijdstip in deze tijdzone.',
  languageLabel: 'Taal van onze e-mails',
  timezoneLabel: 'Tijdzone',
  timezoneHint: 'We sturen op een redelijk tijdstip in deze tijdzone.',
  settingsButton: 'Taal en tijdzone opslaan',
  languageIn: { en: 'het Engels', nl: 'het Nederlands' },
  limitHeading: 'Hoeveel e-mail',
  limitIntro:
    'Over al je onderwerpen samen sturen we je in elke 7 dagen hooguit zoveel nieuwsbrieven, overzichten en campagnes. Wat niet past, komt in je volgende overzicht of wacht een paar dagen. Berichten over je account en e-mails waar je zelf om vraagt, komen altijd.',
  limitLabel: 'Hooguit',
  limitChoice: (n) => `${n} ${n === 1 ? 'e-mail' : 'e-mails'} per week`,
  limitNone: 'geen grens over alle onderwerpen',
  limitDefault: (n) =>
    n === null
      ? 'Onze standaard (geen grens)'
      : `Onze standaard (${n} ${n === 1 ? 'e-mail' : 'e-mails'} per week)`,
  limitButton: 'Grens opslaan',
  expectationsHeading: 'Waar wil je over horen?',
  expectationsIntro:
    'Vertel ons in je eigen woorden waar we over zouden moeten schrijven. Wie onze e-mails plant, leest elk antwoord; je antwoord verandert niets aan wat je krijgt.',
  expectationsLabel: 'Waar wil je over horen? (niet verplicht)',
  expectationsButton: 'Versturen',

  unsubscribeAllHeading: 'Afmelden voor alles',
  unsubscribeAllIntro:
    'Eén klik en we sturen je geen nieuwsbrieven, overzichten of berichten meer. Je kunt altijd terugkomen.',
  unsubscribeAllButton: 'Afmelden voor alle e-mail',
  alreadyUnsubscribedAll: 'Je bent afgemeld voor alle e-mail.',

  historyHeading: 'Je toestemmingen',
  historyIntro:
    'Alles waar je mee instemde of wat je wijzigde, nieuwste eerst, met de precieze tekst die je zag en waar het gebeurde.',
  historyEmpty: 'Nog niets vastgelegd.',
  colWhen: 'Wanneer',
  colWhat: 'Wat',
  colTopic: 'Onderwerp',
  colWording: 'Precieze tekst',
  colSource: 'Waar',
  allTopics: 'Alle e-mail',
  version: (v) => `versie ${v}`,
  actions: {
    opt_in: 'Aangemeld',
    confirm: 'Bevestigd',
    opt_out: 'Afgemeld',
    frequency_change: 'Frequentie gewijzigd',
    data_use_grant: 'Gegevensgebruik toegestaan',
    data_use_withdrawal: 'Gegevensgebruik ingetrokken',
    pause: 'E-mail gepauzeerd',
    resume: 'E-mail hervat',
  },
  sources: {
    form: 'Inschrijfformulier',
    api: 'Onze systemen (API)',
    import: 'Geïmporteerde lijst',
    preference_center: 'Deze voorkeurenpagina',
    one_click: 'Afmeldknop in je e-mailprogramma',
    system: 'Automatisch (teruggekomen of spammelding)',
  },

  dataHeading: 'Welke gegevens we bewaren, en waarom',
  dataIntro: 'Alles wat we over je bewaren, waarvoor het is, en wat er nu staat.',
  dataItems: {
    email: {
      label: 'E-mailadres',
      why: 'Om je de e-mail te sturen die je koos, en niets anders.',
    },
    name: { label: 'Naam', why: 'Om je in onze e-mails bij naam te begroeten.' },
    localeZone: {
      label: 'Taal en tijdzone',
      why: 'Om je in je eigen taal te schrijven en op een redelijk tijdstip waar jij woont.',
    },
    customer: {
      label: 'Klant of niet',
      why: 'Sommige onderwerpen, zoals verlengingsherinneringen, zijn alleen zinvol voor klanten.',
    },
    dates: {
      label: 'Data die voor jou belangrijk zijn',
      why: 'Om je op tijd te herinneren voordat iets je geld kost, zoals een verlenging of een aflopende garantie.',
    },
    attributes: {
      label: 'Overige gegevens',
      why: 'Om berichten te sturen die bij jouw situatie passen (bijvoorbeeld je abonnement).',
    },
    subscriptions: {
      label: 'Je onderwerpen en hoe vaak',
      why: 'Om alleen te sturen wat je koos, en nooit vaker dan je koos.',
    },
    limit: {
      label: 'Hoeveel e-mail',
      why: 'Om je per week niet meer nieuwsbrieven, overzichten en campagnes te sturen dan je koos.',
    },
    pause: { label: 'Pauze', why: 'Om alle e-mail tegen te houden tot de datum die je koos.' },
    consent: {
      label: 'Toestemmingen',
      why: 'Bewijs van waar je mee instemde, met de precieze tekst. De wet vraagt ons dit te bewaren.',
    },
    messages: {
      label: 'Berichten die we je stuurden of planden',
      why: 'Om onze beloften te houden: geen dubbele berichten, nooit vaker dan je koos, en niemand die zich aanmeldde en niets hoort.',
    },
  },
  notGiven: 'niet opgegeven',
  none: 'geen',
  yes: 'ja',
  no: 'nee',
  customerYes: 'klant',
  customerNo: '(nog) geen klant',
  messagesCount: (n) => `${n} ${n === 1 ? 'bericht' : 'berichten'}`,
  subscriptionsCount: (n) => `${n} ${n === 1 ? 'onderwerp' : 'onderwerpen'}`,
  consentCount: (n) => `${n} ${n === 1 ? 'regel' : 'regels'}`,
  notPaused: 'niet gepauzeerd',
  retention:
    'We bewaren dit tot je het laat wissen. Na het wissen bewaren we alleen een vingerafdruk van je adres (een versleutelde hash, niet het adres zelf) op een blokkeerlijst, zodat we het nooit meer mailen.',
  downloadButton: 'Download mijn gegevens (JSON)',

  eraseHeading: 'Mijn gegevens wissen',
  eraseIntro:
    'Verwijder alles wat we over je bewaren. Dit kan niet ongedaan worden gemaakt, en dit adres krijgt nooit meer e-mail van ons.',
  eraseLink: 'Mijn gegevens wissen…',
  eraseTitle: 'Je gegevens wissen?',
  eraseWhat: [
    'Je naam, adres, data, gegevens, onderwerpen en toestemmingen worden verwijderd.',
    'De lijst met berichten die we stuurden blijft, maar zonder naam of adres.',
    'Je adres blijft alleen als vingerafdruk (een versleutelde hash) op een blokkeerlijst, zodat we het nooit meer mailen, ook niet als iemand het later toevoegt.',
    'Dit kan niet ongedaan worden gemaakt. Om weer iets van ons te horen heb je een ander adres nodig.',
  ],
  eraseConfirm: 'Ja, wis mijn gegevens',
  eraseCancel: 'Nee, terug',
  eraseFreshNeeded: (hours) =>
    `Wissen kan niet ongedaan worden gemaakt, dus daarvoor is een link van de afgelopen ${hours} uur nodig. We mailen je een nieuwe link; open die en kom hier terug.`,
  erasedTitle: 'Je gegevens zijn gewist',
  erasedBody:
    'Alles wat we over je bewaarden is weg. We bewaren alleen een vingerafdruk van je adres, zodat we het nooit meer mailen. De links in onze oude e-mails werken niet meer.',

  purposes: {
    heading: 'Hoe we je gegevens gebruiken',
    intro:
      'Waarvoor we je gegevens gebruiken, waarom, en wat het je oplevert. Gebruik waarvoor we je toestemming nodig hebben staat uit tot je het aanzet, en je kunt het altijd weer uitzetten.',
    covers: 'Je gegevens die het gebruikt',
    why: 'Waarom',
    gain: 'Wat het je oplevert',
    basis: 'Grondslag',
    bases: {
      consent: 'Je toestemming',
      contract: 'Onze overeenkomst met jou',
      legitimate_interest: 'Ons gerechtvaardigd belang',
    },
    on: 'Aan: je gaf hier toestemming voor.',
    off: 'Uit: we gebruiken je gegevens hier niet voor.',
    grant: 'Toestaan',
    withdraw: 'Hiermee stoppen',
    ifWithdrawn: 'Als je hiermee stopt:',
    deletesData: 'Stoppen wist ook de gegevens die hier staan.',
    noValues: 'Nog niets bewaard.',
    events: 'Gebeurtenissen uit onze systemen',
  },

  done: {
    frequency_changed: (f) => `Opgeslagen: je krijgt "${f.topic}" nu ${f.frequency}.`,
    joined: (f) => `Opgeslagen: je bent aangemeld voor "${f.topic}".`,
    left: (f) =>
      `Opgeslagen: je bent afgemeld voor "${f.topic}". Je krijgt er geen e-mail meer over.`,
    paused: (f) => `Opgeslagen: alle e-mail is gepauzeerd tot ${f.date}.`,
    resumed: () => 'Opgeslagen: e-mail staat weer aan.',
    unsubscribed_all: () => 'Opgeslagen: je bent afgemeld voor alle e-mail. Jammer dat je gaat.',
    fresh_link_sent: (f) =>
      `Als we je kunnen bereiken, is er een nieuwe link onderweg naar je inbox. Hij werkt ${f.hours} uur.`,
    settings_changed: (f) => `Opgeslagen: we schrijven je in ${f.language}, in tijdzone ${f.zone}.`,
    limit_changed: (f) => `Opgeslagen: over alle onderwerpen samen krijg je nu hooguit ${f.limit}.`,
    expectation_saved: () => 'Bedankt: we hebben doorgegeven waar je over wilt horen.',
    purpose_granted: (f) => `Opgeslagen: je gaf toestemming voor "${f.topic}".`,
    purpose_withdrawn: (f) => `Opgeslagen: je stopte met "${f.topic}".`,
    unchanged: () => 'Er hoefde niets te veranderen: dit was al zo.',
  },

  unsubscribeTitle: 'Afmelden',
  unsubscribeTopicQuestion: (topic) => `Geen "${topic}" meer ontvangen?`,
  unsubscribeAllQuestion: 'Geen e-mail meer van ons ontvangen?',
  unsubscribeButton: 'Afmelden',
  unsubscribeAbout: (email) => `Dit gaat over de e-mail die we naar ${email} sturen.`,
  unsubscribeFewer:
    'Liever minder e-mail? Op je voorkeurenpagina kies je hoe vaak, of pauzeer je een tijdje.',
  unsubscribedAfter:
    'Wil je je weer voor een onderwerp aanmelden, je andere onderwerpen wijzigen of zien wat we over je bewaren? Open dan je voorkeurenpagina.',
  preferencesLink: 'Open je voorkeurenpagina',
  unsubscribedTitle: 'Je bent afgemeld',
  unsubscribedTopic: (topic) => `Je krijgt geen "${topic}" meer.`,
  unsubscribedAll: 'Je krijgt geen e-mail meer van ons.',
  unsubscribedAlreadyTopic: (topic) => `Je bent al afgemeld voor "${topic}".`,
  unsubscribedAlreadyAll: 'Je bent al afgemeld voor alle e-mail.',

  freshSentTitle: 'Kijk in je inbox',
  freshSentBody: (hours) =>
    `Als we je kunnen bereiken, is er een nieuwe link onderweg. Hij werkt ${hours} uur. Verder is er niets gewijzigd.`,

  errors: {
    invalidTitle: 'Deze link is niet geldig',
    invalidBody:
      'Misschien is de link onvolledig. Kopieer de hele link uit de e-mail naar je browser.',
    expiredTitle: 'Deze link is verlopen',
    expiredBody:
      'Voor je veiligheid werken links in onze e-mails maar een beperkte tijd. We kunnen je een nieuwe mailen.',
    expiredButton: 'Mail me een nieuwe link',
    goneTitle: 'Hier is niets meer',
    goneBody: 'De gegevens achter deze link zijn gewist.',
    forbiddenTitle: 'Dit verzoek is geweigerd',
    forbiddenBody:
      'Het formulier kwam van een andere site of is verouderd. Open de pagina opnieuw via de link in je e-mail en probeer het nog eens.',
    freshTitle: 'We hebben eerst een nieuwe link nodig',
    tooManyTitle: 'Te veel verzoeken',
    tooManyBody:
      'Er kwamen te veel verzoeken van je verbinding. Wacht een minuut en probeer het opnieuw.',
    badInputTitle: 'Er klopte iets niet in het formulier',
    notFoundTitle: 'Niet gevonden',
    notFoundBody: 'Deze pagina bestaat niet.',
    ruleTitle: 'Dat kan niet',
    serverTitle: 'Er ging iets mis',
    serverBody: 'Probeer het over een paar minuten opnieuw.',
    nothingChanged: 'Er is niets gewijzigd.',
  },

  subscribeTitle: 'Inschrijven',
  subscribeIntro:
    'Kies de onderwerpen die je wilt en hoe vaak. We sturen je eerst een e-mail om je adres te bevestigen; tot je bevestigt, sturen we verder niets.',
  emailLabel: 'E-mailadres',
  nameLabel: 'Naam (niet verplicht)',
  topicSelectLabel: (topic) => `Hoe vaak wil je "${topic}"?`,
  notForMe: 'Niet voor mij',
  subscribeButton: 'Inschrijven',
  noPublicTopics: 'Er is nu niets om je voor in te schrijven.',
  customersOnly: 'Alleen voor klanten.',
  whereSummary: 'Taal en tijdzone:',
  formErrorsTitle: 'Controleer het formulier',
  formErrors: {
    email: 'Vul een volledig e-mailadres in, zoals naam@voorbeeld.nl.',
    name: 'Je naam mag hoogstens 200 tekens lang zijn, op één regel.',
    topics: 'Kies minstens één onderwerp.',
    topicClosed: 'Een van deze onderwerpen staat niet meer open voor inschrijving. Kies opnieuw.',
    timezone: 'Kies je tijdzone uit de lijst.',
    locale: 'Kies een taal uit de lijst.',
    other: 'Er klopte iets niet in het formulier. Controleer het en probeer het opnieuw.',
  },
};
