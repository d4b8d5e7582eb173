import { html, SafeHtml } from '../../platform/http/page';
import type {
  KindFiguresDto,
  NoticeFiguresDto,
  PreferenceFiguresDto,
  RegularFiguresDto,
} from '../../trust/reports/trust-by-kind.dto';
import type { DashboardData } from './admin-dashboard.service';

const dash = (v: number | null) => (v === null ? '–' : String(v));
const percent = (v: number | null) => (v === null ? '–' : `${Math.round(v * 1000) / 10}%`);
const name = (x: { name: string; key: string } | null, none: string) =>
  x ? html`${x.name} <code>${x.key}</code>` : html`<span class="muted">${none}</span>`;

/** The month before and after `month` (`YYYY-MM`). */
function around(month: string): [string, string] {
  const [y, m] = month.split('-').map(Number);
  const at = (i: number) => new Date(Date.UTC(y, m - 1 + i, 1)).toISOString().slice(0, 7);
  return [at(-1), at(1)];
}

function votes(f: KindFiguresDto): SafeHtml {
  return html`<td class="n">${f.sent}</td>
    <td class="n">${f.helpful}</td>
    <td class="n">${f.unhelpful}</td>`;
}

function noticeCells(f: NoticeFiguresDto): SafeHtml {
  return html`${votes(f)}
    <td class="n">${dash(f.medianLeadDays)}</td>
    <td class="n">${dash(f.medianDeadlineMarginDays)}</td>
    <td class="n">${f.missedDeadlines}</td>`;
}

function regularCells(f: RegularFiguresDto): SafeHtml {
  return html`${votes(f)}
    <td class="n">${f.unsubscribes} (${dash(f.unsubscribesPerThousand)})</td>
    <td class="n">${f.complaints} (${dash(f.complaintsPerThousand)})</td>`;
}

function preferenceCells(f: PreferenceFiguresDto): SafeHtml {
  return html`<td class="n">${f.lowered}</td>
    <td class="n">${f.raised}</td>
    <td class="n">${f.left}</td>
    <td class="n">${percent(f.loweredShare)}</td>`;
}

/**
 * Trust per kind of contact for one month (the same report as /v1/reports/trust-by-kind): a
 * fitting measure per kind. The month is a plain GET form (`kinds_month`), so it works without
 * JavaScript; the tables scroll inside the section on a narrow screen.
 */
