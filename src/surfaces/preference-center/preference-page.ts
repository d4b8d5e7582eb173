import { html, SafeHtml } from '../../platform/http/page';
import { cadenceLabel, frequencyLabel } from '../../audience/topics/frequency';
import { Frequency, FREQUENCIES } from '../../audience/topics/topic.entity';
import { FRESH_LINK_HOURS } from '../../programmes/fresh-link-mail';
import type { UpcomingNotice } from '../../programmes/upcoming-notices';
import {
  formatCalendarDate,
  formatLocalDate,
  formatLocalDateTime,
  Locale,
} from '../../platform/locale';
import { MAX_EXPECTATION_LENGTH } from '../../trust/questions/expectations.service';
import { CSRF_FIELD } from './link-security';
import { PAUSE_DAYS, WEEKLY_CAP_CHOICES } from './preference-forms.dto';
import { PreferenceView, TopicChoice } from './preferences.service';
import { DONE_CODES, DoneCode, PageTexts, languageName, pageTexts } from './texts/texts';
import { languageSelect, timeZoneSelect } from './time-zone-select';

export interface PreferencePageOptions {
  locale: Locale;
  csrf: string;
  freshLinkHours: number;
  done?: string;
  doneTopic?: string;
  /** The section a change without a topic was made in (`in=`), for "nothing needed changing". */
  doneIn?: string;
  /** The purpose a grant or withdrawal concerned (`purpose=`). */
  donePurpose?: string;
}

/** The page's sections, in order; their ids are the in-page navigation's and the redirects' anchors. */
export const PAGE_SECTIONS = [
  'topics',
  'notices',
  'settings',
  'limit',
  'expectations',
  'pause',
  'unsubscribe',
  'history',
  'purposes',
  'data',
  'erase',
] as const;
export type PageSection = (typeof PAGE_SECTIONS)[number];

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** A POST form on a link page: same-origin action, CSRF token, the page language kept. */
export function linkForm(
  action: string,
  locale: Locale,
  csrf: string,
  content: SafeHtml,
  cssClass = '',
): SafeHtml {
  return html`<form method="post" action="${action}?lang=${locale}" class="${cssClass}">
    <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />${content}
  </form>`;
}

export function freshLinkForm(token: string, t: PageTexts, locale: Locale, csrf: string): SafeHtml {
  return linkForm(
    `/p/${token}/fresh-link`,
    locale,
    csrf,
    html`<button type="submit" class="secondary">${t.freshButton}</button>`,
  );
}

/** "renewal_date" and "planName" as a person writes them: "Renewal date", "Plan name". */
function humanise(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return capitalise(words);
}

/** An attribute's value as text: dates in the page's one format, yes/no, lists. */
function attributeValue(value: unknown, t: PageTexts, zone: string, locale: Locale): string {
  if (value === null || value === undefined || value === '') return t.none;
  if (typeof value === 'boolean') return value ? t.yes : t.no;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return formatCalendarDate(value, locale);
    if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
      const date = new Date(value);
      if (!Number.isNaN(date.getTime())) return formatLocalDate(date, zone, locale);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => attributeValue(v, t, zone, locale)).join(', ');
  return JSON.stringify(value);
}

/**
 * Where a confirmation goes: next to what changed. The redirect's anchor is the same section, so
 * the browser scrolls to it and focuses it (it is focusable), with or without JavaScript.
 */
function doneSection(code: DoneCode, o: PreferencePageOptions, unsubscribed: boolean): PageSection {
  switch (code) {
    case 'frequency_changed':
    case 'joined':
    case 'left':
    case 'fresh_link_sent':
      return 'topics';
    case 'paused':
    case 'resumed':
      return 'pause';
    case 'unsubscribed_all':
      return 'unsubscribe';
    case 'settings_changed':
      return 'settings';
    case 'limit_changed':
      return 'limit';
    case 'expectation_saved':
      return 'expectations';
    case 'purpose_granted':
    case 'purpose_withdrawn':
      return 'purposes';
    case 'unchanged':
      if (o.doneTopic) return 'topics';
      if ((PAGE_SECTIONS as readonly string[]).includes(o.doneIn ?? ''))
        return o.doneIn as PageSection;
      return unsubscribed ? 'unsubscribe' : 'pause';
  }
}

