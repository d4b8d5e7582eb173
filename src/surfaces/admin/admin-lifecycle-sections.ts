import { html, SafeHtml } from '../../platform/http/page';
import { AUDIT_REASONS, AUDIT_STATUSES } from '../../trust/reports/lifecycle-report.dto';
import type { DashboardData } from './admin-dashboard.service';

/** What each audit reason means, in the marketer's words (the table's legend and filter). */
export const REASON_LABELS: Record<string, string> = {
  rule_disabled: 'rule disabled',
  no_valid_address: 'no valid address',
  suppressed: 'address suppressed',
  left_topic: 'left the notice topic',
  not_subscribed: 'not subscribed (or not confirmed)',
  deadline_missed: 'deadline missed',
  deadline_passed: 'deadline passed before it was promised',
  delivery_failed: 'delivery failed',
  not_picked_up: 'nothing would write it (check the engine)',
  other: 'other',
  paused: 'after the pause',
  paused_past_deadline: 'sent during the pause (deadline inside it)',
};

const STATUS_LABELS: Record<string, string> = {
  none: 'no notice',
  scheduled: 'scheduled',
  sent: 'sent',
};

const when = (d: Date | string | null) =>
  d ? new Date(d).toISOString().replace('T', ' ').slice(0, 16) : '–';
const counts = (byKey: Record<string, number>, labels: Record<string, string> = {}) => {
  const entries = Object.entries(byKey);
  return entries.length ? entries.map(([k, n]) => `${labels[k] ?? k} ${n}`).join(', ') : '–';
};
const selected = (on: boolean) => (on ? new SafeHtml('selected') : '');

/** Sends, votes, unsubscribes, missed deadlines and lead times per lifecycle rule. */
export function rulesSection(d: DashboardData): SafeHtml {
  return html`<section>
    <h2>Per lifecycle rule</h2>
    <p class="muted">
      Sent includes apologies. Lead time: the median number of days between sending a date notice
      and the date it is about.
    </p>
    <table id="rules">
      <thead>
        <tr>
          <th>Rule</th>
          <th>Trigger</th>
          <th class="n">Sent</th>
          <th class="n">Apologies</th>
          <th class="n">Useful</th>
          <th class="n">Not useful</th>
          <th class="n">Unsubscribes</th>
          <th class="n">Complaints</th>
          <th class="n">Missed deadlines</th>
          <th class="n">Median lead (days)</th>
          <th>Skipped</th>
        </tr>
      </thead>
      <tbody>
        ${
          d.rules.length
            ? d.rules.map(
                (r) =>
                  html`<tr data-rule="${r.rule.key}">
                    <td>
                      ${r.rule.name} <code>${r.rule.key}</code>${
                        r.rule.enabled ? '' : html` <span class="muted">(disabled)</span>`
                      }
                    </td>
                    <td>${r.rule.triggerType}</td>
                    <td class="n">${r.sent}</td>
                    <td class="n">${r.apologiesSent}</td>
                    <td class="n">${r.helpful}</td>
                    <td class="n">${r.unhelpful}</td>
                    <td class="n">${r.unsubscribes}</td>
                    <td class="n">${r.complaints}</td>
                    <td class="n">${r.missedDeadlines}</td>
                    <td class="n">${r.medianLeadDays ?? '–'}</td>
                    <td>${counts(r.skipped)}</td>
                  </tr>`,
              )
            : html`<tr>
                <td colspan="11" class="muted">No lifecycle rules.</td>
              </tr>`
        }
      </tbody>
    </table>
  </section>`;
}

