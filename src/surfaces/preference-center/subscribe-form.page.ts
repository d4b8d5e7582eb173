import { escapeHtml, html, SafeHtml } from '../../platform/http/page';
import { EMAIL_INPUT_PATTERN } from '../../audience/subscribers/subscriber.dto';
import { consentWordings } from '../../programmes/signup/form-wording';
import { frequencyLabel } from '../../audience/topics/frequency';
import type { Topic } from '../../audience/topics/topic.entity';
import { languageName, pageTexts } from './texts/texts';
import { isLocale, Locale, localText } from '../../platform/locale';
import { languageSelect, timeZoneSelect } from './time-zone-select';

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** `<option value="...">Label</option>`, on one line (a plain template: the formatter keeps it). */
const option = (value: string, label: string, selected: boolean) =>
  new SafeHtml(
    `<option value="${escapeHtml(value)}"${selected ? ' selected' : ''}>${escapeHtml(label)}</option>`,
  );

/** The form's fields an error can point at; `form` is the form as a whole. */
export type FormField = 'email' | 'name' | 'topics' | 'timezone' | 'locale' | 'form';

export interface FormError {
  field: FormField;
  message: string;
}

/** What the person typed and chose, to show again with the errors. */
export interface SubscribeFormValues {
  email: string;
  name: string;
  locale: Locale;
  timezone: string;
  /** `key:frequency` choices. */
  topics: string[];
}

export interface SubscribeFormOptions {
  /** The zone chosen when nothing was sent yet (DEFAULT_TIMEZONE); the script sets the browser's. */
  defaultTimezone: string;
  now: Date;
  /** A post that came back with errors: its values are kept. */
  values?: SubscribeFormValues;
  errors?: FormError[];
}

/** The script that puts the browser's time zone into the form (served at SUBSCRIBE_FORM_SCRIPT_PATH). */
export const SUBSCRIBE_FORM_SCRIPT_PATH = '/subscribe/form.js';

/**
 * Without it the form works as well: the language and time zone choice is open and the person
 * picks. With it the zone the browser reports is chosen and the choice folds away, showing what
 * was chosen ("English · Australia/Sydney") with one click to change it. A form that came back
 * with values (`data-chosen`) keeps them; one with errors there stays open (`data-keep-open`).
 */
export const SUBSCRIBE_FORM_SCRIPT = `(function () {
  'use strict';
  var where = document.getElementById('where');
  var zone = document.getElementById('timezone');
  var lang = document.getElementById('locale');
  var now = document.getElementById('where-now');
  if (!where || !zone || !lang || !now) return;
  if (!where.hasAttribute('data-chosen')) {
    var detected = '';
    try { detected = Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { detected = ''; }
    if (detected) {
      var known = false;
      for (var i = 0; i < zone.options.length; i++) if (zone.options[i].value === detected) known = true;
      if (!known) {
        var option = document.createElement('option');
        option.value = detected;
        option.textContent = detected;
        zone.appendChild(option);
      }
      zone.value = detected;
    }
  }
  var show = function () {
    now.textContent = lang.options[lang.selectedIndex].text.trim() + ' \\u00b7 ' + zone.value;
  };
  zone.addEventListener('change', show);
  lang.addEventListener('change', show);
  show();
  if (!where.hasAttribute('data-keep-open')) where.open = false;
})();
`;

/**
 * The embeddable subscribe form. One select per topic, all named `topics` (`key:frequency`, or
 * empty for "not for me"), the language of the emails and the time zone, so it works without
 * JavaScript and POST /subscribe reads it as is. It shows the exact consent wording that sign-up
 * records for this language. After a refused post it comes back with the values kept and each
 * error next to its field, in the page's language.
 */
