import { html, SafeHtml } from '../../platform/http/page';
import { ReportFiguresDto } from '../../trust/reports/report.dto';
import type { DashboardData } from './admin-dashboard.service';
import { DASHBOARD_PERIODS } from './admin-dashboard.service';
import { kindsSection } from './admin-kinds-section';
import { auditSection, missedSection, rulesSection } from './admin-lifecycle-sections';

const STYLE = `
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1d2327; background: #f3f4f6; }
  header { background: #0f766e; color: #fff; padding: 0.8rem 1.5rem; display: flex; gap: 1.5rem; align-items: center; flex-wrap: wrap; }
  header strong { font-size: 1.1rem; margin-right: auto; }
  header a { color: #fff; }
  header form { margin: 0; }
  header button { background: transparent; color: #fff; border: 1px solid #fff; border-radius: 6px; padding: 0.25rem 0.8rem; cursor: pointer; font: inherit; }
  main { max-width: 78rem; margin: 1.5rem auto; padding: 0 1.25rem 3rem; }
  h1 { font-size: 1.4rem; margin: 0 0 1rem; }
  h2 { font-size: 1.1rem; margin: 0 0 0.75rem; }
  section { background: #fff; border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.08); padding: 1.1rem 1.25rem; margin-bottom: 1.25rem; overflow-x: auto; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: 1rem; margin-bottom: 1.25rem; }
  .card { background: #fff; border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.08); padding: 0.9rem 1rem; }
  .card .value { font-size: 1.6rem; font-weight: 650; }
  .card .label { color: #4b5563; font-size: 0.85rem; }
  .card.bad { border-left: 4px solid #b91c1c; }
  .card.good { border-left: 4px solid #0f766e; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(24rem, 100%), 1fr)); gap: 1.25rem; }
  .charts section { min-width: 0; }
  .js .chart { position: relative; height: 18rem; }
  table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
  th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
  th { color: #4b5563; font-weight: 600; }
  td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
  code { font-size: 0.82rem; }
  .muted { color: #6b7280; font-size: 0.85rem; }
  .periods a { margin-right: 0.6rem; }
  .periods a[aria-current] { font-weight: 700; color: #1d2327; text-decoration: none; }
  label { display: block; font-weight: 600; margin-bottom: 0.3rem; }
  input[type=password] { width: 100%; padding: 0.55rem; font: inherit; border: 1px solid #9ca3af; border-radius: 6px; }
  .login { max-width: 28rem; margin: 4rem auto; }
  .login button { margin-top: 1rem; background: #0f766e; color: #fff; border: 0; border-radius: 6px; padding: 0.55rem 1.1rem; font: inherit; cursor: pointer; }
  .error { background: #fdecea; padding: 0.6rem 0.8rem; border-radius: 6px; }
  h3 { font-size: 1rem; margin: 1rem 0 0.5rem; }
  .filters { display: flex; gap: 1rem; align-items: flex-end; flex-wrap: wrap; margin: 1rem 0; }
  .filters input { font: inherit; padding: 0.3rem; border: 1px solid #9ca3af; border-radius: 6px; }
  .filters select { font: inherit; padding: 0.3rem; border: 1px solid #9ca3af; border-radius: 6px; }
  .filters button { background: #0f766e; color: #fff; border: 0; border-radius: 6px; padding: 0.4rem 1rem; font: inherit; cursor: pointer; }
`;