/** Missed deadlines of the period: per rule, and the most recent ones. */
export function missedSection(d: DashboardData): SafeHtml {
  const m = d.missed;
  return html`<section id="missed-deadlines">
    <h2>Missed deadlines</h2>
    <p class="muted">
      Notices whose deadline passed before they were delivered, in this period. Each one is marked,
      answered with the rule’s apology, and alerted.
    </p>
    <table id="missed-by-rule">
      <thead>
        <tr>
          <th>Rule</th>
          <th class="n">Missed</th>
          <th>Causes</th>
          <th>Apologies</th>
        </tr>
      </thead>
      <tbody>
        ${
          m.byRule.length
            ? m.byRule.map(
                (r) =>
                  html`<tr>
                    <td>${r.rule.name} <code>${r.rule.key}</code></td>
                    <td class="n">${r.missed}</td>
                    <td>${counts(r.byCause)}</td>
                    <td>${counts(r.apologies)}</td>
                  </tr>`,
              )
            : html`<tr>
                <td colspan="4" class="muted">None: every notice arrived before its deadline.</td>
              </tr>`
        }
      </tbody>
    </table>
    ${
      m.items.length
        ? html`<h3>Most recent</h3>
            <table id="missed-list">
              <thead>
                <tr>
                  <th>Detected (UTC)</th>
                  <th>Rule</th>
                  <th>Subscriber</th>
                  <th>About</th>
                  <th>Deadline (UTC)</th>
                  <th>Cause</th>
                  <th>Apology</th>
                </tr>
              </thead>
              <tbody>
                ${m.items.map(
                  (x) =>
                    html`<tr>
                      <td>${when(x.detectedAt)}</td>
                      <td><code>${x.rule.key}</code></td>
                      <td><code>${x.subscriberId}</code></td>
                      <td>${x.anchor ?? '–'}</td>
                      <td>${when(x.deadlineAt)}</td>
                      <td>${x.cause}</td>
                      <td>${x.apology.status}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        : ''
    }
  </section>`;
}

/** The link to the first page or the next one, keeping the filters and the period. */
function auditHref(d: DashboardData, cursor?: string): string {
  const q = new URLSearchParams({ days: String(d.days) });
  const f = d.audit.filter;
  if (f.rule) q.set('audit_rule', f.rule);
  q.set('audit_status', f.status ?? '');
  if (f.reason) q.set('audit_reason', f.reason);
  if (cursor) q.set('audit_cursor', cursor);
  return `/admin?${q.toString()}#audit`;
}

/**
 * The trust audit: counts per rule and reason, a filter form (a plain GET form: it works without
 * JavaScript) and one page of the per-subscriber table.
 */
export function auditSection(d: DashboardData): SafeHtml {
  const a = d.audit;
  const f = a.filter;
  return html`<section id="audit">
    <h2>Trust audit: dates in the next ${a.days} days</h2>
    <p class="muted">
      For every date rule, each subscriber’s date from ${a.window.from} to ${a.window.to} (UTC) and
      whether the notice is sent, scheduled, or will not come, and why.
    </p>
    <table id="audit-counts">
      <thead>
        <tr>
          <th>Rule</th>
          <th class="n">Dates</th>
          <th class="n">Sent</th>
          <th class="n">Scheduled</th>
          <th class="n">No notice</th>
          <th>Reasons</th>
        </tr>
      </thead>
      <tbody>
        ${a.rules.map(
          (r) =>
            html`<tr data-rule="${r.rule.key}">
              <td>${r.rule.name} <code>${r.rule.key}</code></td>
              ${
                r.applicable
                  ? html`<td class="n">${r.dates}</td>
                      <td class="n">${r.sent}</td>
                      <td class="n">${r.scheduled}</td>
                      <td class="n">${r.none}</td>
                      <td>${counts(r.byReason, REASON_LABELS)}</td>`
                  : html`<td colspan="5" class="muted">not applicable: ${r.note ?? ''}</td>`
              }
            </tr>`,
        )}
      </tbody>
    </table>
    <form method="get" action="/admin#audit" id="audit-filter" class="filters">
      <input type="hidden" name="days" value="${d.days}" />
      <div>
        <label for="audit-rule">Rule</label>
        <select id="audit-rule" name="audit_rule">
          <option value="">All date rules</option>
          ${a.ruleOptions.map(
            (r) =>
              html`<option value="${r.key}" ${selected(r.key === f.rule)}>
                ${r.name} (${r.key})
              </option>`,
          )}
        </select>
      </div>
      <div>
        <label for="audit-status">Outcome</label>
        <select id="audit-status" name="audit_status">
          <option value="" ${selected(f.status === null)}>Any outcome</option>
          ${AUDIT_STATUSES.map(
            (s) =>
              html`<option value="${s}" ${selected(s === f.status)}>${STATUS_LABELS[s]}</option>`,
          )}
        </select>
      </div>
      <div>
        <label for="audit-reason">Reason</label>
        <select id="audit-reason" name="audit_reason">
          <option value="">Any reason</option>
          ${AUDIT_REASONS.map(
            (r) =>
              html`<option value="${r}" ${selected(r === f.reason)}>${REASON_LABELS[r]}</option>`,
          )}
        </select>
      </div>
      <button type="submit">Filter</button>
    </form>
    <table id="audit-table">
      <thead>
        <tr>
          <th>Rule</th>
          <th>Date</th>
          <th>Subscriber</th>
          <th>Outcome</th>
          <th>Reason</th>
          <th>Sends (UTC)</th>
          <th>Deadline (UTC)</th>
        </tr>
      </thead>
      <tbody>
        ${
          a.items.length
            ? a.items.map(
                (x) =>
                  html`<tr data-status="${x.status}" data-reason="${x.reason ?? ''}">
                    <td><code>${x.rule.key}</code></td>
                    <td>${x.date}</td>
                    <td><code>${x.subscriberId}</code></td>
                    <td>${STATUS_LABELS[x.status]}</td>
                    <td>${x.reason ? REASON_LABELS[x.reason] : '–'}</td>
                    <td>${when(x.sendAt)}</td>
                    <td>${when(x.deadlineAt)}</td>
                  </tr>`,
              )
            : html`<tr>
                <td colspan="7" class="muted">No dates match these filters.</td>
              </tr>`
        }
      </tbody>
    </table>
    <p>
      ${a.paged ? html`<a href="${auditHref(d)}">First page</a> ` : ''}
      ${a.nextCursor ? html`<a href="${auditHref(d, a.nextCursor)}" rel="next">Next page</a>` : ''}
    </p>
  </section>`;
}