export function subscribeFormPage(
  locale: Locale,
  topics: Topic[],
  o: SubscribeFormOptions,
): { title: string; body: SafeHtml } {
  const t = pageTexts(locale);
  const v: SubscribeFormValues = o.values ?? {
    email: '',
    name: '',
    locale,
    timezone: o.defaultTimezone,
    topics: [],
  };
  const errors = o.errors ?? [];
  const errorOf = (field: FormField) => errors.find((e) => e.field === field);
  /** aria attributes of a field: invalid, and described by its error (and its hint). */
  const aria = (field: FormField | null, id: string, hint?: string) => {
    const error = field ? errorOf(field) : undefined;
    const describedBy = [error ? `${id}-error` : '', hint ?? ''].filter(Boolean).join(' ');
    return new SafeHtml(
      `${error ? 'aria-invalid="true"' : ''} ${describedBy ? `aria-describedby="${describedBy}"` : ''}`,
    );
  };
  const fieldError = (field: FormField, id: string) => {
    const error = errorOf(field);
    return error ? html`<p class="field-error" id="${id}-error">${error.message}</p>` : html``;
  };

  const fields = topics.map((topic, i) => {
    // The topic's texts in the form's language (else the default locale's).
    const x = {
      ...topic,
      name: localText(topic.names, locale, topic.name),
      description: localText(topic.descriptions, locale, topic.description),
    };
    const id = `topic-${x.key}`;
    const about = x.description ? `${id}-about` : undefined;
    return html`<div class="card">
      <label for="${id}">${t.topicSelectLabel(x.name)}</label>
      ${about ? html`<p class="muted" id="${about}">${x.description}</p>` : html``}
      <select id="${id}" name="topics" ${aria(i === 0 ? 'topics' : null, 'topics', about)}>
        <option value="">${t.notForMe}</option>
        ${x.allowedFrequencies.map((f) => {
          const value = `${x.key}:${f}`;
          return option(value, capitalise(frequencyLabel(f, locale)), v.topics.includes(value));
        })}
      </select>
    </div>`;
  });

  const whereError = errorOf('timezone') ?? errorOf('locale');
  const where = html`<details
    class="field where"
    id="where"
    open
    ${new SafeHtml(o.values ? 'data-chosen' : '')}
    ${new SafeHtml(whereError ? 'data-keep-open' : '')}
  >
    <summary>
      ${t.whereSummary}
      <span id="where-now">${languageName(v.locale)} · ${v.timezone}</span>
    </summary>
    <div class="field">
      <label for="locale">${t.languageLabel}</label>
      ${languageSelect('locale', v.locale, aria('locale', 'locale'))}
      ${fieldError('locale', 'locale')}
    </div>
    <div class="field">
      <label for="timezone">${t.timezoneLabel}</label>
      ${timeZoneSelect('timezone', v.timezone, o.now, aria('timezone', 'timezone', 'timezone-hint'))}
      <p class="muted" id="timezone-hint">${t.timezoneHint}</p>
      ${fieldError('timezone', 'timezone')}
    </div>
  </details>`;

  const summary = errors.length
    ? html`<div class="notice error" id="form-errors" role="alert" tabindex="-1" autofocus>
        <h2>${t.formErrorsTitle}</h2>
        <ul>
          ${errors.map((e) =>
            e.field === 'form'
              ? html`<li>${e.message}</li>`
              : html`<li>
                  <a href="#${e.field === 'topics' ? `topic-${topics[0]?.key ?? ''}` : e.field}"
                    >${e.message}</a
                  >
                </li>`,
          )}
        </ul>
      </div>`
    : html``;

  const body = topics.length
    ? html`<form method="post" action="/subscribe?lang=${locale}">
          ${summary}
          <div class="field">
            <label for="email">${t.emailLabel}</label>
            <input
              id="email"
              type="email"
              name="email"
              required
              autocomplete="email"
              maxlength="254"
              pattern="${EMAIL_INPUT_PATTERN}"
              value="${v.email}"
              ${aria('email', 'email')}
            />
            ${fieldError('email', 'email')}
          </div>
          <div class="field">
            <label for="name">${t.nameLabel}</label>
            <input
              id="name"
              type="text"
              name="name"
              autocomplete="name"
              maxlength="200"
              value="${v.name}"
              ${aria('name', 'name')}
            />
            ${fieldError('name', 'name')}
          </div>
          ${where} ${fieldError('topics', 'topics')} ${fields}
          <p class="muted" id="consent-wording">${consentWordings(locale).form}</p>
          <button type="submit" aria-describedby="consent-wording">${t.subscribeButton}</button>
        </form>
        <script src="${SUBSCRIBE_FORM_SCRIPT_PATH}" defer></script>`
    : html`<p>${t.noPublicTopics}</p>`;
  return {
    title: t.subscribeTitle,
    body: html`<h1>${t.subscribeTitle}</h1>
      <p>${t.subscribeIntro}</p>
      ${body}`,
  };
}

/** The values of a posted form, as far as they can be shown again (anything else is dropped). */
export function postedValues(
  raw: unknown,
  fallbackLocale: Locale,
  defaultTimezone: string,
): SubscribeFormValues {
  const body = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const text = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');
  const list = Array.isArray(body.topics) ? body.topics : [body.topics];
  return {
    email: text(body.email, 254),
    name: text(body.name, 200),
    locale: isLocale(body.locale) ? body.locale : fallbackLocale,
    timezone: text(body.timezone, 100) || defaultTimezone,
    topics: list.filter((x): x is string => typeof x === 'string' && x !== '').slice(0, 50),
  };
}
