import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LedgerService } from '../../src/messaging/delivery/ledger.service';
import { RenderingService } from '../../src/messaging/rendering/rendering.service';
import { createSubscriber, uniqueEmail } from '../factories';
import {
  createServedApp,
  launchChromium,
  TEST_OUTPUT_DIR,
  unlabelledControls,
} from '../support/browser';
import { ControllableClock } from '../support/controllable-clock';
import {
  consentEvents,
  createTopic,
  linkPath,
  subscriptionRows,
} from '../support/preference-center';
import { eventually, SmtpSink } from '../support/smtp-sink';
import type { TestApp } from '../support/test-app';

const DAY_MS = 86400_000;

describe('Preference center in Chromium (playwright-core)', () => {
  let t: TestApp;
  let origin: string;
  let smtp: SmtpSink;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const clock = new ControllableClock();
  const consoleErrors: string[] = [];
  let news: { key: string; name: string };
  let tips: { key: string; name: string };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    ({ t, origin } = await createServedApp({
      clock,
      env: {
        SMTP_URL: smtp.url,
        BRAND_NAME: 'Acme Insurance',
        BRAND_COLOR: '#1d4ed8',
        DISPATCH_INTERVAL_MS: '500',
      },
    }));
    news = await createTopic(t, {
      name: 'Product news',
      description: 'What changed in our products, in plain words.',
      allowedFrequencies: ['weekly', 'monthly', 'quarterly'],
      defaultFrequency: 'monthly',
    });
    tips = await createTopic(t, {
      name: 'Tips & tricks',
      description: 'Short tips to get more out of your policy.',
      allowedFrequencies: ['weekly', 'biweekly', 'monthly'],
    });
    browser = await launchChromium();
    context = await browser.newContext({ acceptDownloads: true, locale: 'en-GB' });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.stop();
  });

  /** Puts a digest for the topic into the ledger, as the digest engine would, and waits for its outcome. */
  async function nextSend(
    subscriberId: string,
    topicKey: string,
  ): Promise<{ status: string; skip_reason: string | null }> {
    const sample = t.app.get(RenderingService).sample('digest', 'en');
    const [topic] = await t.dataSource.query(`SELECT id FROM topics WHERE key = $1`, [topicKey]);
    const [id] = await t.app.get(LedgerService).send([
      {
        dedupeKey: `probe:${subscriberId}:${topicKey}:${Date.now()}:${Math.random()}`,
        subscriberId,
        topicId: topic.id,
        template: 'digest',
        kind: 'editorial',
        data: { topic: sample.topic, items: sample.items, frequencyLabel: 'weekly' },
      },
    ]);
    return eventually(async () => {
      const [row] = await t.dataSource.query(
        `SELECT status, skip_reason FROM outbound_messages WHERE id = $1`,
        [id],
      );
      return row.status === 'queued' || row.status === 'sending' ? null : row;
    });
  }

  /** Clicks a submit button and waits for the page the 303 leads to. */
  async function submit(p: Page, button: string, done: string): Promise<string> {
    await Promise.all([
      p
        .waitForURL((u) => u.searchParams.get('done') === done, { timeout: 10_000 })
        .catch(async (err) => {
          throw new Error(
            `${(err as Error).message}\n${(await p.locator('body').innerText()).slice(0, 600)}`,
          );
        }),
      p.getByRole('button', { name: button, exact: true }).click(),
    ]);
    return (await p.locator('#done').innerText()).trim();
  }

  it('subscribe form → confirmation email → welcome email → preference link: frequency, leave, pause, history, download, unsubscribe all', async () => {
    // The public form, in the browser.
    const email = uniqueEmail('ada');
    await page.goto(`${origin}/subscribe?lang=en`);
    expect(await unlabelledControls(page)).toEqual({ controls: 5, problems: [] });
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Name (optional)').fill('Ada');
    await page
      .getByLabel('How often would you like "Product news"?')
      .selectOption(`${news.key}:weekly`);
    await page
      .getByLabel('How often would you like "Tips & tricks"?')
      .selectOption(`${tips.key}:weekly`);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('heading', { name: 'Check your inbox' }).waitFor();

    const confirmation = await smtp.waitFor((m) => m.to.includes(email));
    await page.goto(`${origin}${linkPath(confirmation.parsed.text!, origin, '/confirm/')}`);
    await page.getByRole('heading', { name: 'You are subscribed' }).waitFor();
    const welcome = await smtp.waitFor((m) => m.to.includes(email) && m !== confirmation);
    const preferences = linkPath(welcome.parsed.text!, origin, '/p/');
    const [{ id }] = await t.dataSource.query(`SELECT id FROM subscribers WHERE email = $1`, [
      email,
    ]);
    expect(await subscriptionRows(t, id)).toEqual({
      [news.key]: { status: 'active', frequency: 'weekly' },
      [tips.key]: { status: 'active', frequency: 'weekly' },
    });

    // The page from the email, in both languages.
    await page.goto(`${origin}${preferences}`);
    await page.getByRole('heading', { name: 'Your email preferences' }).waitFor();
    expect(await page.locator('body').innerText()).toContain(
      `You are managing the email we send to ${email}`,
    );
    const nextDue = await page
      .locator(`section[aria-labelledby="topic-${news.key}"] p.muted`)
      .first()
      .innerText();
    expect(nextDue).toMatch(
      /^What's coming next: your next message around \w+ \d{1,2}, \d{4}\.$|^What's coming next: your next message around \d{1,2} \w+ \d{4}\.$/,
    );
    expect(await unlabelledControls(page)).toEqual({ controls: expect.any(Number), problems: [] });
    await page.screenshot({
      path: join(TEST_OUTPUT_DIR, 'preference-center-en.png'),
      fullPage: true,
    });
    await page.getByRole('link', { name: 'Nederlands' }).click();
    await page.getByRole('heading', { name: 'Je e-mailvoorkeuren' }).waitFor();
    expect(await unlabelledControls(page)).toEqual({ controls: expect.any(Number), problems: [] });
    await page.screenshot({
      path: join(TEST_OUTPUT_DIR, 'preference-center-nl.png'),
      fullPage: true,
    });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({
      path: join(TEST_OUTPUT_DIR, 'preference-center-nl-phone.png'),
      fullPage: true,
    });
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByRole('link', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Your email preferences' }).waitFor();

    // Change a frequency.
    await page.getByLabel('How often').first().waitFor();
    await page.locator(`#freq-${news.key}`).selectOption('monthly');
    expect(await submit(page, 'Save for Product news', 'frequency_changed')).toBe(
      'Saved: you now get "Product news" monthly.',
    );
    expect((await subscriptionRows(t, id))[news.key]).toEqual({
      status: 'active',
      frequency: 'monthly',
    });
    expect((await consentEvents(t, id)).at(-1)).toMatchObject({
      action: 'frequency_change',
      topic_key: news.key,
      source: 'preference_center',
    });
    expect(await nextSend(id, news.key)).toEqual({ status: 'sent', skip_reason: null });

    // Leave a topic: its next send is skipped, the other topic still goes out.
    expect(await submit(page, 'Leave this topic for Tips & tricks', 'left')).toBe(
      'Saved: you left "Tips & tricks". You will get no more email about it.',
    );
    expect((await subscriptionRows(t, id))[tips.key].status).toBe('unsubscribed');
    expect((await consentEvents(t, id)).at(-1)).toMatchObject({
      action: 'opt_out',
      topic_key: tips.key,
    });
    expect(await nextSend(id, tips.key)).toEqual({
      status: 'skipped',
      skip_reason: 'not_subscribed',
    });

    // Pause for 60 days: sends skip with reason `paused`.
    await page.getByLabel('60 days').check();
    const paused = await submit(page, 'Pause all email', 'paused');
    expect(paused).toMatch(/^Saved: all email is paused until .+\.$/);
    const [{ paused_until }] = await t.dataSource.query(
      `SELECT paused_until FROM subscribers WHERE id = $1`,
      [id],
    );
    expect(new Date(paused_until).getTime()).toBe(clock.now().getTime() + 60 * DAY_MS);
    expect((await consentEvents(t, id)).at(-1)).toMatchObject({ action: 'pause', topic_key: null });
    expect(await nextSend(id, news.key)).toEqual({ status: 'skipped', skip_reason: 'paused' });

    // The consent history shows what was agreed, with the exact wording and where.
    const history = await page.locator('table').innerText();
    expect(history).toContain(
      'Yes, email me about the topics I chose above, no more often than the frequency I chose.',
    );
    expect(history).toContain('Sign-up form');
    expect(history).toContain('Confirmed by following the link in the confirmation email.');
    expect(history).toContain('Changed how often');
    expect(history).toContain(
      'Changed how often to receive "Product news" from weekly to monthly through the preference center.',
    );
    expect(history).toContain('Paused all email for 60 days');
    expect(history).toContain('This preference center');
    expect(await page.locator('table tbody tr').count()).toBe((await consentEvents(t, id)).length);

    // Download the data.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download my data (JSON)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(
      /^acme-insurance-my-data-\d{4}-\d{2}-\d{2}\.json$/,
    );
    const file = join(TEST_OUTPUT_DIR, 'my-data.json');
    await download.saveAs(file);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    expect(data.profile).toMatchObject({ email, name: 'Ada', status: 'active' });
    expect(data.subscriptions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ topic: news.key, status: 'active', frequency: 'monthly' }),
        expect.objectContaining({ topic: tips.key, status: 'unsubscribed' }),
      ]),
    );
    expect(data.consentHistory.map((e: { action: string }) => e.action)).toEqual(
      (await consentEvents(t, id)).map((e) => e.action),
    );
    expect(data.messages.map((m: { template: string }) => m.template)).toEqual(
      expect.arrayContaining(['confirm-subscription', 'welcome', 'digest']),
    );

    // Unsubscribe from everything.
    expect(await submit(page, 'Unsubscribe from all email', 'unsubscribed_all')).toBe(
      'Saved: you are unsubscribed from all email. We are sorry to see you go.',
    );
    const [{ status }] = await t.dataSource.query(`SELECT status FROM subscribers WHERE id = $1`, [
      id,
    ]);
    expect(status).toBe('unsubscribed');
    expect(Object.values(await subscriptionRows(t, id)).map((x) => x.status)).toEqual([
      'unsubscribed',
      'unsubscribed',
    ]);
    expect((await consentEvents(t, id)).at(-1)).toMatchObject({
      action: 'opt_out',
      topic_key: null,
      source: 'preference_center',
    });
    expect(await nextSend(id, news.key)).toEqual({
      status: 'skipped',
      skip_reason: 'subscriber_unsubscribed',
    });
    expect(await page.locator('body').innerText()).toContain(
      'You are unsubscribed from all email.',
    );
    expect(consoleErrors).toEqual([]);
  });

  it('works with JavaScript disabled: frequency, leave, pause (which ends by itself), one-click page, unsubscribe all', async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false, acceptDownloads: true });
    try {
      const p = await noJs.newPage();
      const s = await createSubscriber(t, {
        topics: [
          { topic: news.key, frequency: 'weekly' },
          { topic: tips.key, frequency: 'weekly' },
        ],
        locale: 'nl',
        name: 'Bram',
      });
      expect(await nextSend(s.id, news.key)).toEqual({ status: 'sent', skip_reason: null });
      const digest = await smtp.waitFor((m) => m.to.includes(s.email));
      const preferences = linkPath(digest.parsed.text!, origin, '/p/');
      const unsubscribe = linkPath(digest.parsed.text!, origin, '/u/');

      await p.goto(`${origin}${preferences}`);
      await p.getByRole('heading', { name: 'Je e-mailvoorkeuren' }).waitFor();
      // Nothing on the page needs script: there is none.
      expect(await p.locator('script').count()).toBe(0);
      await p.locator(`#freq-${news.key}`).selectOption('quarterly');
      expect(await submit(p, 'Opslaan voor Product news', 'frequency_changed')).toBe(
        'Opgeslagen: je krijgt "Product news" nu per kwartaal.',
      );
      expect((await subscriptionRows(t, s.id))[news.key].frequency).toBe('quarterly');
      await submit(p, 'Afmelden voor dit onderwerp voor Tips & tricks', 'left');
      expect((await subscriptionRows(t, s.id))[tips.key].status).toBe('unsubscribed');

      await p.getByLabel('30 dagen').check();
      await submit(p, 'Pauzeer alle e-mail', 'paused');
      expect(await nextSend(s.id, news.key)).toEqual({ status: 'skipped', skip_reason: 'paused' });
      // The pause ends by itself. After 31 days the pause no longer holds the message back, but
      // the quarterly choice does (a message already went out this quarter); next quarter it goes.
      const start = clock.now();
      clock.advance(31 * DAY_MS);
      try {
        expect(await nextSend(s.id, news.key)).toEqual({
          status: 'skipped',
          skip_reason: 'frequency',
        });
        clock.advance(70 * DAY_MS);
        expect(await nextSend(s.id, news.key)).toEqual({ status: 'sent', skip_reason: null });
      } finally {
        clock.set(start);
      }

      expect(await p.locator('table').innerText()).toContain('Frequentie gewijzigd');
      const [download] = await Promise.all([
        p.waitForEvent('download'),
        p.getByRole('link', { name: 'Download mijn gegevens (JSON)' }).click(),
      ]);
      expect(JSON.parse(readFileSync(await download.path(), 'utf8')).profile.email).toBe(s.email);

      // The unsubscribe link: opening it changes nothing, the button does.
      const before = (await consentEvents(t, s.id)).length;
      await p.goto(`${origin}${unsubscribe}`);
      await p.getByRole('heading', { name: 'Afmelden' }).waitFor();
      expect(await consentEvents(t, s.id)).toHaveLength(before);
      expect(await unlabelledControls(p)).toEqual({ controls: 1, problems: [] });
      await p.getByRole('button', { name: 'Afmelden' }).click();
      await p.getByRole('heading', { name: 'Je bent afgemeld' }).waitFor();
      expect((await consentEvents(t, s.id)).at(-1)).toMatchObject({
        action: 'opt_out',
        topic_key: news.key,
        source: 'one_click',
      });

      await p.goto(`${origin}${preferences}`);
      await submit(p, 'Afmelden voor alle e-mail', 'unsubscribed_all');
      const [{ status }] = await t.dataSource.query(
        `SELECT status FROM subscribers WHERE id = $1`,
        [s.id],
      );
      expect(status).toBe('unsubscribed');
      expect(await nextSend(s.id, news.key)).toEqual({
        status: 'skipped',
        skip_reason: 'subscriber_unsubscribed',
      });
    } finally {
      await noJs.close();
    }
  });

  it('keeps Swagger UI working under the security headers', async () => {
    const errors: string[] = [];
    const p = await context.newPage();
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await p.goto(`${origin}/docs`);
    await p.locator('.opblock').first().waitFor();
    expect(errors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await p.close();
  });
});
