import { html, SafeHtml } from '../../platform/http/page';
import { Brand, LinkProblem, linkFormPage, linkProblemPage } from '../link-pages';
import { Answer, FeedbackState, MAX_COMMENT_LENGTH } from './feedback.service';
import { formatLocalDate, Locale, localeOr } from '../../platform/locale';
import { defineTexts } from '../../platform/translations';

const EN = {
  title: 'Was this useful?',
  legend: 'Your answer',
  about: (what: string, date: string | null) =>
    date ? `About the email "${what}" of ${date}.` : `About the email "${what}".`,
  /** An email whose subject and topic are unknown. */
  aboutUnnamed: (date: string | null) =>
    date ? `About our email of ${date}.` : 'About one of our emails.',
  yes: 'Yes, it was useful',
  no: 'No, it was not useful',
  comment: 'Anything you would like to add? (optional)',
  send: 'Send my answer',
  change: 'Change my answer',
  thanks: 'Thank you',
  recorded: (helpful: boolean) => `We recorded your answer: ${helpful ? 'useful' : 'not useful'}.`,
  current: (helpful: boolean) =>
    `Your current answer is "${helpful ? 'useful' : 'not useful'}". You can change it or add a comment.`,
  scanner:
    'Your answer is recorded only when you press the button, so a mail scanner that opens links cannot answer for you.',
  invalidTitle: 'This link is not valid',
  invalidBody: 'The link may have been cut off or changed. Please use the link in the email.',
  expiredTitle: 'This link has expired',
  expiredBody: 'Feedback links work for six months after an email is sent.',
  missingTitle: 'Message not found',
  missingBody: 'The message this link is about no longer exists.',
  formTitle: 'Please try again',
  formBody:
    'This form has expired or did not come from this page. Open the link from the email again.',
};

/** The feedback pages' texts: built in for nl and en, `LOCALE_DIR/<locale>.json` `feedback` else. */
const feedbackTexts = defineTexts<typeof EN>('feedback', {
  en: EN,
  nl: {
    title: 'Had je hier iets aan?',
    legend: 'Je antwoord',
    about: (what: string, date: string | null) =>
      date ? `Over de e-mail "${what}" van ${date}.` : `Over de e-mail "${what}".`,
    aboutUnnamed: (date: string | null) =>
      date ? `Over onze e-mail van ${date}.` : 'Over een van onze e-mails.',
    yes: 'Ja, ik had er iets aan',
    no: 'Nee, ik had er niets aan',
    comment: 'Wil je nog iets kwijt? (niet verplicht)',
    send: 'Verstuur mijn antwoord',
    change: 'Wijzig mijn antwoord',
    thanks: 'Bedankt',
    recorded: (helpful: boolean) =>
      `We hebben je antwoord vastgelegd: ${helpful ? 'nuttig' : 'niet nuttig'}.`,
    current: (helpful: boolean) =>
      `Je huidige antwoord is "${helpful ? 'nuttig' : 'niet nuttig'}". Je kunt het wijzigen of een opmerking toevoegen.`,
    scanner:
      'Je antwoord wordt pas vastgelegd als je op de knop drukt, zodat een mailscanner die links opent niet voor jou kan antwoorden.',
    invalidTitle: 'Deze link is niet geldig',
    invalidBody: 'De link is misschien afgebroken of gewijzigd. Gebruik de link in de e-mail.',
    expiredTitle: 'Deze link is verlopen',
    expiredBody: 'Feedbacklinks werken tot zes maanden nadat een e-mail is verstuurd.',
    missingTitle: 'Bericht niet gevonden',
    missingBody: 'Het bericht waar deze link over gaat bestaat niet meer.',
    formTitle: 'Probeer het opnieuw',
    formBody:
      'Dit formulier is verlopen of kwam niet van deze pagina. Open de link uit de e-mail opnieuw.',
  },
});

/** The email by its subject, else its topic; never the template's internal key. */
function describe(state: FeedbackState, date: string | null): string {
  const t = feedbackTexts(state.locale);
  const what = state.subject ?? state.topicName;
  return what ? t.about(what, date) : t.aboutUnnamed(date);
}

function localDate(date: Date | null, locale: Locale, timezone: string): string | null {
  return date ? formatLocalDate(date, timezone, locale) : null;
}

/**
 * The landing page: the choice from the link pre-selected, an optional comment, one button. The
 * GET that shows it records nothing.
 */
export function feedbackFormPage(
  token: string,
  state: FeedbackState,
  brand: Brand,
  options: { preselect?: Answer; justRecorded?: boolean; error?: string },
): string {
  const t = feedbackTexts(state.locale);
  const selected: Answer | undefined =
    options.preselect ?? (state.vote ? (state.vote.helpful ? 'yes' : 'no') : undefined);
  const radio = (value: Answer, label: string) =>
    html`<label class="choice"
      ><input
        type="radio"
        name="answer"
        value="${value}"
        ${selected === value ? new SafeHtml('checked') : ''}
        required
      />
      ${label}</label
    >`;
  let intro: SafeHtml = html``;
  if (options.justRecorded && state.vote) {
    intro = html`<p class="notice" role="status">${t.recorded(state.vote.helpful)}</p>`;
  } else if (state.vote) {
    intro = html`<p>${t.current(state.vote.helpful)}</p>`;
  }
  const body = html`<h1>${options.justRecorded ? t.thanks : t.title}</h1>
    <p class="muted">${describe(state, localDate(state.sentAt, state.locale, state.timezone))}</p>
    ${intro} ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
    <form method="post" action="/f/${token}">
      <input type="hidden" name="form" value="${state.formToken}" />
      <fieldset>
        <legend>${t.legend}</legend>
        ${radio('yes', t.yes)} ${radio('no', t.no)}
      </fieldset>
      <p>
        <label for="comment">${t.comment}</label><br />
        <textarea id="comment" name="comment" rows="4" maxlength="${MAX_COMMENT_LENGTH}">
${state.vote?.comment ?? ''}</textarea>
      </p>
      <button type="submit">${state.vote ? t.change : t.send}</button>
    </form>
    <p class="muted">${t.scanner}</p>`;
  return linkFormPage(t.title, state.locale, body, brand);
}

/** The page for a link that cannot be used (link-pages.ts says which and why). */
export function feedbackProblemPage(
  problem: LinkProblem,
  brand: Brand,
  locale: Locale = localeOr('en'),
): string {
  return linkProblemPage(feedbackTexts(locale), problem, brand, locale);
}
