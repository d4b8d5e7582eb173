/**
 * The pages behind trust's signed email links ("Was this useful?" in trust/feedback, the trust
 * question in trust/questions): one flow for both. GET shows a form and records nothing (so a mail
 * scanner that opens links cannot answer); the form's POST records; a link that cannot be used
 * gets a page that says why.
 */
import type { Response } from 'express';
import { DomainError } from '../platform/errors/domain-errors';
import { html, renderPage, SafeHtml } from '../platform/http/page';
import type { Locale } from '../platform/locale';

export interface Brand {
  name: string;
  color: string;
}

/** Why a link cannot be used: tampered (401), expired (410), unknown (404), stale form (403). */
export type LinkProblem = 'invalid' | 'expired' | 'missing' | 'form';

const PROBLEM_BY_STATUS: Record<number, LinkProblem> = {
  401: 'invalid',
  403: 'form',
  404: 'missing',
  410: 'expired',
};

/** The words of the problem pages, in one language. */
/** The styles of the one-question form pages (feedback and the trust question). */
const FORM_STYLE = html`<style>
  fieldset {
    border: 0;
    padding: 0;
    margin: 1rem 0;
  }
  legend {
    font-weight: 600;
    margin-bottom: 0.4rem;
  }
  .choice {
    display: block;
    padding: 0.3rem 0;
  }
  textarea {
    width: 100%;
    font: inherit;
  }
  .notice {
    background: #eef7f3;
    padding: 0.6rem 0.8rem;
    border-radius: 6px;
  }
  .error {
    background: #fdecea;
    padding: 0.6rem 0.8rem;
    border-radius: 6px;
  }
</style>`;

/** A one-question form page (feedback, trust question): its body, the shared styles, the brand. */
export function linkFormPage(title: string, lang: Locale, body: SafeHtml, brand: Brand): string {
  return renderPage({
    title,
    lang,
    body: html`${body}${FORM_STYLE}`,
    brandName: brand.name,
    brandColor: brand.color,
  });
}

export interface LinkProblemTexts {
  invalidTitle: string;
  invalidBody: string;
  expiredTitle: string;
  expiredBody: string;
  missingTitle: string;
  missingBody: string;
  formTitle: string;
  formBody: string;
}

export function linkProblemPage(
  t: LinkProblemTexts,
  problem: LinkProblem,
  brand: Brand,
  locale: Locale,
): string {
  const [title, text] = {
    invalid: [t.invalidTitle, t.invalidBody],
    expired: [t.expiredTitle, t.expiredBody],
    missing: [t.missingTitle, t.missingBody],
    form: [t.formTitle, t.formBody],
  }[problem];
  return renderPage({
    title,
    lang: locale,
    body: html`<h1>${title}</h1>
      <p>${text}</p>`,
    brandName: brand.name,
    brandColor: brand.color,
  });
}

export interface LinkFormOptions<P> {
  preselect?: P;
  justRecorded?: boolean;
  error?: string;
}

/** What one kind of link page provides: reading and recording its state, and its pages. */
export interface LinkForm<S, P> {
  open(token: string): Promise<S>;
  record(token: string, body: Record<string, unknown>): Promise<S>;
  form(token: string, state: S, options: LinkFormOptions<P>): string;
  problem(problem: LinkProblem): string;
}

/** GET: the form, with the choice from the link pre-selected. */
export async function showLinkForm<S, P>(
  res: Response,
  page: LinkForm<S, P>,
  token: string,
  preselect?: P,
): Promise<void> {
  privatePage(res);
  try {
    const state = await page.open(token);
    res
      .status(200)
      .type('html')
      .send(page.form(token, state, { preselect }));
  } catch (err) {
    answerProblem(res, page, err);
  }
}

/** POST: record, then show the form with what was recorded; a bad form is shown again to fix. */
export async function submitLinkForm<S, P>(
  res: Response,
  page: LinkForm<S, P>,
  token: string,
  body: Record<string, unknown> | undefined,
): Promise<void> {
  privatePage(res);
  try {
    const state = await page.record(token, body ?? {});
    res
      .status(200)
      .type('html')
      .send(page.form(token, state, { justRecorded: true }));
  } catch (err) {
    if (err instanceof DomainError && (err.status === 400 || err.status === 403)) {
      // Show the form again (with a fresh form value) and say what to fix.
      const state = await page.open(token).catch(() => null);
      if (state) {
        res
          .status(err.status)
          .type('html')
          .send(page.form(token, state, { error: err.message }));
        return;
      }
    }
    answerProblem(res, page, err);
  }
}

function answerProblem<S, P>(res: Response, page: LinkForm<S, P>, err: unknown): void {
  const problem = err instanceof DomainError ? PROBLEM_BY_STATUS[err.status] : undefined;
  if (!problem) throw err;
  res
    .status((err as DomainError).status)
    .type('html')
    .send(page.problem(problem));
}

function privatePage(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Robots-Tag', 'noindex');
}
