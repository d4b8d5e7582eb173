import { html, SafeHtml } from '../../platform/http/page';
import { FORM_WORDING } from '../../programmes/signup/form-wording';
import { frequencyLabel } from '../../audience/topics/frequency';
import type { Topic } from '../../audience/topics/topic.entity';
import { TEXTS } from './texts/texts';
import { Locale } from '../../platform/locale';

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The embeddable subscribe form. One select per topic, all named `topics` (`key:frequency`, or
 * empty for "not for me"), so it works without JavaScript and POST /subscribe reads it as is.
 * It shows the exact consent wording that sign-up records for this language.
 */
export function subscribeFormPage(
  locale: Locale,
  topics: Topic[],
): { title: string; body: SafeHtml } {
  const t = TEXTS[locale];
  const fields = topics.map(
    (x) =>
      html`<div class="card">
        <label for="topic-${x.key}">${t.topicSelectLabel(x.name)}</label>
        ${x.description ? html`<p class="muted" id="topic-${x.key}-about">${x.description}</p>` : html``}
        <select
          id="topic-${x.key}"
          name="topics"
          ${new SafeHtml(x.description ? `aria-describedby="topic-${x.key}-about"` : '')}
        >
          <option value="">${t.notForMe}</option>
          ${x.allowedFrequencies.map(
            (f) =>
              html`<option value="${x.key}:${f}">${capitalise(frequencyLabel(f, locale))}</option>`,
          )}
        </select>
      </div>`,
  );
  const body = topics.length
    ? html`<form method="post" action="/subscribe">
        <input type="hidden" name="locale" value="${locale}" />
        <div class="field">
          <label for="email">${t.emailLabel}</label>
          <input
            id="email"
            type="email"
            name="email"
            required
            autocomplete="email"
            maxlength="254"
          />
        </div>
        <div class="field">
          <label for="name">${t.nameLabel}</label>
          <input id="name" type="text" name="name" autocomplete="name" maxlength="200" />
        </div>
        ${fields}
        <p class="muted" id="consent-wording">${FORM_WORDING[locale]}</p>
        <button type="submit" aria-describedby="consent-wording">${t.subscribeButton}</button>
      </form>`
    : html`<p>${t.noPublicTopics}</p>`;
  return {
    title: t.subscribeTitle,
    body: html`<h1>${t.subscribeTitle}</h1>
      <p>${t.subscribeIntro}</p>
      ${body}`,
  };
}
