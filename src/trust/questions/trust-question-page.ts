import { html, SafeHtml } from '../../platform/http/page';
import { Brand, linkFormPage, LinkProblem, linkProblemPage } from '../link-pages';
import { Locale, localeOr } from '../../platform/locale';
import { defineTexts } from '../../platform/translations';
import { SCORES } from './trust-question.preparer';
import { MAX_TRUST_COMMENT_LENGTH, TrustAnswerState } from './trust-questions.service';

const EN = {
  title: 'Do we act in your interest?',
  legend: 'Your answer, from 1 (not at all) to 5 (completely)',
  score: (n: number) =>
    ['', '1 – not at all', '2 – mostly not', '3 – partly', '4 – mostly', '5 – completely'][n] ??
    String(n),
  comment: 'Anything you would like to tell us? (optional)',
  showAddress: 'You may show my email address with my comment',
  showAddressHint: 'Off: the people who read comments do not see who wrote them.',
  send: 'Send my answer',
  change: 'Change my answer',
  thanks: 'Thank you',
  recorded: (score: number) => `We recorded your answer: ${score} out of 5.`,
  current: (score: number) =>
    `Your current answer is ${score} out of 5. You can change it or add a comment; we count one answer per email.`,
  scanner:
    'Your answer is recorded only when you press the button, so a mail scanner that opens links cannot answer for you.',
  invalidTitle: 'This link is not valid',
  invalidBody: 'The link may have been cut off or changed. Please use the link in the email.',
  expiredTitle: 'This link has expired',
  expiredBody: 'These links work for six months after an email is sent.',
  missingTitle: 'Email not found',
  missingBody: 'The email this link is about no longer exists.',
  formTitle: 'Please try again',
  formBody:
    'This form has expired or did not come from this page. Open the link from the email again.',
};

/** The trust question's pages: built in for nl and en, `LOCALE_DIR/<locale>.json` `trustQuestion` else. */
const trustTexts = defineTexts<typeof EN>('trustQuestion', {
  en: EN,
  nl: {
    title: 'Handelen wij in jouw belang?',
    legend: 'Je antwoord, van 1 (helemaal niet) tot 5 (helemaal wel)',
    score: (n: number) =>
      [
        '',
        '1 – helemaal niet',
        '2 – meestal niet',
        '3 – deels',
        '4 – meestal wel',
        '5 – helemaal wel',
      ][n] ?? String(n),
    comment: 'Wil je ons nog iets vertellen? (niet verplicht)',
    showAddress: 'Jullie mogen mijn e-mailadres bij mijn opmerking tonen',
    showAddressHint: 'Uit: wie de opmerkingen leest, ziet niet van wie ze komen.',
    send: 'Verstuur mijn antwoord',
    change: 'Wijzig mijn antwoord',
    thanks: 'Bedankt',
    recorded: (score: number) => `We hebben je antwoord vastgelegd: ${score} van de 5.`,
    current: (score: number) =>
      `Je huidige antwoord is ${score} van de 5. Je kunt het wijzigen of een opmerking toevoegen; we tellen één antwoord per e-mail.`,
    scanner:
      'Je antwoord wordt pas vastgelegd als je op de knop drukt, zodat een mailscanner die links opent niet voor jou kan antwoorden.',
    invalidTitle: 'Deze link is niet geldig',
    invalidBody: 'De link is misschien afgebroken of gewijzigd. Gebruik de link in de e-mail.',
    expiredTitle: 'Deze link is verlopen',
    expiredBody: 'Deze links werken tot zes maanden nadat een e-mail is verstuurd.',
    missingTitle: 'E-mail niet gevonden',
    missingBody: 'De e-mail waar deze link over gaat bestaat niet meer.',
    formTitle: 'Probeer het opnieuw',
    formBody:
      'Dit formulier is verlopen of kwam niet van deze pagina. Open de link uit de e-mail opnieuw.',
  },
});

/**
 * The landing page of the five score links: the score from the link pre-selected, an optional
 * comment, the "show my address" choice (off unless the subscriber ticked it), one button. Plain
 * HTML form: it works without JavaScript. The GET that shows it records nothing.
 */
export function trustQuestionPage(
  token: string,
  state: TrustAnswerState,
  brand: Brand,
  options: { preselect?: number; justRecorded?: boolean; error?: string },
): string {
  const t = trustTexts(state.locale);
  const selected = options.preselect ?? state.answer?.score;
  const radio = (score: number) =>
    html`<label class="choice"
      ><input
        type="radio"
        name="score"
        value="${String(score)}"
        ${selected === score ? new SafeHtml('checked') : ''}
        required
      />
      ${t.score(score)}</label
    >`;
  let intro: SafeHtml = html``;
  if (options.justRecorded && state.answer) {
    intro = html`<p class="notice" role="status">${t.recorded(state.answer.score)}</p>`;
  } else if (state.answer) {
    intro = html`<p>${t.current(state.answer.score)}</p>`;
  }
  const body = html`<h1>${options.justRecorded ? t.thanks : t.title}</h1>
    ${intro} ${options.error ? html`<p class="error" role="alert">${options.error}</p>` : ''}
    <form method="post" action="/t/${token}">
      <input type="hidden" name="form" value="${state.formToken}" />
      <fieldset>
        <legend>${t.legend}</legend>
        ${SCORES.map((s) => radio(s))}
      </fieldset>
      <p>
        <label for="comment">${t.comment}</label><br />
        <textarea id="comment" name="comment" rows="4" maxlength="${MAX_TRUST_COMMENT_LENGTH}">
${state.answer?.comment ?? ''}</textarea>
      </p>
      <p>
        <label
          ><input
            type="checkbox"
            name="showAddress"
            value="yes"
            ${state.answer?.showAddress ? new SafeHtml('checked') : ''}
          />
          ${t.showAddress}</label
        ><br /><span class="muted">${t.showAddressHint}</span>
      </p>
      <button type="submit">${state.answer ? t.change : t.send}</button>
    </form>
    <p class="muted">${t.scanner}</p>`;
  return linkFormPage(t.title, state.locale, body, brand);
}

/** The page for a link that cannot be used (link-pages.ts says which and why). */
export function trustProblemPage(
  problem: LinkProblem,
  brand: Brand,
  locale: Locale = localeOr('en'),
): string {
  return linkProblemPage(trustTexts(locale), problem, brand, locale);
}