function layout(title: string, body: SafeHtml, nav: SafeHtml | '' = ''): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <link rel="icon" href="data:," />
        <title>${title} · Tidings admin</title>
        <style>
          ${new SafeHtml(STYLE)}
        </style>
      </head>
      <body>
        <header><strong>Tidings admin</strong>${nav}</header>
        <main>${body}</main>
      </body>
    </html>`.value;
}

export function loginPage(formToken: string, error?: string): string {
  return layout(
    'Log in',
    html`<section class="login">
      <h1>Log in</h1>
      <p class="muted">
        Use an API key with the <code>admin</code> scope (<code>npm run apikey -- create</code>).
        The browser then keeps a session cookie for 8 hours; the key itself is not stored.
      </p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <form method="post" action="/admin/login">
        <input type="hidden" name="csrf" value="${formToken}" />
        <label for="key">API key</label>
        <input id="key" name="key" type="password" autocomplete="off" required />
        <button type="submit">Log in</button>
      </form>
    </section>`,
  );
}

const pct = (x: number | null, digits = 0) => (x === null ? '–' : `${(x * 100).toFixed(digits)}%`);
const when = (d: Date | null) =>
  d ? new Date(d).toISOString().replace('T', ' ').slice(0, 16) : '–';

function card(value: string | number, label: string, state?: 'good' | 'bad'): SafeHtml {
  return html`<div class="card ${state ?? ''}">
    <div class="value">${value}</div>
    <div class="label">${label}</div>
  </div>`;
}

function skipped(f: ReportFiguresDto): string {
  const entries = Object.entries(f.skipped);
  return entries.length ? entries.map(([r, n]) => `${r} ${n}`).join(', ') : '–';
}

/** Chart data for the browser script; `<` escaped so no value can close the script element. */
function chartData(d: DashboardData): SafeHtml {
  const json = JSON.stringify({
    sends: d.sends,
    helpful: d.topics
      .filter((r) => r.topic)
      .map((r) => ({
        topic: r.topic!.name,
        ratio: r.helpfulRatio,
        votes: r.helpful + r.unhelpful,
      })),
  }).replace(/</g, '\\u003c');
  return new SafeHtml(`<script type="application/json" id="dashboard-data">${json}</script>`);
}

/**
 * The charts' figures as tables, inside each canvas: a browser shows a canvas's content instead
 * of the canvas when scripts do not run, and screen readers read it while the chart is drawn.
 */
function sendsTable(d: DashboardData): SafeHtml {
  return html`<table id="sends-table">
    <thead>
      <tr>
        <th>Day</th>
        ${d.sends.series.map((s) => html`<th class="n">${s.kind}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${d.sends.days.map(
        (day, i) =>
          html`<tr>
            <td>${day}</td>
            ${d.sends.series.map((s) => html`<td class="n">${s.counts[i]}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function helpfulTable(d: DashboardData): SafeHtml {
  const rows = d.topics.filter((r) => r.topic);
  return html`<table id="helpful-table">
    <thead>
      <tr>
        <th>Topic</th>
        <th class="n">Found useful</th>
        <th class="n">Votes</th>
      </tr>
    </thead>
    <tbody>
      ${
        rows.length
          ? rows.map(
              (r) =>
                html`<tr>
                  <td>${r.topic!.name}</td>
                  <td class="n">${pct(r.helpfulRatio)}</td>
                  <td class="n">${r.helpful + r.unhelpful}</td>
                </tr>`,
            )
          : html`<tr>
              <td colspan="3" class="muted">No topics yet.</td>
            </tr>`
      }
    </tbody>
  </table>`;
}

export function dashboardPage(d: DashboardData, formToken: string, keyName: string): string {
  const s = d.summary;
  const t = s.totals;
  const nav = html`<span>Signed in with key “${keyName}”</span>
    <a href="/admin">Dashboard</a>
    <a href="/admin/queues">Queues</a>
    <a href="/docs">API</a>
    <form method="post" action="/admin/logout">
      <input type="hidden" name="csrf" value="${formToken}" />
      <button type="submit">Log out</button>
    </form>`;
  const periods = DASHBOARD_PERIODS.map(
    (days) =>
      html`<a
        href="/admin?days=${days}"
        ${days === d.days ? new SafeHtml('aria-current="page"') : ''}
        >${days} days</a
      >`,
  );
  const body = html`<h1>Trust dashboard</h1>
    <p class="periods">
      Period: ${periods}
      <span class="muted">(days in ${d.timezone})</span>
    </p>
    <div class="cards" id="summary">
      ${card(t.sent, 'messages sent')}
      ${card(pct(t.helpfulRatio), `found useful (${t.helpful + t.unhelpful} votes)`)}
      ${card(t.unsubscribes, 'unsubscribes within 7 days of a send')}
      ${card(
        pct(s.complaintRate.rate, 3),
        `complaint rate (${s.complaintRate.complaints}); guideline under 0.1%`,
        s.complaintRate.withinGuideline ? 'good' : 'bad',
      )}
      ${card(`${t.bounces.hard} / ${t.bounces.soft}`, 'hard / soft bounces')}
      ${card(
        s.confirmedWithoutMessage.count,
        'confirmed opt-ins with no message since (should be 0)',
        s.confirmedWithoutMessage.count ? 'bad' : 'good',
      )}
      ${card(
        s.silentSubscriptions.count,
        'silent subscriptions',
        s.silentSubscriptions.count ? 'bad' : 'good',
      )}
      ${card(
        s.promotionalShare.overCap,
        `subscribers over ${pct(s.promotionalShare.cap)} promotional (${s.promotionalShare.windowDays} days)`,
        s.promotionalShare.overCap ? 'bad' : 'good',
      )}
      ${card(t.missedDeadlines, 'notices that missed their deadline', t.missedDeadlines ? 'bad' : 'good')}
      ${card(
        d.audit.totals.none,
        `upcoming dates (next ${d.audit.days} days) that will get no notice`,
      )}
    </div>
    <div class="charts">
      <section>
        <h2>Sends per day by kind</h2>
        <div class="chart">
          <canvas id="sends-chart" aria-label="Sends per day by kind">${sendsTable(d)}</canvas>
        </div>
      </section>
      <section>
        <h2>Found useful, per topic</h2>
        <div class="chart">
          <canvas id="helpful-chart" aria-label="Share of helpful votes per topic"
            >${helpfulTable(d)}</canvas
          >
        </div>
      </section>
    </div>
    <section>
      <h2>Per topic</h2>
      <table id="topics">
        <thead>
          <tr>
            <th>Topic</th>
            <th class="n">Sent</th>
            <th class="n">Useful</th>
            <th class="n">Not useful</th>
            <th class="n">Unsubscribes</th>
            <th class="n">Complaints</th>
            <th class="n">Bounces (hard/soft)</th>
            <th>Skipped</th>
            <th class="n">Suppressed</th>
            <th class="n">Missed deadlines</th>
            <th class="n">Median lead (days)</th>
          </tr>
        </thead>
        <tbody>
          ${d.topics.map(
            (r) =>
              html`<tr>
                <td>${r.topic ? r.topic.name : html`<span class="muted">no topic</span>`}</td>
                <td class="n">${r.sent}</td>
                <td class="n">${r.helpful}</td>
                <td class="n">${r.unhelpful}</td>
                <td class="n">${r.unsubscribes}</td>
                <td class="n">${r.complaints}</td>
                <td class="n">${r.bounces.hard} / ${r.bounces.soft}</td>
                <td>${skipped(r)}</td>
                <td class="n">${r.suppressed}</td>
                <td class="n">${r.missedDeadlines}</td>
                <td class="n">${r.medianLeadDays ?? '–'}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    ${rulesSection(d)} ${auditSection(d)} ${missedSection(d)} ${kindsSection(d)}
    <section>
      <h2>Promotional share per subscriber</h2>
      <p class="muted">
        ${s.promotionalShare.subscribers} subscribers received mail in the last
        ${s.promotionalShare.windowDays} days.
      </p>
      <table id="promotional-share">
        <thead>
          <tr>
            <th>Promotional share</th>
            <th class="n">Subscribers</th>
          </tr>
        </thead>
        <tbody>
          ${s.promotionalShare.buckets.map(
            (b) =>
              html`<tr>
                <td>${b.label}</td>
                <td class="n">${b.subscribers}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>
    <section>
      <h2>Silent subscriptions</h2>
      <p class="muted">
        Active subscriptions whose chosen period (plus a day) passed without a message in the topic;
        the longest silent first.
      </p>
      <table id="silent">
        <thead>
          <tr>
            <th>Subscriber</th>
            <th>Topic</th>
            <th>Frequency</th>
            <th>Last message</th>
            <th>Due by</th>
          </tr>
        </thead>
        <tbody>
          ${
            d.silent.length
              ? d.silent.map(
                  (x) =>
                    html`<tr>
                      <td><code>${x.subscriberId}</code></td>
                      <td>${x.topicName}</td>
                      <td>${x.frequency}</td>
                      <td>${when(x.lastDeliveredAt)}</td>
                      <td>${when(x.dueBy)}</td>
                    </tr>`,
                )
              : html`<tr>
                  <td colspan="5" class="muted">None: every subscription heard from us in time.</td>
                </tr>`
          }
        </tbody>
      </table>
    </section>
    <section>
      <h2>Recent bounces and complaints</h2>
      <table id="signals">
        <thead>
          <tr>
            <th>When (UTC)</th>
            <th>Type</th>
            <th>Outcome</th>
            <th>Status</th>
            <th>Subscriber</th>
          </tr>
        </thead>
        <tbody>
          ${
            d.signals.length
              ? d.signals.map(
                  (x) =>
                    html`<tr>
                      <td>${when(x.occurredAt)}</td>
                      <td>${x.type}</td>
                      <td>${x.outcome}</td>
                      <td>${x.statusCode ?? '–'}</td>
                      <td><code>${x.subscriberId ?? '–'}</code></td>
                    </tr>`,
                )
              : html`<tr>
                  <td colspan="5" class="muted">None received.</td>
                </tr>`
          }
        </tbody>
      </table>
    </section>
    <section>
      <h2>Recent alerts</h2>
      <table id="alerts">
        <thead>
          <tr>
            <th>When (UTC)</th>
            <th>Kind</th>
            <th>Alert</th>
            <th>Delivered</th>
          </tr>
        </thead>
        <tbody>
          ${
            d.alerts.length
              ? d.alerts.map(
                  (a) =>
                    html`<tr>
                      <td>${when(a.createdAt)}</td>
                      <td>${a.kind}</td>
                      <td>${a.title}</td>
                      <td>${a.delivered ? 'yes' : 'not yet'}</td>
                    </tr>`,
                )
              : html`<tr>
                  <td colspan="4" class="muted">No alerts.</td>
                </tr>`
          }
        </tbody>
      </table>
    </section>
    ${chartData(d)}
    <script src="/admin/assets/chart.umd.min.js"></script>
    <script src="/admin/assets/dashboard.js"></script>`;
  return layout('Dashboard', body, nav);
}