/** The preference center's main page. */
export function preferencePage(
  view: PreferenceView,
  o: PreferencePageOptions,
): { title: string; body: SafeHtml } {
  const t = pageTexts(o.locale);
  const { access } = view;
  const s = access.subscriber;
  const base = `/p/${access.token}`;
  const date = (d: Date) => formatLocalDate(d, s.timezone, o.locale);
  const form = (path: string, content: SafeHtml, cssClass = '') =>
    linkForm(`${base}${path}`, o.locale, o.csrf, content, cssClass);
  const blocked = s.status === 'bounced' || s.status === 'complained';
  const unsubscribed = s.status === 'unsubscribed';
  const current = (x: TopicChoice) => x.status === 'active' || x.status === 'pending';
  const anyCurrent = view.topics.some(current);
  // A pause only matters while something can be sent.
  const paused =
    !unsubscribed && !blocked && s.pausedUntil && s.pausedUntil.getTime() > access.now.getTime()
      ? s.pausedUntil
      : null;
  const joinable = view.topics.some((x) => x.joinable);

  // The confirmation of the change just made, with the id of its section (the redirect's anchor).
  const done = doneMessage(view, o, t);
  const doneIn = done ? doneSection(done.code, o, unsubscribed) : null;
  const heading = (section: PageSection, text: string) =>
    doneIn === section ? html`<h2>${text}</h2>` : html`<h2 id="${section}">${text}</h2>`;
  const confirmation = (section: PageSection) =>
    done && doneIn === section
      ? html`<div
          class="notice done"
          id="${section}"
          role="status"
          aria-live="polite"
          tabindex="-1"
        >
          <p id="done">${done.text}</p>
        </div>`
      : html``;

  // One banner for the subscriber's state, the most important one.
  let state: SafeHtml = html``;
  if (blocked) state = html`<div class="notice error">${t.statusBlocked}</div>`;
  else if (unsubscribed) {
    state =
      joinable && access.fresh
        ? html`<div class="notice warn">${t.statusUnsubscribed}</div>`
        : joinable
          ? html`<div class="notice warn">
              <p>${t.statusUnsubscribedFresh}</p>
              ${freshLinkForm(access.token, t, o.locale, o.csrf)}
            </div>`
          : html`<div class="notice warn">${t.alreadyUnsubscribedAll}</div>`;
  } else if (s.status === 'pending')
    state = html`<div class="notice warn">${t.statusPending}</div>`;
  else if (paused) state = html`<div class="notice warn">${t.statusPaused(date(paused))}</div>`;

  const noticesOf = (key: string) => view.notices.filter((n) => n.topicKey === key);
  const noticeItems = (list: UpcomingNotice[]) =>
    html`<ul class="notices">
      ${list.map((n) => html`<li>${n.description} <span class="muted">(${date(n.plannedAt)})</span></li>`)}
    </ul>`;

  const topicCard = (x: TopicChoice): SafeHtml => {
    const isCurrent = current(x);
    const notice = x.kind === 'notice';
    const headingId = `topic-${x.key}`;
    const badge = isCurrent
      ? html`<span class="badge"
          >${x.status === 'pending' ? t.badgePending : t.badgeSubscribed}</span
        >`
      : html`<span class="badge off">${t.badgeNotSubscribed}</span>`;
    const options = (list: Frequency[], selected: Frequency) =>
      list.map(
        (f) =>
          html`<option value="${f}" ${new SafeHtml(f === selected ? 'selected' : '')}>
            ${capitalise(frequencyLabel(f, o.locale))}
          </option>`,
      );
    const sr = html`<span class="sr-only">${t.srFor(x.name)}</span>`;
    const leave = form(
      '/topics',
      html`<input type="hidden" name="topic" value="${x.key}" />
        <input type="hidden" name="change" value="leave" />
        <button type="submit" class="secondary">${t.leave}${sr}</button>`,
    );
    let controls: SafeHtml = html``;
    if (isCurrent && notice) {
      // Notices follow dates and events, not a frequency: show the ones that will come.
      const list = noticesOf(x.key);
      controls = html`<p class="muted">
          ${capitalise(cadenceLabel('notice', 'monthly', o.locale))}.
        </p>
        ${
          list.length
            ? html`<p>${t.noticeTopicNext}</p>
                ${noticeItems(list)}`
            : html`<p>${t.noticeTopicNone}</p>`
        }
        <div class="actions">${leave}</div>`;
    } else if (isCurrent && x.frequency) {
      const allowed = access.fresh
        ? x.allowedFrequencies
        : x.allowedFrequencies.filter(
            (f) => FREQUENCIES.indexOf(f) >= FREQUENCIES.indexOf(x.frequency!),
          );
      const next = x.nextDueAt
        ? t.nextDue(date(x.nextDueAt)) +
          (paused && x.nextDueAt < paused ? t.nextPausedNote(date(paused)) : '')
        : t.nextUnknown;
      controls = html`<p class="muted">${next}</p>
        <div class="actions">
          ${form(
            '/topics',
            html`<input type="hidden" name="topic" value="${x.key}" />
              <input type="hidden" name="change" value="frequency" />
              <div>
                <label for="freq-${x.key}">${t.howOften}</label>
                <select id="freq-${x.key}" name="frequency">
                  ${options(allowed, x.frequency)}
                </select>
              </div>
              <button type="submit">${t.save}${sr}</button>`,
            'row',
          )}
          ${leave}
        </div>
        ${
          !access.fresh && allowed.length < x.allowedFrequencies.length
            ? html`<p class="muted">${t.lowerOnlyNote}</p>`
            : html``
        }`;
    } else if (x.joinable && access.fresh) {
      controls = form(
        '/topics',
        notice
          ? html`<input type="hidden" name="topic" value="${x.key}" />
              <input type="hidden" name="change" value="join" />
              <div class="row"><button type="submit">${t.join}${sr}</button></div>
              <p class="muted">${t.joinNoticeConsent(x.name)}</p>`
          : html`<input type="hidden" name="topic" value="${x.key}" />
              <input type="hidden" name="change" value="join" />
              <div class="row">
                <div>
                  <label for="freq-${x.key}">${t.howOften}</label>
                  <select id="freq-${x.key}" name="frequency">
                    ${options(x.allowedFrequencies, x.defaultFrequency)}
                  </select>
                </div>
                <button type="submit">${t.join}${sr}</button>
              </div>
              <p class="muted">${t.joinConsent(x.name)}</p>`,
      );
    }
    return html`<section class="card ${isCurrent ? '' : 'off'}" aria-labelledby="${headingId}">
      <h3 id="${headingId}">${x.name} ${badge}</h3>
      ${x.description ? html`<p>${x.description}</p>` : html``} ${controls}
    </section>`;
  };

  // The unsubscribed banner already offers the fresh link when joining is all that is left.
  const needsFresh =
    !access.fresh &&
    !blocked &&
    !unsubscribed &&
    view.topics.some((x) => x.joinable || x.frequency !== null);
  const topics = html`${heading('topics', t.topicsHeading)} ${confirmation('topics')}
    <p class="muted">${t.topicsIntro}</p>
    ${
      needsFresh
        ? html`<div class="notice warn">
            <p>${t.freshNeededIntro(o.freshLinkHours)}</p>
            ${freshLinkForm(access.token, t, o.locale, o.csrf)}
          </div>`
        : html``
    }
    ${view.topics.length ? view.topics.map(topicCard) : html`<p>${t.noTopics}</p>`}`;

  // Notices of a topic are shown in its card; this lists any others.
  const shownInCards = new Set(
    view.topics.filter((x) => x.kind === 'notice' && current(x)).map((x) => x.key),
  );
  const otherNotices = view.notices.filter((n) => !n.topicKey || !shownInCards.has(n.topicKey));
  const notices = otherNotices.length
    ? html`${heading('notices', t.noticesHeading)} ${confirmation('notices')}
        <p class="muted">${t.noticesIntro}</p>
        ${noticeItems(otherNotices)}`
    : null;

  const settings = html`${heading('settings', t.settingsHeading)} ${confirmation('settings')}
    <p class="muted">${t.settingsIntro}</p>
    ${form(
      '/settings',
      html`<div class="row">
          <div>
            <label for="settings-locale">${t.languageLabel}</label>
            ${languageSelect('settings-locale', s.locale)}
          </div>
          <div>
            <label for="settings-timezone">${t.timezoneLabel}</label>
            ${timeZoneSelect('settings-timezone', s.timezone, access.now)}
          </div>
        </div>
        <div class="actions"><button type="submit">${t.settingsButton}</button></div>`,
    )}`;

  // The overall limit across topics: our default, or one of the choices (and theirs, if it was
  // set through the API to another number).
  const caps = [...new Set<number>([...WEEKLY_CAP_CHOICES, ...(s.weeklyCap ? [s.weeklyCap] : [])])];
  const capOption = (value: string, label: string, selected: boolean) =>
    html`<option value="${value}" ${new SafeHtml(selected ? 'selected' : '')}>${label}</option>`;
  const limit = html`${heading('limit', t.limitHeading)} ${confirmation('limit')}
    <p class="muted">${t.limitIntro}</p>
    ${form(
      '/limit',
      html`<div>
          <label for="limit-weekly-cap">${t.limitLabel}</label>
          <select id="limit-weekly-cap" name="weeklyCap">
            ${capOption('', t.limitDefault(view.defaultWeeklyCap), s.weeklyCap === null)}
            ${caps
              .sort((a, b) => a - b)
              .map((n) => capOption(String(n), t.limitChoice(n), s.weeklyCap === n))}
          </select>
        </div>
        <div class="actions"><button type="submit">${t.limitButton}</button></div>`,
    )}`;

  // Free text for the marketer: never shown again here (the export has it), never required.
  const expectations = html`${heading('expectations', t.expectationsHeading)}
    ${confirmation('expectations')}
    <p class="muted">${t.expectationsIntro}</p>
    ${form(
      '/expectations',
      html`<div>
          <label for="expectations-text">${t.expectationsLabel}</label>
          <textarea
            id="expectations-text"
            name="expectation"
            rows="3"
            maxlength="${MAX_EXPECTATION_LENGTH}"
          ></textarea>
        </div>
        <div class="actions"><button type="submit">${t.expectationsButton}</button></div>`,
    )}`;

  const canPause = !unsubscribed && !blocked && anyCurrent;
  const pause = html`${heading('pause', t.pauseHeading)} ${confirmation('pause')}
  ${
    !canPause
      ? html`<p>${t.pauseNothing}</p>`
      : html`<p class="muted">${t.pauseIntro}</p>
          ${paused ? html`<p><strong>${t.pausedUntil(date(paused))}</strong></p>` : html``}
          ${form(
            '/pause',
            html`<fieldset>
                <legend>${t.pauseLegend}</legend>
                ${PAUSE_DAYS.map(
                  (d, i) =>
                    html`<label class="choice"
                      ><input
                        type="radio"
                        name="days"
                        value="${d}"
                        ${new SafeHtml(i === 0 ? 'checked' : '')}
                      />
                      ${t.days(d)}</label
                    >`,
                )}
              </fieldset>
              <div class="actions"><button type="submit">${t.pauseButton}</button></div>`,
          )}
          ${
            paused && access.fresh
              ? form(
                  '/resume',
                  html`<div class="actions">
                    <button type="submit" class="secondary">${t.resumeButton}</button>
                  </div>`,
                )
              : html``
          }`
  }`;

  const everything =
    unsubscribed && !anyCurrent
      ? html`<p>${t.alreadyUnsubscribedAll}</p>`
      : form(
          '/unsubscribe-all',
          html`<button type="submit" class="danger">${t.unsubscribeAllButton}</button>`,
        );
  const unsubscribe = html`${heading('unsubscribe', t.unsubscribeAllHeading)}
    ${confirmation('unsubscribe')}
    <p class="muted">${t.unsubscribeAllIntro}</p>
    ${everything}`;

  // Newest first: what just happened is what people look for.
  const entries = [...view.history].reverse();
  const history = html`${heading('history', t.historyHeading)} ${confirmation('history')}
    <p class="muted">${t.historyIntro}</p>
    ${
      entries.length
        ? html`<div class="table-wrap">
            <table class="stack">
              <thead>
                <tr>
                  <th scope="col">${t.colWhen}</th>
                  <th scope="col">${t.colWhat}</th>
                  <th scope="col">${t.colTopic}</th>
                  <th scope="col">${t.colWording}</th>
                  <th scope="col">${t.colSource}</th>
                </tr>
              </thead>
              <tbody>
                ${entries.map(
                  (e) =>
                    html`<tr>
                      <td data-label="${t.colWhen}">
                        ${formatLocalDateTime(e.occurredAt, s.timezone, o.locale)}
                      </td>
                      <td data-label="${t.colWhat}">${t.actions[e.action] ?? e.action}</td>
                      <td data-label="${t.colTopic}">${e.topicName ?? t.allTopics}</td>
                      <td data-label="${t.colWording}" class="wording">
                        “${e.wording}” <span class="muted">(${t.version(e.wordingVersion)})</span>
                      </td>
                      <td data-label="${t.colSource}">${t.sources[e.source] ?? e.source}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : html`<p>${t.historyEmpty}</p>`
    }`;

  const p = t.purposes;
  const purposeCard = (x: PreferenceView['purposes'][number]) => {
    const headingId = `purpose-${x.purpose}`;
    const consent = x.legalBasis === 'consent';
    const values = x.values.filter((v) => v.kind !== 'event');
    const events = x.values.filter((v) => v.kind === 'event');
    const shown = (v: (typeof values)[number]) =>
      v.kind === 'date' && v.value ? formatCalendarDate(v.value, o.locale) : (v.value ?? '');
    let controls: SafeHtml = html``;
    if (consent && x.inUse) {
      controls = form(
        '/purposes',
        html`<input type="hidden" name="purpose" value="${x.purpose}" />
          <input type="hidden" name="decision" value="withdraw" />
          ${
            x.withdrawalConsequence
              ? html`<p><strong>${p.ifWithdrawn}</strong> ${x.withdrawalConsequence}</p>`
              : html``
          }
          ${x.deleteOnWithdrawal ? html`<p class="muted">${p.deletesData}</p>` : html``}
          <div class="row">
            <button type="submit" class="secondary">
              ${p.withdraw}<span class="sr-only"> (${x.name})</span>
            </button>
          </div>`,
      );
    } else if (consent && access.fresh && !blocked) {
      controls = form(
        '/purposes',
        html`<input type="hidden" name="purpose" value="${x.purpose}" />
          <input type="hidden" name="decision" value="grant" />
          <div class="row">
            <button type="submit">${p.grant}<span class="sr-only"> (${x.name})</span></button>
          </div>`,
      );
    } else if (consent && !blocked) {
      controls = html`<div class="notice warn">
        <p>${t.freshNeededIntro(o.freshLinkHours)}</p>
        ${freshLinkForm(access.token, t, o.locale, o.csrf)}
      </div>`;
    }
    return html`<section class="card ${x.inUse ? '' : 'off'}" aria-labelledby="${headingId}">
      <h3 id="${headingId}">${x.name}</h3>
      ${consent ? html`<p>${x.inUse ? p.on : p.off}</p>` : html``}
      <dl class="kept">
        <dt>${p.covers}</dt>
        <dd>
          ${
            values.length
              ? html`<ul class="plain">
                  ${values.map((v) => html`<li>${humanise(v.name)}: <strong>${shown(v)}</strong></li>`)}
                </ul>`
              : p.noValues
          }
          ${
            events.length
              ? html`<p class="muted">
                  ${p.events}: ${events.map((v) => humanise(v.name)).join(', ')}
                </p>`
              : html``
          }
        </dd>
        ${
          x.explanation
            ? html`<dt>${p.why}</dt>
                <dd>${x.explanation}</dd>`
            : html``
        }
        ${
          x.benefit
            ? html`<dt>${p.gain}</dt>
                <dd>${x.benefit}</dd>`
            : html``
        }
        <dt>${p.basis}</dt>
        <dd>${p.bases[x.legalBasis]}</dd>
      </dl>
      ${controls}
    </section>`;
  };
  const purposes = view.purposes.length
    ? html`${heading('purposes', p.heading)} ${confirmation('purposes')}
        <p class="muted">${p.intro}</p>
        ${view.purposes.map(purposeCard)}`
    : null;

  const d = t.dataItems;
  const labelled = (pairs: Array<[string, string]>): SafeHtml | string =>
    pairs.length
      ? html`<ul class="plain">
          ${pairs.map(([k, v]) => html`<li>${k}: ${v}</li>`)}
        </ul>`
      : t.none;
  const dates = Object.entries(view.dates).map(([k, v]): [string, string] => [
    humanise(k),
    formatCalendarDate(v, o.locale),
  ]);
  const attributes = Object.entries(s.attributes ?? {}).map(([k, v]): [string, string] => [
    humanise(k),
    attributeValue(v, t, s.timezone, o.locale),
  ]);
  const subscribed = view.topics.filter(current);
  const item = (label: string, value: string | SafeHtml, why: string) =>
    html`<dt>${label}</dt>
      <dd>${typeof value === 'string' ? html`<strong>${value}</strong>` : value}</dd>
      <dd class="muted">${why}</dd>`;
  const data = html`${heading('data', t.dataHeading)} ${confirmation('data')}
    <p class="muted">${t.dataIntro}</p>
    <dl class="kept">
      ${item(d.email.label, s.email ?? '', d.email.why)}
      ${item(d.name.label, s.name ?? t.notGiven, d.name.why)}
      ${item(d.localeZone.label, `${languageName(s.locale)}, ${s.timezone}`, d.localeZone.why)}
      ${item(d.customer.label, s.isCustomer ? t.customerYes : t.customerNo, d.customer.why)}
      ${item(d.dates.label, labelled(dates), d.dates.why)}
      ${item(d.attributes.label, labelled(attributes), d.attributes.why)}
      ${item(
        d.subscriptions.label,
        subscribed.length
          ? subscribed
              .map((x) => `${x.name} (${cadenceLabel(x.kind, x.frequency!, o.locale)})`)
              .join(', ')
          : t.none,
        d.subscriptions.why,
      )}
      ${item(d.limit.label, limitText(s.weeklyCap ?? view.defaultWeeklyCap, t), d.limit.why)}
      ${item(d.pause.label, paused ? date(paused) : t.notPaused, d.pause.why)}
      ${item(d.consent.label, t.consentCount(view.history.length), d.consent.why)}
      ${item(d.messages.label, t.messagesCount(view.messageCount), d.messages.why)}
    </dl>
    <p class="muted">${t.retention}</p>
    <p><a class="button secondary" href="${base}/export" download>${t.downloadButton}</a></p>`;

  const erase = html`${heading('erase', t.eraseHeading)} ${confirmation('erase')}
    <p class="muted">${t.eraseIntro}</p>
    <p><a href="${base}/erase?lang=${o.locale}">${t.eraseLink}</a></p>`;

  const sections: Array<[PageSection, SafeHtml | null]> = [
    ['topics', topics],
    ['notices', notices],
    ['settings', settings],
    ['limit', limit],
    ['expectations', expectations],
    ['pause', pause],
    ['unsubscribe', unsubscribe],
    ['history', history],
    ['purposes', purposes],
    ['data', data],
    ['erase', erase],
  ];
  const present = sections.filter((x): x is [PageSection, SafeHtml] => x[1] !== null);
  const toc = html`<nav class="toc" aria-label="${t.tocLabel}">
    <ul>
      ${present.map(([id]) => html`<li><a href="#${id}">${t.toc[id]}</a></li>`)}
    </ul>
  </nav>`;

  return {
    title: t.title,
    body: html`<h1>${t.title}</h1>
      <p>${t.intro(s.email ?? '')}</p>
      ${toc} ${state} ${present.map(([, section]) => section)}`,
  };
}

/** The confirmation of a change; its facts come from the current state, never from the URL. */
function doneMessage(
  view: PreferenceView,
  o: PreferencePageOptions,
  t: PageTexts,
): { code: DoneCode; text: string } | null {
  if (!o.done || !(DONE_CODES as readonly string[]).includes(o.done)) return null;
  const code = o.done as DoneCode;
  const s = view.access.subscriber;
  const topic = view.topics.find((x) => x.key === o.doneTopic);
  const purpose = view.purposes.find((x) => x.purpose === o.donePurpose);
  if ((code === 'purpose_granted' || code === 'purpose_withdrawn') && !purpose) return null;
  let frequency = '';
  if (code === 'frequency_changed' || code === 'joined' || code === 'left') {
    if (!topic) return null;
    if (topic.frequency) frequency = cadenceLabel(topic.kind, topic.frequency, o.locale);
  }
  if (code === 'paused' && !s.pausedUntil) return null;
  const text = t.done[code]({
    topic: topic?.name ?? purpose?.name ?? '',
    frequency,
    date: s.pausedUntil ? formatLocalDate(s.pausedUntil, s.timezone, o.locale) : '',
    hours: FRESH_LINK_HOURS,
    language: t.languageIn[s.locale] ?? languageName(s.locale),
    zone: s.timezone,
    limit: limitText(s.weeklyCap ?? view.defaultWeeklyCap, t),
  });
  return { code, text };
}

function limitText(cap: number | null, t: PageTexts): string {
  return cap === null ? t.limitNone : t.limitChoice(cap);
}
