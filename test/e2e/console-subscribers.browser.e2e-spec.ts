import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { topicInput, uniqueEmail } from '../factories';
import { checkPage, ConsoleHarness } from '../support/console-browser';
import { eventually, SmtpSink } from '../support/smtp-sink';

/**
 * The console's subscriber pages in Chromium: search, the profile and its support actions, erasure,
 * CSV import with progress and the refused-rows report, and what each role may do there.
 */
describe('Console subscribers in Chromium', () => {
  let h: ConsoleHarness;
  let smtp: SmtpSink;
  const topic = topicInput({ name: 'Product news', allowedFrequencies: ['weekly', 'monthly'] });

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    h = await ConsoleHarness.start({
      env: { SMTP_URL: smtp.url, DELIVERY_RETRY_BASE_MS: '100', DISPATCH_INTERVAL_MS: '500' },
    });
    await h.t.api().post('/v1/topics').send(topic).expect(201);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await smtp?.stop();
  });

  async function subscriber(name: string, overrides: Record<string, unknown> = {}) {
    const res = await h.t
      .api()
      .post('/v1/subscribers')
      .send({
        email: uniqueEmail(name.toLowerCase()),
        name,
        topics: [{ topic: topic.key }],
        ...overrides,
      })
      .expect(201);
    return res.body as { id: string; email: string };
  }

  const row = async <T>(sql: string, params: unknown[]) =>
    (await h.t.dataSource.query<T[]>(sql, params))[0];

  /** Searches by keyboard and opens the one result. */
  async function find(page: Page, text: string, email: string) {
    await h.open(page, '/subscribers');
    const box = page.getByLabel('Email address or name');
    await box.focus();
    await page.keyboard.type(text);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: new RegExp(text, 'i') }).waitFor();
    await page.getByRole('link', { name: email }).click();
    await page.getByRole('heading', { level: 1, name: email }).waitFor();
  }

  /** The signed-in tab's CSRF token, as the app reads it. */
  async function csrf(page: Page): Promise<string> {
    const me = await page.request.get(`${h.origin}/v1/auth/me`);
    return ((await me.json()) as { csrfToken: string }).csrfToken;
  }

  const unexpected = (errors: string[]) => errors.filter((e) => !/status of 40[134]/.test(e));

  it('finds a subscriber, shows the profile, and erases them by keyboard', async () => {
    const s = await subscriber('Wilhelmina', {
      attributes: { plan: 'gold' },
      dates: { renewal_date: '2027-03-01' },
    });
    const { page, errors, close } = await h.signIn('marketer');
    await h.open(page, '/subscribers');
    await checkPage(page, 'subscribers-search');
    await find(page, 'wilhelm', s.email);
    await page.getByRole('heading', { level: 2, name: 'Consent history' }).waitFor();
    await page.getByRole('cell', { name: /Subscribed to "Product news"/ }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Messages' }).waitFor();
    await page.getByText('gold').waitFor();
    await checkPage(page, 'subscribers-profile');

    await page.getByRole('button', { name: 'Erase this subscriber' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Erase this subscriber' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Erase for good' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('This subscriber was erased').waitFor();
    const db = await row<{ status: string; email: string | null; name: string | null }>(
      'SELECT status, email, name FROM subscribers WHERE id = $1',
      [s.id],
    );
    expect(db).toEqual({ status: 'erased', email: null, name: null });
    const logged = await row<{ actor_name: string }>(
      `SELECT actor_name FROM activity_log WHERE action = 'subscriber.erased' AND target_id = $1`,
      [s.id],
    );
    expect(logged.actor_name).toBe('marketer@console.test');
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('lets support find a subscriber and act, without campaigns, templates or rules', async () => {
    const email = uniqueEmail('pending');
    await h.t
      .http()
      .post('/subscribe')
      .send({ email, name: 'Pending Person', locale: 'en', topics: [topic.key] })
      .expect(202);
    await smtp.waitFor((m) => m.to.includes(email));
    const { page, errors, close } = await h.signIn('support');
    const nav = await page.locator('nav a').allInnerTexts();
    expect(nav).toContain('Subscribers');
    expect(nav.filter((l) => /campaign|template|rule/i.test(l))).toEqual([]);

    await find(page, 'pending person', email);
    await page.getByRole('button', { name: 'Resend the confirmation email' }).click();
    await page.getByText('The confirmation email is on its way.').waitFor();
    await eventually(async () => smtp.messages.filter((m) => m.to.includes(email)).length === 2);

    await page.getByRole('button', { name: 'Email a preference link' }).click();
    await page.getByText('A link to their preferences is on its way').waitFor();
    const link = await smtp.waitFor(
      (m) => m.to.includes(email) && /support team/.test(m.parsed.text ?? ''),
    );
    expect(link.parsed.text).toMatch(/\/p\/[\w-]+/);

    const day = new Date(Date.now() + 30 * 86400_000).toISOString().slice(0, 10);
    await page.getByLabel('Pause all email until').fill(day);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByText('Email is paused until').waitFor();
    const paused = await row<{ paused_until: Date | null }>(
      'SELECT paused_until FROM subscribers WHERE email = $1',
      [email],
    );
    expect(paused.paused_until).not.toBeNull();
    await page.getByRole('button', { name: 'End the pause' }).waitFor();
    await checkPage(page, 'subscribers-profile-support');

    const [exported] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download their data (JSON)' }).click(),
    ]);
    const data = JSON.parse(readFileSync(await exported.path(), 'utf8')) as {
      profile: { email: string; status: string };
      consentHistory: Array<{ action: string }>;
    };
    expect(data.profile).toMatchObject({ email, status: 'pending' });
    expect(data.consentHistory.map((e) => e.action)).toContain('pause');

    const refused = await page.request.post(`${h.origin}/v1/campaigns`, {
      headers: { 'X-CSRF-Token': await csrf(page) },
      data: {},
    });
    expect(refused.status()).toBe(403);
    const actions = await h.t.dataSource.query<Array<{ action: string; actor_name: string }>>(
      `SELECT action, actor_name FROM activity_log WHERE action LIKE 'subscriber.%' AND actor_name = 'support@console.test' ORDER BY id`,
    );
    expect(actions.map((a) => a.action)).toEqual([
      'subscriber.confirmation_resent',
      'subscriber.preference_link_sent',
      'subscriber.paused',
      'subscriber.exported',
    ]);
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('imports a CSV with a bad row: progress to the end, and the refused rows as a download', async () => {
    const good = [uniqueEmail('imp'), uniqueEmail('imp')];
    const bad = uniqueEmail('badzone');
    const csv = `email,name,timezone\n${good[0]},Ann,Europe/Amsterdam\n${bad},Bad,Mars/Olympus\n${good[1]},Ben,\n`;
    const { page, errors, close } = await h.signIn('marketer');
    await h.open(page, '/subscribers');
    await page.getByRole('link', { name: 'Import a CSV file' }).click();
    await page.getByRole('heading', { level: 1, name: 'Import subscribers' }).waitFor();
    await checkPage(page, 'subscribers-import');
    await page.getByLabel('CSV file').setInputFiles({
      name: 'people.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await page.getByLabel('Topics every row joins').fill(topic.key);
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.getByText('The import is finished.').waitFor();
    const progress = page.locator('progress');
    expect(await progress.getAttribute('value')).toBe('3');
    expect(await progress.getAttribute('max')).toBe('3');
    await page.getByText('3 of 3 rows read').waitFor();
    await checkPage(page, 'subscribers-import-done');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the refused rows (CSV)' }).click(),
    ]);
    const report = readFileSync(await download.path(), 'utf8');
    expect(report).toBe(
      `line,email,reason\r\n3,${bad},timezone: timezone must be an IANA time zone such as Europe/Amsterdam\r\n`,
    );
    const counts = await row<{ good: number; bad: number }>(
      `SELECT count(*) FILTER (WHERE email = ANY($1))::int AS good,
              count(*) FILTER (WHERE email = $2)::int AS bad FROM subscribers`,
      [good, bad],
    );
    expect(counts).toEqual({ good: 2, bad: 0 });
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('gives an analyst the pages without actions, and the API refuses their erase', async () => {
    const s = await subscriber('Analysed');
    const { page, errors, close } = await h.signIn('analyst');
    await h.open(page, '/subscribers');
    expect(await page.getByRole('link', { name: 'Import a CSV file' }).count()).toBe(0);
    await find(page, 'analysed', s.email);
    await page.getByRole('heading', { level: 2, name: 'Messages' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Support actions' }).count()).toBe(0);
    expect(await page.getByRole('button').allInnerTexts()).toEqual(['Sign out']);
    await checkPage(page, 'subscribers-profile-analyst');
    const refused = await page.request.delete(`${h.origin}/v1/subscribers/${s.id}`, {
      headers: { 'X-CSRF-Token': await csrf(page) },
    });
    expect(refused.status()).toBe(403);
    expect(
      (await row<{ status: string }>('SELECT status FROM subscribers WHERE id = $1', [s.id]))
        .status,
    ).toBe('active');
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('speaks Dutch to a Dutch user', async () => {
    const s = await subscriber('Geertruida');
    const { page, errors, close } = await h.signIn('marketer', {
      email: 'marketer.nl@console.test',
      locale: 'nl',
    });
    await page.getByRole('link', { name: 'Abonnees' }).click();
    await page.getByRole('heading', { level: 1, name: 'Abonnees' }).waitFor();
    await page.getByLabel('E-mailadres of naam').fill('geertruida');
    await page.getByRole('button', { name: 'Zoeken' }).click();
    await page.getByRole('link', { name: s.email }).click();
    await page.getByRole('heading', { level: 2, name: 'Toestemmingsgeschiedenis' }).waitFor();
    await page.getByRole('button', { name: 'Deze abonnee wissen' }).waitFor();
    await checkPage(page, 'subscribers-profile-nl');
    expect(unexpected(errors)).toEqual([]);
    await close();
  });
});
