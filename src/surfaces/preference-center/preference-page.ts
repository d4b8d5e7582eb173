import { html, SafeHtml } from '../../platform/http/page';
import { frequencyLabel } from '../../audience/topics/frequency';
import { Frequency, FREQUENCIES } from '../../audience/topics/topic.entity';
import { FRESH_LINK_HOURS } from './fresh-link.service';
import { CSRF_FIELD } from './link-security';
import { formatDate, formatDateTime } from './page-frame';
import { PAUSE_DAYS } from './preference-forms.dto';
import { PreferenceView, TopicChoice } from './preferences.service';
import { DONE_CODES, DoneCode, PageTexts, TEXTS } from './texts/texts';
import { Locale } from '../../platform/locale';

export interface PreferencePageOptions {
  locale: Locale;
  csrf: string;
  freshLinkHours: number;
  done?: string;
  doneTopic?: string;
}

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

/** The preference center's main page. */
export function preferencePage(
  view: PreferenceView,
  o: PreferencePageOptions,
): { title: string; body: SafeHtml } {
  const t = TEXTS[o.locale];
  const { access } = view;
  const s = access.subscriber;
  const base = `/p/${access.token}`;
  const paused =
    s.pausedUntil && s.pausedUntil.getTime() > access.now.getTime() ? s.pausedUntil : null;
  const date = (d: Date) => formatDate(d, s.timezone, o.locale);
  const form = (path: string, content: SafeHtml, cssClass = '') =>
    linkForm(`${base}${path}`, o.locale, o.csrf, content, cssClass);
  const blocked = s.status === 'bounced' || s.status === 'complained';
  const anyCurrent = view.topics.some((x) => x.status === 'active' || x.status === 'pending');

  const banners: SafeHtml[] = [];
  const done = doneMessage(view, o, t);
  if (done) banners.push(html`<div class="notice" role="status" id="done">${done}</div>`);
  if (s.status === 'unsubscribed')
    banners.push(html`<div class="notice warn">${t.statusUnsubscribed}</div>`);
  if (s.status === 'pending') banners.push(html`<div class="notice warn">${t.statusPending}</div>`);
  if (blocked) banners.push(html`<div class="notice error">${t.statusBlocked}</div>`);
  if (paused) banners.push(html`<div class="notice warn">${t.statusPaused(date(paused))}</div>`);

  const topicCard = (x: TopicChoice): SafeHtml => {
    const current = x.status === 'active' || x.status === 'pending';
    const headingId = `topic-${x.key}`;
    const badge = current
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
    let controls: SafeHtml = html``;
    if (current && x.frequency) {
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
          ${form(
            '/topics',
            html`<input type="hidden" name="topic" value="${x.key}" />
              <input type="hidden" name="change" value="leave" />
              <button type="submit" class="secondary">${t.leave}${sr}</button>`,
          )}
        </div>
        ${
          !access.fresh && allowed.length < x.allowedFrequencies.length
            ? html`<p class="muted">${t.lowerOnlyNote}</p>`
            : html``
        }`;
    } else if (x.joinable && access.fresh) {
      controls = form(
        '/topics',
        html`<input type="hidden" name="topic" value="${x.key}" />
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
    return html`<section class="card ${current ? '' : 'off'}" aria-labelledby="${headingId}">
      <h3 id="${headingId}">${x.name} ${badge}</h3>
      ${x.description ? html`<p>${x.description}</p>` : html``} ${controls}
    </section>`;
  };

  const needsFresh =
    !access.fresh && !blocked && view.topics.some((x) => x.joinable || x.frequency !== null);
  const topics = html`<h2 id="topics">${t.topicsHeading}</h2>
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

  const notices = html`<h2 id="notices">${t.noticesHeading}</h2>
    <p class="muted">${t.noticesIntro}</p>
    ${
      view.notices.length
        ? html`<ul>
            ${view.notices.map((n) => html`<li>${n.description} <span class="muted">(${date(n.plannedAt)})</span></li>`)}
          </ul>`
        : html`<p>${t.noNotices}</p>`
    }`;

  const pause = html`<h2 id="pause">${t.pauseHeading}</h2>
    <p class="muted">${t.pauseIntro}</p>
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
    }`;

  const everything =
    s.status === 'unsubscribed' && !anyCurrent
      ? html`<p>${t.alreadyUnsubscribedAll}</p>`
      : form(
          '/unsubscribe-all',
          html`<button type="submit" class="danger">${t.unsubscribeAllButton}</button>`,
        );
  const unsubscribe = html`<h2 id="unsubscribe">${t.unsubscribeAllHeading}</h2>
    <p class="muted">${t.unsubscribeAllIntro}</p>
    ${everything}`;

  const history = html`<h2 id="history">${t.historyHeading}</h2>
    <p class="muted">${t.historyIntro}</p>
    ${
      view.history.length
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
                ${view.history.map(
                  (e) =>
                    html`<tr>
                      <td data-label="${t.colWhen}">
                        ${formatDateTime(e.occurredAt, s.timezone, o.locale)}
                      </td>
                      <td data-label="${t.colWhat}">${t.actions[e.action] ?? e.action}</td>
                      <td data-label="${t.colTopic}">${e.topicName ?? t.allTopics}</td>
                      <td data-label="${t.colWording}">
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

  const d = t.dataItems;
  const dates = Object.entries(view.dates);
  const attributes = Object.keys(s.attributes ?? {});
  const subscribed = view.topics.filter((x) => x.status === 'active' || x.status === 'pending');
  const item = (label: string, value: string, why: string) =>
    html`<dt>${label}</dt>
      <dd><strong>${value}</strong></dd>
      <dd class="muted">${why}</dd>`;
  const data = html`<h2 id="data">${t.dataHeading}</h2>
    <p class="muted">${t.dataIntro}</p>
    <dl class="kept">
      ${item(d.email.label, s.email ?? '', d.email.why)}
      ${item(d.name.label, s.name ?? t.notGiven, d.name.why)}
      ${item(d.localeZone.label, `${TEXTS[s.locale].languageName}, ${s.timezone}`, d.localeZone.why)}
      ${item(d.customer.label, s.isCustomer ? t.customerYes : t.customerNo, d.customer.why)}
      ${item(d.dates.label, dates.length ? dates.map(([k, v]) => `${k}: ${v}`).join(', ') : t.none, d.dates.why)}
      ${item(d.attributes.label, attributes.length ? attributes.join(', ') : t.none, d.attributes.why)}
      ${item(
        d.subscriptions.label,
        subscribed.length
          ? subscribed
              .map((x) => `${x.name} (${frequencyLabel(x.frequency!, o.locale)})`)
              .join(', ')
          : t.none,
        d.subscriptions.why,
      )}
      ${item(d.pause.label, paused ? date(paused) : t.notPaused, d.pause.why)}
      ${item(d.consent.label, t.consentCount(view.history.length), d.consent.why)}
      ${item(d.messages.label, t.messagesCount(view.messageCount), d.messages.why)}
    </dl>
    <p class="muted">${t.retention}</p>
    <p><a class="button secondary" href="${base}/export" download>${t.downloadButton}</a></p>`;

  const erase = html`<h2 id="erase">${t.eraseHeading}</h2>
    <p class="muted">${t.eraseIntro}</p>
    <p><a href="${base}/erase?lang=${o.locale}">${t.eraseLink}</a></p>`;

  return {
    title: t.title,
    body: html`<h1>${t.title}</h1>
      <p>${t.intro(s.email ?? '')}</p>
      ${banners} ${topics} ${notices} ${pause} ${unsubscribe} ${history} ${data} ${erase}`,
  };
}

/** The confirmation banner; its facts come from the current state, never from the URL. */
function doneMessage(view: PreferenceView, o: PreferencePageOptions, t: PageTexts): string | null {
  if (!o.done || !(DONE_CODES as readonly string[]).includes(o.done)) return null;
  const code = o.done as DoneCode;
  const s = view.access.subscriber;
  const topic = view.topics.find((x) => x.key === o.doneTopic);
  let extra = '';
  if (code === 'frequency_changed' || code === 'joined' || code === 'left') {
    if (!topic) return null;
    if (topic.frequency) extra = frequencyLabel(topic.frequency, o.locale);
  }
  if (code === 'paused') {
    if (!s.pausedUntil) return null;
    extra = formatDate(s.pausedUntil, s.timezone, o.locale);
  }
  if (code === 'fresh_link_sent') extra = String(FRESH_LINK_HOURS);
  return t.done[code](topic?.name ?? '', extra);
}
