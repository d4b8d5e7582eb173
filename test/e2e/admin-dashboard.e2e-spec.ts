import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { ApiKeysService } from '../../src/surfaces/api/api-keys.service';
import { JobName, QueueName } from '../../src/platform/queue/queues';
import { LedgerService } from '../../src/messaging/delivery/ledger.service';
import { SuppressionsService } from '../../src/audience/suppressions/suppressions.service';
import {
  createSubscriber,
  lifecycleRuleInput,
  topicInput,
  unique,
  uniqueEmail,
} from '../factories';
import { launchChromium, unlabelledControls } from '../support/browser';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const OUTPUT = join(__dirname, '..', '..', 'test-output');
const COMPLAINT_SECRET = 'complaint-secret-0123456789abcdef';

describe('Admin dashboard: session login, CSRF, charts, Bull Board (HTTP and a real Chromium)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let baseUrl: string;
  /** Lifecycle subscribers of the audit: two who left the notice topic, one suppressed, one ahead. */
  const audit: Record<'left1' | 'left2' | 'suppressed' | 'ahead', string> = {
    left1: '',
    left2: '',
    suppressed: '',
    ahead: '',
  };
  let ruleKey: string;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: { SMTP_URL: smtp.url, COMPLAINT_WEBHOOK_SECRET: COMPLAINT_SECRET },
    });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    await seed();
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  /** Two topics with sends of three kinds, votes on some, and one complaint. */
  async function seed() {
    const ledger = t.app.get(LedgerService);
    const keys: string[] = [];
    const ids: string[] = [];
    for (const [name, kind] of [
      ['Product news', 'editorial'],
      ['Renewal reminders', 'notice'],
    ]) {
      const topic = topicInput({ name, kind });
      keys.push(topic.key);
      ids.push((await t.api().post('/v1/topics').send(topic).expect(201)).body.id);
    }
    const subscribers: Array<{ id: string; email: string }> = [];
    for (let i = 0; i < 4; i++) {
      subscribers.push(
        await createSubscriber(t, {
          email: uniqueEmail('adm'),
          topics: keys.map((topic) => ({ topic })),
        }),
      );
    }
    const sent = await ledger.send(
      subscribers.flatMap((s, i) => [
        {
          dedupeKey: `adm:news:${s.id}`,
          subscriberId: s.id,
          topicId: ids[0],
          template: 'welcome',
          kind: 'editorial' as const,
          data: { topics: [] },
        },
        {
          dedupeKey: `adm:notice:${s.id}`,
          subscriberId: s.id,
          topicId: ids[1],
          template: 'notice',
          kind: 'notice' as const,
          data: { heading: `Renewal ${i}`, intro: 'Your policy renews.', reason: 'Because.' },
        },
      ]),
    );
    await eventually(async () => {
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM outbound_messages WHERE id = ANY($1) AND status = 'sent'`,
        [sent],
      );
      return n === sent.length;
    });
    // Votes: news 1 of 2 useful, renewals 3 of 3 useful.
    const byKind = async (kind: string) =>
      (
        await t.dataSource.query<Array<{ id: string }>>(
          `SELECT id FROM outbound_messages WHERE id = ANY($1) AND kind = $2 ORDER BY id`,
          [sent, kind],
        )
      ).map((r) => r.id);
    const [news, notices] = [await byKind('editorial'), await byKind('notice')];
    const votes: Array<[string, boolean]> = [
      [news[0], true],
      [news[1], false],
      [notices[0], true],
      [notices[1], true],
      [notices[2], true],
    ];
    for (const [id, helpful] of votes) {
      await t.dataSource.query(
        `INSERT INTO feedback_votes (message_id, subscriber_id, topic_id, template, helpful, created_at, updated_at)
         SELECT id, subscriber_id, topic_id, template, $2, now(), now() FROM outbound_messages WHERE id = $1`,
        [id, helpful],
      );
    }
    await t
      .http()
      .post('/v1/webhooks/complaints')
      .set('Authorization', `Bearer ${COMPLAINT_SECRET}`)
      .send({ recipient: subscribers[3].email })
      .expect(200);

    // The trust audit: a renewal rule on the notice topic and renewals coming up. Whatever the
    // scheduler does meanwhile, these outcomes stay (nobody here is due a notice it could send).
    ruleKey = unique('adm-renewal');
    await t
      .api()
      .post('/v1/lifecycle-rules')
      .send(lifecycleRuleInput(keys[1], { key: ruleKey }))
      .expect(201);
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    for (const [name, days] of [
      ['left1', 20],
      ['left2', 25],
      ['suppressed', 20],
      ['ahead', 50],
    ] as const) {
      const s = await createSubscriber(t, {
        email: uniqueEmail(`adm-${name}`),
        dates: { renewal_date: inDays(days) },
        topics: [{ topic: keys[1] }],
      });
      audit[name] = s.id;
      if (name.startsWith('left')) {
        await t.api().delete(`/v1/subscribers/${s.id}/subscriptions/${keys[1]}`).expect(200);
      }
      if (name === 'suppressed') await t.app.get(SuppressionsService).suppress(s.email, 'manual');
    }
    await seedPastMonth();
  }

  /**
   * A month long past (June 2025), so the dashboard's recent figures stay as seeded above: two
   * digests of a topic of its own, a useful vote, an opt-out after one of them, and on the
   * preference page one lower frequency and one leaving.
   */
  let pastTopicKey = '';
  async function seedPastMonth() {
    const q = (sql: string, params: unknown[]) => t.dataSource.query(sql, params);
    pastTopicKey = unique('adm-past');
    const [topic] = await q(
      `INSERT INTO topics (key, name, kind, allowed_frequencies, default_frequency)
       VALUES ($1, 'Past news', 'editorial', ARRAY['weekly','monthly'], 'monthly') RETURNING id`,
      [pastTopicKey],
    );
    const [sub] = await q(
      `INSERT INTO subscribers (email, name, status) VALUES ($1, 'Past', 'active') RETURNING id`,
      [uniqueEmail('adm-past')],
    );
    const ids: string[] = [];
    for (const day of ['2025-06-03', '2025-06-10']) {
      const [m] = await q(
        `INSERT INTO outbound_messages (dedupe_key, subscriber_id, topic_id, template, kind, status,
                                        send_after, sent_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'digest', 'editorial', 'sent', $4, $4, $4, $4) RETURNING id`,
        [`digest:${pastTopicKey}:${day}`, sub.id, topic.id, `${day}T09:00:00Z`],
      );
      ids.push(m.id);
    }
    await q(
      `INSERT INTO feedback_votes (message_id, subscriber_id, topic_id, template, helpful, created_at, updated_at)
       VALUES ($1, $2, $3, 'digest', true, $4, $4)`,
      [ids[0], sub.id, topic.id, '2025-06-04T09:00:00Z'],
    );
    const consent = (action: string, when: string, details: object) =>
      q(
        `INSERT INTO consent_events (subscriber_id, action, topic_id, wording, wording_version, source, details, occurred_at)
         VALUES ($1, $2, $3, 'seed', 'seed', 'preference_center', $4, $5)`,
        [sub.id, action, topic.id, JSON.stringify(details), when],
      );
    await consent('frequency_change', '2025-06-05T10:00:00Z', {
      frequency: 'monthly',
      previousFrequency: 'weekly',
    });
    await consent('opt_out', '2025-06-11T10:00:00Z', { frequency: 'monthly' });
  }

  const formValue = (page: string, name: string) =>
    new RegExp(`name="${name}" value="([^"]+)"`).exec(page)?.[1];

  async function login(key = t.adminKey): Promise<string> {
    const form = await t.http().get('/admin/login').expect(200);
    const res = await t
      .http()
      .post('/admin/login')
      .type('form')
      .send({ key, csrf: formValue(form.text, 'csrf') })
      .expect(303);
    expect(res.headers.location).toBe('/admin');
    const cookie = (res.headers['set-cookie'] as unknown as string[])[0];
    return cookie.split(';')[0];
  }

  describe('over HTTP', () => {
    it('sends visitors without a session to the login page, for the dashboard and the queues', async () => {
      expect((await t.http().get('/admin').expect(303)).headers.location).toBe('/admin/login');
      const queues = await t.http().get('/admin/queues').set('Accept', 'text/html').expect(303);
      expect(queues.headers.location).toBe('/admin/login');
      await t.http().get('/admin/queues/api/queues').set('Accept', 'application/json').expect(401);
    });

    it('logs in with an admin key only, behind a form value, into an HttpOnly SameSite=Strict cookie', async () => {
      const form = await t.http().get('/admin/login').expect(200);
      const csrf = formValue(form.text, 'csrf');
      const forged = await t
        .http()
        .post('/admin/login')
        .type('form')
        .send({ key: t.adminKey })
        .expect(403);
      expect(forged.headers['set-cookie']).toBeUndefined();
      await t
        .http()
        .post('/admin/login')
        .type('form')
        .set('Sec-Fetch-Site', 'cross-site')
        .send({ key: t.adminKey, csrf })
        .expect(403);
      const reader = await t.keyWith('reports:read');
      const refused = await t
        .http()
        .post('/admin/login')
        .type('form')
        .send({ key: reader, csrf })
        .expect(401);
      expect(refused.text).toContain('without the admin scope');
      expect(refused.headers['set-cookie']).toBeUndefined();

      const ok = await t
        .http()
        .post('/admin/login')
        .type('form')
        .send({ key: t.adminKey, csrf })
        .expect(303);
      const cookie = (ok.headers['set-cookie'] as unknown as string[])[0];
      expect(cookie).toMatch(
        /^tidings_admin=[^;]+; Max-Age=28800; Path=\/admin; Expires=.*; HttpOnly; SameSite=Strict$/,
      );
      expect(cookie).not.toContain(t.adminKey);
    });

    it('shows the dashboard with a session, with a strict content security policy', async () => {
      const cookie = await login();
      const res = await t.http().get('/admin').set('Cookie', cookie).expect(200);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['cache-control']).toBe('no-store');
      for (const id of [
        'summary',
        'sends-chart',
        'helpful-chart',
        'topics',
        'silent',
        'signals',
        'alerts',
        'rules',
        'audit-counts',
        'audit-filter',
        'audit-table',
        'missed-deadlines',
      ]) {
        expect(res.text).toContain(`id="${id}"`);
      }
      expect(res.text).toContain('Renewal reminders');
      expect(res.text).toMatch(/<div class="value">8<\/div>\s*<div class="label">messages sent/);
      const js = await t.http().get('/admin/assets/chart.umd.min.js').expect(200);
      expect(js.headers['content-type']).toContain('javascript');
      expect(js.text.length).toBeGreaterThan(100_000);
    });

    it('shows the audit (no notice by default) and filters it with a plain GET form', async () => {
      const cookie = await login();
      const rows = (page: string) =>
        [
          ...page.matchAll(/<tr data-status="([a-z]+)" data-reason="([a-z_]*)">([\s\S]*?)<\/tr>/g),
        ].map((m) => ({ status: m[1], reason: m[2], text: m[3] }));
      const ids = (page: string) =>
        rows(page).map((r) => Object.entries(audit).find(([, id]) => r.text.includes(id))?.[0]);

      const first = await t.http().get('/admin').set('Cookie', cookie).expect(200);
      expect(rows(first.text).every((r) => r.status === 'none')).toBe(true);
      expect(ids(first.text).sort()).toEqual(['left1', 'left2', 'suppressed']);
      // The counts per rule: 4 dates, none sent, 1 scheduled, 3 without a notice.
      const countsTable = /<table id="audit-counts">([\s\S]*?)<\/table>/.exec(first.text)![1];
      const ruleRow = new RegExp(`<tr data-rule="${ruleKey}">([\\s\\S]*?)</tr>`).exec(
        countsTable,
      )![1];
      expect([...ruleRow.matchAll(/<td class="n">(\d+)<\/td>/g)].map((m) => Number(m[1]))).toEqual([
        4, 0, 1, 3,
      ]);

      const suppressed = await t
        .http()
        .get('/admin?days=30&audit_status=none&audit_reason=suppressed')
        .set('Cookie', cookie)
        .expect(200);
      expect(rows(suppressed.text)).toEqual([
        expect.objectContaining({ status: 'none', reason: 'suppressed' }),
      ]);
      expect(ids(suppressed.text)).toEqual(['suppressed']);
      expect(suppressed.text).toMatch(/<option value="suppressed"\s+selected>/);

      // Any outcome, one rule.
      const all = await t
        .http()
        .get(`/admin?audit_status=&audit_rule=${ruleKey}`)
        .set('Cookie', cookie)
        .expect(200);
      expect(ids(all.text).sort()).toEqual(['ahead', 'left1', 'left2', 'suppressed']);
      expect(rows(all.text).find((r) => r.text.includes(audit.ahead))).toMatchObject({
        status: 'scheduled',
        reason: '',
      });
      // An unknown reason or a stale cursor is ignored, not an error page.
      await t
        .http()
        .get('/admin?audit_reason=nonsense&audit_cursor=garbage')
        .set('Cookie', cookie)
        .expect(200);
    });

    it('refuses a tampered cookie, and ends sessions when the key is revoked', async () => {
      const cookie = await login();
      const tampered = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
      expect(
        (await t.http().get('/admin').set('Cookie', tampered).expect(303)).headers.location,
      ).toBe('/admin/login');
      const { apiKey, key } = await t.app
        .get(ApiKeysService)
        .create('short-lived admin', ['admin']);
      const session = await login(key);
      await t.http().get('/admin').set('Cookie', session).expect(200);
      await t.app.get(ApiKeysService).revoke(apiKey.id);
      await t.http().get('/admin').set('Cookie', session).expect(303);
    });

    it('logs out only with the form value of the session', async () => {
      const cookie = await login();
      const page = await t.http().get('/admin').set('Cookie', cookie).expect(200);
      await t.http().post('/admin/logout').set('Cookie', cookie).type('form').send({}).expect(403);
      const out = await t
        .http()
        .post('/admin/logout')
        .set('Cookie', cookie)
        .type('form')
        .send({ csrf: formValue(page.text, 'csrf') })
        .expect(303);
      expect(out.headers.location).toBe('/admin/login');
      expect((out.headers['set-cookie'] as unknown as string[])[0]).toMatch(
        /^tidings_admin=; Path=\/admin; Expires=Thu, 01 Jan 1970/,
      );
    });

    it('shows trust per kind of contact for a chosen month, the same figures as the API', async () => {
      const cookie = await login();
      const res = await t
        .http()
        .get('/admin?days=30&kinds_month=2025-06')
        .set('Cookie', cookie)
        .expect(200);
      const section = /<section id="trust-by-kind">([\s\S]*?)<\/section>/.exec(res.text)![1];
      expect(section).toContain('Trust per kind of contact: 2025-06');
      const api = (
        await t
          .http()
          .get('/v1/reports/trust-by-kind?month=2025-06')
          .set('Authorization', `Bearer ${t.adminKey}`)
          .expect(200)
      ).body;
      const digest = api.digests.rows.find(
        (r: { topic: { key: string } }) => r.topic.key === pastTopicKey,
      );
      expect(digest).toMatchObject({ sent: 2, helpful: 1, unsubscribes: 1, complaints: 0 });
      const cells = (table: string, row: string) =>
        new RegExp(`<table id="${table}">[\\s\\S]*?<tr>\\s*<td>${row}</td>([\\s\\S]*?)</tr>`)
          .exec(section)![1]
          .replace(/<[^>]+>/g, ' ')
          .replace(/\s+/g, ' ')
          .trim();
      expect(cells('kinds-regular', 'Digest')).toContain(
        `${digest.sent} ${digest.helpful} ${digest.unhelpful} ${digest.unsubscribes} (${digest.unsubscribesPerThousand}) ${digest.complaints} (${digest.complaintsPerThousand})`,
      );
      const prefs = api.preferenceCenter.totals;
      expect(prefs).toEqual({ lowered: 1, raised: 0, left: 1, loweredShare: 0.5 });
      expect(section).toMatch(
        /<th>All<\/th>\s*<td class="n">1<\/td>\s*<td class="n">0<\/td>\s*<td class="n">1<\/td>\s*<td class="n">50%<\/td>/,
      );
      // A month the form could not have sent is ignored: the current month.
      const bad = await t
        .http()
        .get('/admin?kinds_month=2025-13')
        .set('Cookie', cookie)
        .expect(200);
      expect(bad.text).toContain(
        `Trust per kind of contact: ${new Date().toISOString().slice(0, 7)}`,
      );
    });

    it('serves Bull Board with every queue behind the session', async () => {
      const cookie = await login();
      const ui = await t.http().get('/admin/queues').set('Cookie', cookie).expect(200);
      expect(ui.text).toContain('Tidings queues');
      const api = await t.http().get('/admin/queues/api/queues').set('Cookie', cookie).expect(200);
      // A broken percent escape is a bad request, not a 500 from Bull Board (found by the fuzzer).
      await t
        .http()
        .get('/admin/queues/api/queues?activeQueue=%2')
        .set('Cookie', cookie)
        .expect(400);
      expect(api.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(
        Object.values(QueueName).sort(),
      );
      expect(Object.values(QueueName).sort()).toEqual([
        '{campaigns}',
        '{delivery}',
        '{dispatch}',
        '{scheduler}',
        '{webhooks}',
      ]);
    });
  });

  describe('in Chromium', () => {
    let browser: Browser;
    let context: BrowserContext;
    let profile: string;

    beforeAll(async () => {
      profile = mkdtempSync(join(tmpdir(), 'tidings-chromium-'));
      mkdirSync(OUTPUT, { recursive: true });
      context = await chromium.launchPersistentContext(profile, {
        executablePath: '/usr/bin/chromium',
        headless: true,
        viewport: { width: 1400, height: 1000 },
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      browser = context.browser()!;
      void browser;
    });
    afterAll(async () => {
      await context?.close();
      rmSync(profile, { recursive: true, force: true });
    });

    it('logs in, draws both charts, opens the queues, and saves screenshots', async () => {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('requestfailed', (r) => errors.push(`${r.url()} ${r.failure()?.errorText}`));
      page.on('response', (r) => {
        if (r.status() >= 400) errors.push(`${r.url()} ${r.status()}`);
      });

      await page.goto(`${baseUrl}/admin`);
      expect(new URL(page.url()).pathname).toBe('/admin/login');
      await page.fill('#key', t.adminKey);
      await Promise.all([page.waitForURL(`${baseUrl}/admin`), page.click('button[type=submit]')]);
      await page.waitForSelector('html[data-charts="ready"]');

      const charts = await page.evaluate(() => {
        // Runs in the page; the test's TypeScript has no DOM types, so the shapes are spelled out.
        const w = globalThis as unknown as {
          tidingsCharts: Record<
            string,
            {
              data: {
                labels: string[];
                datasets: Array<{ label: string; data: Array<number | null> }>;
              };
            }
          >;
        };
        const out: Record<string, unknown> = {};
        for (const [name, chart] of Object.entries(w.tidingsCharts)) {
          out[name] = {
            labels: chart.data.labels,
            datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })),
          };
        }
        return out;
      });
      const sends = charts.sends as {
        labels: string[];
        datasets: Array<{ label: string; data: number[] }>;
      };
      expect(sends.labels).toHaveLength(30);
      const total = (kind: string) =>
        sends.datasets.find((d) => d.label === kind)!.data.reduce((a, b) => a + b, 0);
      expect(total('editorial')).toBe(4);
      expect(total('notice')).toBe(4);
      const helpful = charts.helpful as { labels: string[]; datasets: Array<{ data: number[] }> };
      expect(
        Object.fromEntries(helpful.labels.map((label, i) => [label, helpful.datasets[0].data[i]])),
      ).toEqual({ 'Product news': 50, 'Renewal reminders': 100 });

      // The canvases hold drawn pixels, not a blank bitmap.
      for (const id of ['sends-chart', 'helpful-chart']) {
        const painted = await page.evaluate((canvasId) => {
          interface Canvas {
            width: number;
            height: number;
            getContext(kind: '2d'): {
              getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
            };
          }
          const doc = (
            globalThis as unknown as { document: { getElementById(id: string): Canvas } }
          ).document;
          const canvas = doc.getElementById(canvasId);
          const pixels = canvas
            .getContext('2d')
            .getImageData(0, 0, canvas.width, canvas.height).data;
          let n = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) n++;
          return { n, width: canvas.width, height: canvas.height };
        }, id);
        expect(painted.width).toBeGreaterThan(100);
        expect(painted.n).toBeGreaterThan(1000);
      }
      await page.screenshot({ path: join(OUTPUT, 'admin-dashboard.png'), fullPage: true });
      expect(errors).toEqual([]);

      // The audit table, filtered to the people who left the notice topic.
      await page.selectOption('#audit-reason', 'left_topic');
      await Promise.all([
        page.waitForURL(/audit_reason=left_topic/),
        page.click('#audit-filter button[type=submit]'),
      ]);
      await page.waitForSelector('html[data-charts="ready"]');
      expect(new URL(page.url()).hash).toBe('#audit');
      const filtered = await page.locator('#audit-table tbody tr').evaluateAll((trs) =>
        trs.map((tr) => ({
          status: tr.getAttribute('data-status'),
          reason: tr.getAttribute('data-reason'),
          text: tr.textContent ?? '',
        })),
      );
      expect(filtered.map((r) => [r.status, r.reason])).toEqual([
        ['none', 'left_topic'],
        ['none', 'left_topic'],
      ]);
      expect(filtered.some((r) => r.text.includes(audit.left1))).toBe(true);
      expect(filtered.some((r) => r.text.includes(audit.left2))).toBe(true);
      expect(filtered.every((r) => r.text.includes('left the notice topic'))).toBe(true);
      expect(await page.inputValue('#audit-reason')).toBe('left_topic');
      expect(await page.inputValue('#audit-status')).toBe('none');
      const a11y = await unlabelledControls(page);
      expect(a11y.problems).toEqual([]);
      await page.locator('#audit').screenshot({ path: join(OUTPUT, 'admin-audit.png') });
      expect(errors).toEqual([]);

      await page.click('a[href="/admin/queues"]');
      await page.waitForSelector('text={delivery}');
      await page.waitForSelector('text={scheduler}');
      // The queue's own page: its job states load from Bull Board's API through the session.
      await page.click('text={delivery}');
      await page.waitForURL(/\/admin\/queues\/queue\//);
      await page.waitForSelector('text=/completed/i');
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: join(OUTPUT, 'admin-queues.png'), fullPage: true });
      // Bull Board's own page asks Google Fonts for its typeface (no network here; it falls back).
      expect(errors.filter((e) => !/fonts\.googleapis\.com|ERR_NAME_NOT_RESOLVED/.test(e))).toEqual(
        [],
      );
    });

    it('logs in and filters the audit with JavaScript off', async () => {
      const browser = await launchChromium();
      try {
        const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
        await page.goto(`${baseUrl}/admin/login`);
        await page.fill('#key', t.adminKey);
        await Promise.all([page.waitForURL(`${baseUrl}/admin`), page.click('button[type=submit]')]);
        // No script ran: the charts were never drawn.
        expect(await page.getAttribute('html', 'data-charts')).toBeNull();
        await page.selectOption('#audit-status', 'scheduled');
        await page.selectOption('#audit-rule', ruleKey);
        await Promise.all([
          page.waitForURL(/audit_status=scheduled/),
          page.click('#audit-filter button[type=submit]'),
        ]);
        const rows = await page
          .locator('#audit-table tbody tr')
          .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-status'), tr.textContent]));
        expect(rows).toHaveLength(1);
        expect(rows[0][0]).toBe('scheduled');
        expect(rows[0][1]).toContain(audit.ahead);
        await page.screenshot({ path: join(OUTPUT, 'admin-audit-no-js.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    });
  });
  describe('in Chromium at 375 px wide', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    /** A phone-sized page, logged in, recording every request it makes. */
    async function phone(javaScriptEnabled: boolean) {
      const context = await browser.newContext({
        viewport: { width: 375, height: 800 },
        javaScriptEnabled,
      });
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${baseUrl}/admin/login`);
      await page.fill('#key', t.adminKey);
      await Promise.all([page.waitForURL(`${baseUrl}/admin`), page.click('button[type=submit]')]);
      return { page, requests, close: () => context.close() };
    }

    /** How far the page is wider than the viewport (0: no sideways scrolling). */
    const overflow = (page: Page) =>
      page.evaluate(() => {
        const root = (
          globalThis as unknown as {
            document: { documentElement: { scrollWidth: number; clientWidth: number } };
          }
        ).document.documentElement;
        return root.scrollWidth - root.clientWidth;
      });

    it('the dashboard fits, and every button has a name', async () => {
      const { page, close } = await phone(true);
      try {
        await page.waitForSelector('html[data-charts="ready"]');
        await page.screenshot({ path: join(OUTPUT, 'admin-dashboard-375.png'), fullPage: true });
        expect(await overflow(page)).toBe(0);
        expect((await unlabelledControls(page)).problems).toEqual([]);
      } finally {
        await close();
      }
    });

    it('without JavaScript, the charts are tables that show the same figures', async () => {
      const { page, close } = await phone(false);
      try {
        await page.screenshot({
          path: join(OUTPUT, 'admin-dashboard-375-no-js.png'),
          fullPage: true,
        });
        expect(await overflow(page)).toBe(0);
        const sends = page.locator('#sends-table');
        expect(await sends.isVisible()).toBe(true);
        const kinds = await sends.locator('thead th').allTextContents();
        expect(kinds.map((k) => k.trim())).toEqual(expect.arrayContaining(['editorial', 'notice']));
        expect(await sends.locator('tbody tr').count()).toBe(30);
        const helpful = page.locator('#helpful-table');
        expect(await helpful.isVisible()).toBe(true);
        const rows = await helpful
          .locator('tbody tr')
          .evaluateAll((trs) => trs.map((tr) => tr.textContent?.replace(/\s+/g, ' ').trim()));
        expect(rows).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/^Product news 50(\.0)?\s?% 2\b/),
            expect.stringMatching(/^Renewal reminders 100(\.0)?\s?% 3\b/),
          ]),
        );
      } finally {
        await close();
      }
    });

    it('without JavaScript, trust per kind of contact changes month with its GET form, and fits', async () => {
      const { page, close } = await phone(false);
      try {
        await page.fill('#kinds-month', '2025-06');
        await Promise.all([
          page.waitForURL(/kinds_month=2025-06/),
          page.click('#trust-by-kind button[type=submit]'),
        ]);
        expect(await page.locator('#trust-by-kind h2').textContent()).toContain('2025-06');
        const rows = await page
          .locator('#kinds-regular tbody tr')
          .evaluateAll((trs) => trs.map((tr) => tr.textContent?.replace(/\s+/g, ' ').trim()));
        expect(rows).toEqual(expect.arrayContaining([expect.stringMatching(/^Digest Past news/)]));
        expect(await overflow(page)).toBe(0);
        await page
          .locator('#trust-by-kind')
          .screenshot({ path: join(OUTPUT, 'admin-trust-by-kind-375-no-js.png') });
      } finally {
        await close();
      }
    });

    it('the queue dashboard asks no third party for fonts, and its buttons have names', async () => {
      const { page, requests, close } = await phone(true);
      try {
        await page.goto(`${baseUrl}/admin/queues`);
        await page.waitForSelector('text={delivery}');
        await page.waitForLoadState('networkidle');
        expect((await unlabelledControls(page)).problems).toEqual([]);
        // A job waiting a day: its card has buttons of its own.
        const delivery = t.app.get<Queue>(getQueueToken(QueueName.Delivery));
        const job = await delivery.add(
          JobName.DeliverBatch,
          { messageIds: [] },
          { delay: 86_400_000, jobId: unique('adm-delayed') },
        );
        try {
          await page.click('text={delivery}');
          await page.waitForURL(/\/admin\/queues\/queue\//);
          await page.goto(`${page.url().split('?')[0]}?status=delayed`);
          await page.waitForSelector(`text=${job.id}`);
          await page.waitForLoadState('networkidle');
        } finally {
          await job.remove();
        }
        await page.screenshot({ path: join(OUTPUT, 'admin-queues-375.png'), fullPage: true });
        // The job's own buttons, named in Bull Board's words for what they do.
        for (const name of ['Promote', 'Reschedule', 'Duplicate', 'Update data', 'Clean']) {
          expect(await page.getByRole('button', { name, exact: true }).count()).toBe(1);
        }
        expect(requests.filter((url) => !url.startsWith(baseUrl))).toEqual([]);
        expect((await unlabelledControls(page)).problems).toEqual([]);
      } finally {
        await close();
      }
    });
  });
});