export function kindsSection(d: DashboardData): SafeHtml {
  const k = d.kinds;
  const [before, after] = around(k.month);
  const href = (month: string) => `/admin?days=${d.days}&kinds_month=${month}#trust-by-kind`;
  const c = k.welcome.cohort;
  const regular = [
    ...(k.digests?.rows ?? []).map((r) => ({ kind: 'Digest', ...r })),
    ...(k.campaigns?.rows ?? []).map((r) => ({ kind: 'Campaign', ...r })),
  ];
  return html`<section id="trust-by-kind">
    <h2>Trust per kind of contact: ${k.month}</h2>
    <form method="get" action="/admin#trust-by-kind" class="filters">
      <input type="hidden" name="days" value="${d.days}" />
      <div>
        <label for="kinds-month">Month (UTC, YYYY-MM)</label>
        <input
          id="kinds-month"
          name="kinds_month"
          value="${k.month}"
          pattern="[0-9]{4}-[0-9]{2}"
          inputmode="numeric"
          size="8"
        />
      </div>
      <button type="submit">Show</button>
      <a href="${href(before)}">Previous month</a>
      <a href="${href(after)}">Next month</a>
    </form>

    <h3>Notices</h3>
    <p class="muted">
      Lead: median days between sending a date notice and its date. Margin: median days between
      sending a notice and its deadline (negative: after it).
    </p>
    <table id="kinds-notices">
      <thead>
        <tr>
          <th>Topic</th>
          <th>Rule</th>
          <th class="n">Sent</th>
          <th class="n">Useful</th>
          <th class="n">Not useful</th>
          <th class="n">Lead (days)</th>
          <th class="n">Margin (days)</th>
          <th class="n">Missed deadlines</th>
        </tr>
      </thead>
      <tbody>
        ${k.notices.rows.map(
          (r) =>
            html`<tr>
              <td>${name(r.topic, 'no topic')}</td>
              <td>${name(r.rule, 'sent by the API')}</td>
              ${noticeCells(r)}
            </tr>`,
        )}
        <tr>
          <th colspan="2">All notices</th>
          ${noticeCells(k.notices.totals)}
        </tr>
      </tbody>
    </table>

    <h3>Digests and campaigns</h3>
    <p class="muted">
      Unsubscribes (opt-outs within 7 days of a send) and complaints, with the rate per thousand
      sent in brackets. Below a thousand sent, one person moves the rate by more than 1.
    </p>
    <table id="kinds-regular">
      <thead>
        <tr>
          <th>Kind</th>
          <th>Topic</th>
          <th class="n">Sent</th>
          <th class="n">Useful</th>
          <th class="n">Not useful</th>
          <th class="n">Unsubscribes (‰)</th>
          <th class="n">Complaints (‰)</th>
        </tr>
      </thead>
      <tbody>
        ${regular.map(
          (r) =>
            html`<tr>
              <td>${r.kind}</td>
              <td>${name(r.topic, 'no topic')}</td>
              ${regularCells(r)}
            </tr>`,
        )}
        ${
          k.digests
            ? html`<tr>
                <th colspan="2">All digests</th>
                ${regularCells(k.digests.totals)}
              </tr>`
            : ''
        }
        ${
          k.campaigns
            ? html`<tr>
                <th colspan="2">All campaigns</th>
                ${regularCells(k.campaigns.totals)}
              </tr>`
            : ''
        }
      </tbody>
    </table>

    <h3>Welcome</h3>
    ${
      c
        ? html`<table id="kinds-welcome">
            <tbody>
              <tr>
                <th>Confirmed in the month</th>
                <td class="n">${c.confirmed}</td>
              </tr>
              <tr>
                <th>Got a message after confirming</th>
                <td class="n">${c.withMessage}</td>
              </tr>
              <tr>
                <th>Minutes to the first message (median / longest)</th>
                <td class="n">
                  ${dash(c.medianMinutesToFirstMessage)} / ${dash(c.maxMinutesToFirstMessage)}
                </td>
              </tr>
              <tr>
                <th>Left within ${c.earlyWindowDays} days (‰ of confirmed)</th>
                <td class="n">${c.earlyUnsubscribes} (${dash(c.earlyUnsubscribesPerThousand)})</td>
              </tr>
              <tr>
                <th>Still inside those ${c.earlyWindowDays} days</th>
                <td class="n">${c.stillInWindow}</td>
              </tr>
            </tbody>
          </table>`
        : ''
    }
    <table id="kinds-welcome-messages">
      <thead>
        <tr>
          <th>Message</th>
          <th class="n">Sent</th>
          <th class="n">Useful</th>
          <th class="n">Not useful</th>
        </tr>
      </thead>
      <tbody>
        ${k.welcome.rows.map(
          (r) =>
            html`<tr>
              <td>${r.rule ? name(r.rule, '') : 'Welcome email'}</td>
              ${votes(r)}
            </tr>`,
        )}
      </tbody>
    </table>

    ${
      k.preferenceCenter
        ? html`<h3>Preference center</h3>
            <p class="muted">
              Changes on the preference page: to a less frequent choice, to a more frequent one, and
              leaving. Lowered share: lowered / (lowered + left).
            </p>
            <table id="kinds-preferences">
              <thead>
                <tr>
                  <th>Topic</th>
                  <th class="n">Lowered</th>
                  <th class="n">Raised</th>
                  <th class="n">Left</th>
                  <th class="n">Lowered share</th>
                </tr>
              </thead>
              <tbody>
                ${k.preferenceCenter.rows.map(
                  (r) =>
                    html`<tr>
                      <td>${name(r.topic, 'everything')}</td>
                      ${preferenceCells(r)}
                    </tr>`,
                )}
                <tr>
                  <th>All</th>
                  ${preferenceCells(k.preferenceCenter.totals)}
                </tr>
              </tbody>
            </table>`
        : ''
    }
  </section>`;
}
