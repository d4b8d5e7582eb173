import { html, SafeHtml } from '../../platform/http/page';
import { freshLinkForm, linkForm } from './preference-page';
import { PageTexts, pageTexts } from './texts/texts';
import type { UnsubscribeTarget } from './unsubscribe.service';
import { Locale } from '../../platform/locale';

export interface SimplePage {
  title: string;
  body: SafeHtml;
}

export function erasePage(
  token: string,
  locale: Locale,
  csrf: string,
  fresh: boolean,
  freshLinkHours: number,
): SimplePage {
  const t = pageTexts(locale);
  const back = html`<a href="/p/${token}?lang=${locale}">${t.eraseCancel}</a>`;
  const action = fresh
    ? linkForm(
        `/p/${token}/erase`,
        locale,
        csrf,
        html`<div class="actions">
          <button type="submit" class="danger solid">${t.eraseConfirm}</button> ${back}
        </div>`,
      )
    : html`<div class="notice warn">
          <p>${t.eraseFreshNeeded(freshLinkHours)}</p>
          ${freshLinkForm(token, t, locale, csrf)}
        </div>
        <p>${back}</p>`;
  return {
    title: t.eraseTitle,
    body: html`<h1>${t.eraseTitle}</h1>
      <ul>
        ${t.eraseWhat.map((line) => html`<li>${line}</li>`)}
      </ul>
      ${action}`,
  };
}

export function erasedPage(locale: Locale): SimplePage {
  const t = pageTexts(locale);
  return {
    title: t.erasedTitle,
    body: html`<h1>${t.erasedTitle}</h1>
      <p role="status">${t.erasedBody}</p>`,
  };
}

export function freshSentPage(locale: Locale, hours: number): SimplePage {
  const t = pageTexts(locale);
  return {
    title: t.freshSentTitle,
    body: html`<h1>${t.freshSentTitle}</h1>
      <p role="status">${t.freshSentBody(hours)}</p>`,
  };
}

/** Which address a /u/ page is about, in full as on the preference page. */
function about(t: PageTexts, target: UnsubscribeTarget): SafeHtml {
  return target.email ? html`<p>${t.unsubscribeAbout(target.email)}</p>` : html``;
}

/** The link to the preference page that the same email carried. */
function preferencesLink(locale: Locale, target: UnsubscribeTarget, text: string): SafeHtml {
  const t = pageTexts(locale);
  return target.preferencesToken
    ? html`<p>
        ${text} <a href="/p/${target.preferencesToken}?lang=${locale}">${t.preferencesLink}</a>
      </p>`
    : html``;
}

/** GET /u/TOKEN: says what the button does; only the POST changes anything. */
export function unsubscribePage(
  token: string,
  locale: Locale,
  target: UnsubscribeTarget,
): SimplePage {
  const t = pageTexts(locale);
  if (target.alreadyDone) {
    return {
      title: t.unsubscribedTitle,
      body: html`<h1>${t.unsubscribedTitle}</h1>
        ${about(t, target)}
        <p>
          ${target.topic ? t.unsubscribedAlreadyTopic(target.topic.name) : t.unsubscribedAlreadyAll}
        </p>
        ${preferencesLink(locale, target, t.unsubscribedAfter)}`,
    };
  }
  return {
    title: t.unsubscribeTitle,
    body: html`<h1>${t.unsubscribeTitle}</h1>
      ${about(t, target)}
      <p>
        ${target.topic ? t.unsubscribeTopicQuestion(target.topic.name) : t.unsubscribeAllQuestion}
      </p>
      <form method="post" action="/u/${token}?lang=${locale}">
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit" class="danger solid">${t.unsubscribeButton}</button>
      </form>
      ${preferencesLink(locale, target, t.unsubscribeFewer)}`,
  };
}

/** After the one-click POST: what was left, and the way back (never "fewer emails" any more). */
export function unsubscribedPage(
  locale: Locale,
  target: UnsubscribeTarget,
  changed: boolean,
): SimplePage {
  const t = pageTexts(locale);
  const text = target.topic
    ? changed
      ? t.unsubscribedTopic(target.topic.name)
      : t.unsubscribedAlreadyTopic(target.topic.name)
    : changed
      ? t.unsubscribedAll
      : t.unsubscribedAlreadyAll;
  return {
    title: t.unsubscribedTitle,
    body: html`<h1>${t.unsubscribedTitle}</h1>
      ${about(t, target)}
      <p role="status">${text}</p>
      ${preferencesLink(locale, target, t.unsubscribedAfter)}`,
  };
}

export interface ErrorPageOptions {
  status: number;
  code?: string;
  message?: string;
  /** For an expired or too-old link: the token the "email me a new link" form posts for. */
  freshLink?: { token: string; csrf: string; freshLinkHours: number };
}

/** Clear pages for 400/401/403/404/410/422/429/500; never a stack trace. */
export function errorPage(locale: Locale, o: ErrorPageOptions): SimplePage {
  const t: PageTexts = pageTexts(locale);
  const e = t.errors;
  let title: string;
  let body: string;
  let extra: SafeHtml = html``;
  switch (o.status) {
    case 400:
      [title, body] = [e.badInputTitle, o.message ?? ''];
      break;
    case 401:
      [title, body] = [e.invalidTitle, e.invalidBody];
      break;
    case 403:
      if (o.code === 'fresh_link_required' && o.freshLink) {
        [title, body] = [e.freshTitle, t.freshNeededIntro(o.freshLink.freshLinkHours)];
        extra = freshLinkForm(o.freshLink.token, t, locale, o.freshLink.csrf);
      } else [title, body] = [e.forbiddenTitle, e.forbiddenBody];
      break;
    case 404:
      [title, body] = [e.notFoundTitle, o.message ?? e.notFoundBody];
      break;
    case 410:
      if (o.code === 'erased') [title, body] = [e.goneTitle, e.goneBody];
      else {
        [title, body] = [e.expiredTitle, e.expiredBody];
        if (o.freshLink) {
          extra = linkForm(
            `/p/${o.freshLink.token}/fresh-link`,
            locale,
            o.freshLink.csrf,
            html`<button type="submit">${e.expiredButton}</button>`,
          );
        }
      }
      break;
    case 422:
      [title, body] = [e.ruleTitle, o.message ?? ''];
      break;
    case 429:
      [title, body] = [e.tooManyTitle, e.tooManyBody];
      break;
    default:
      [title, body] = [e.serverTitle, e.serverBody];
  }
  return {
    title,
    body: html`<h1>${title}</h1>
      <p>${body}</p>
      ${extra}
      <p class="muted">${e.nothingChanged}</p>`,
  };
}
