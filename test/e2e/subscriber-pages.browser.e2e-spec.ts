import type { Browser, Page } from 'playwright-core';
import { TokensService } from '../../src/platform/tokens/tokens.service';
import { createSubscriber, uniqueEmail } from '../factories';
import { createServedApp, launchChromium, unlabelledControls } from '../support/browser';
import { createTopic } from '../support/preference-center';
import type { TestApp } from '../support/test-app';

const PHONE = { width: 375, height: 667 };
const DESKTOP = { width: 1280, height: 800 };

/**
 * Runs browser-side code given as the text of a function, with one JSON argument. (This project
 * compiles without the DOM library, so the code that runs in the page is written as text.)
 */
function inPage<T>(page: Page, fn: string, arg: unknown): Promise<T> {
  return page.evaluate<T>(`(${fn})(${JSON.stringify(arg)})`);
}

/** Where an element is against the viewport, and whether it (or what is inside it) has focus. */
function placeAndFocus(page: Page, selector: string) {
  return inPage<{ inViewport: boolean; focused: boolean; live: string | null }>(
    page,
    `(sel) => {
      const el = document.querySelector(sel);
      const box = el.getBoundingClientRect();
      const focused = document.activeElement;
      const announcer = el.closest('[role="status"]');
      return {
        inViewport: box.top >= 0 && box.bottom <= window.innerHeight,
        focused: !!focused && focused !== document.body && focused.contains(el),
        live: announcer ? announcer.getAttribute('aria-live') : null,
      };
    }`,
    selector,
  );
}

/** Words that the browser broke over two lines ("Sub/scrib/ed") inside the matching elements. */
function brokenWords(page: Page, selector: string): Promise<string[]> {
  return inPage<string[]>(
    page,
    `(sel) => {
      const broken = [];
      for (const cell of document.querySelectorAll(sel)) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const m of (node.textContent || '').matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, m.index);
            range.setEnd(node, m.index + m[0].length);
            const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
            if (lines.size > 1) broken.push(m[0]);
          }
        }
      }
      return broken;
    }`,
    selector,
  );
}

describe('Subscriber pages in Chromium: zone detection, where confirmations appear, layout, form checks', () => {
  let t: TestApp;
  let origin: string;
  let browser: Browser;
  const topics: Array<{ key: string; name: string }> = [];

  beforeAll(async () => {
    ({ t, origin } = await createServedApp({
      workers: false,
      env: { BRAND_NAME: 'Acme', DEFAULT_TIMEZONE: 'Europe/Amsterdam' },
    }));
    for (const name of ['Product news', 'Tips & tricks', 'Events', 'Research', 'Offers']) {
      topics.push(
        await createTopic(t, {
          name,
          description: `All about ${name.toLowerCase()}, in plain words, once in a while.`,
          allowedFrequencies: ['weekly', 'monthly', 'quarterly'],
          defaultFrequency: 'monthly',
        }),
      );
    }
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const zoneOf = async (email: string) =>
    (
      await t.dataSource.query(`SELECT timezone, locale FROM subscribers WHERE email = $1`, [email])
    )[0] as { timezone: string; locale: string } | undefined;

  it('detects the time zone in the browser, and offers a select without JavaScript (item 6)', async () => {
    const sydney = await browser.newContext({ timezoneId: 'Australia/Sydney', locale: 'en-AU' });
    try {
      const p = await sydney.newPage();
      await p.goto(`${origin}/subscribe?lang=en`);
      expect(await unlabelledControls(p)).toMatchObject({ problems: [] });
      // The detected zone is shown; the choices stay one click away.
      await p.getByText('Australia/Sydney').first().waitFor();
      const email = uniqueEmail('syd');
      await p.getByLabel('Email address').fill(email);
      await p
        .getByLabel('How often would you like "Product news"?')
        .selectOption(`${topics[0].key}:weekly`);
      await p.getByRole('button', { name: 'Subscribe' }).click();
      await p.getByRole('heading', { name: 'Check your inbox' }).waitFor();
      expect(await zoneOf(email)).toEqual({ timezone: 'Australia/Sydney', locale: 'en' });
    } finally {
      await sydney.close();
    }

    const noJs = await browser.newContext({ javaScriptEnabled: false });
    try {
      const p = await noJs.newPage();
      await p.goto(`${origin}/subscribe?lang=nl`);
      expect(await unlabelledControls(p)).toMatchObject({ problems: [] });
      const email = uniqueEmail('nyc');
      await p.getByLabel('E-mailadres').fill(email);
      await p.getByLabel('Tijdzone').selectOption('America/New_York');
      await p.getByLabel('Taal van onze e-mails').selectOption('en');
      await p.getByLabel('Hoe vaak wil je "Events"?').selectOption(`${topics[2].key}:monthly`);
      await p.getByRole('button', { name: 'Inschrijven' }).click();
      await p.getByRole('heading', { name: 'Kijk in je inbox' }).waitFor();
      expect(await zoneOf(email)).toEqual({ timezone: 'America/New_York', locale: 'en' });
    } finally {
      await noJs.close();
    }
  });

  it('puts the confirmation where the eye and the focus are after a change, at 375 px, with and without JavaScript (item 9)', async () => {
    for (const javaScriptEnabled of [true, false]) {
      const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled });
      try {
        const p = await context.newPage();
        const s = await createSubscriber(t, {
          topics: topics.map((x) => ({ topic: x.key, frequency: 'monthly' })),
        });
        const token = t.app.get(TokensService).sign('manage', s.id);
        await p.goto(`${origin}/p/${token}?lang=en`);
        const last = topics.at(-1)!;

        await p.locator(`#freq-${last.key}`).selectOption('quarterly');
        await Promise.all([
          p.waitForURL((u) => u.searchParams.get('done') === 'frequency_changed'),
          p.getByRole('button', { name: `Save for ${last.name}`, exact: true }).click(),
        ]);
        expect(await p.locator('#done').innerText()).toBe(
          `Saved: you now get "${last.name}" quarterly.`,
        );
        expect([javaScriptEnabled, await placeAndFocus(p, '#done')]).toEqual([
          javaScriptEnabled,
          { inViewport: true, focused: true, live: 'polite' },
        ]);

        await p.getByLabel('60 days').check();
        await Promise.all([
          p.waitForURL((u) => u.searchParams.get('done') === 'paused'),
          p.getByRole('button', { name: 'Pause all email', exact: true }).click(),
        ]);
        expect(await p.locator('#done').innerText()).toMatch(/^Saved: all email is paused until/);
        expect([javaScriptEnabled, await placeAndFocus(p, '#done')]).toEqual([
          javaScriptEnabled,
          { inViewport: true, focused: true, live: 'polite' },
        ]);
      } finally {
        await context.close();
      }
    }
  });

  it('keeps words whole in the consent table at 1280 px and offers in-page navigation at 375 px (item 11)', async () => {
    const context = await browser.newContext({ viewport: DESKTOP });
    try {
      const p = await context.newPage();
      const s = await createSubscriber(t, {
        topics: topics.slice(0, 3).map((x) => ({ topic: x.key, frequency: 'weekly' })),
      });
      const token = t.app.get(TokensService).sign('manage', s.id);
      await p.goto(`${origin}/p/${token}?lang=en`);
      await p.locator('table').waitFor();
      expect(await brokenWords(p, 'table th, table td:not([data-label="Exact wording"])')).toEqual(
        [],
      );

      await p.setViewportSize(PHONE);
      await p.goto(`${origin}/p/${token}?lang=en`);
      const nav = p.getByRole('navigation', { name: 'On this page' });
      const box = (await nav.boundingBox())!;
      expect(box.y + box.height).toBeLessThan(PHONE.height);
      await nav.getByRole('link', { name: 'Consent history' }).click();
      await p.waitForURL((u) => u.hash === '#history');
      const heading = (await p.locator('#history').boundingBox())!;
      expect(heading.y).toBeGreaterThanOrEqual(0);
      expect(heading.y).toBeLessThan(PHONE.height / 2);
    } finally {
      await context.close();
    }
  });

  it("checks the address in the browser by the server's rule, and shows server errors on the form (item 12)", async () => {
    const context = await browser.newContext();
    try {
      const p = await context.newPage();
      await p.goto(`${origin}/subscribe?lang=nl`);
      const email = p.getByLabel('E-mailadres');
      const valid = () =>
        email.evaluate((el) => (el as unknown as { validity: { valid: boolean } }).validity.valid);
      await email.fill('a@b');
      expect(await valid()).toBe(false);
      await email.fill('a@b.nl');
      expect(await valid()).toBe(true);

      // An error only the server can find comes back on the form, in Dutch, values kept.
      await inPage(p, `() => document.querySelector('form').setAttribute('novalidate', '')`, null);
      await email.fill('a@b');
      await p.getByLabel('Naam (niet verplicht)').fill('Ada');
      await p.getByRole('button', { name: 'Inschrijven' }).click();
      await p
        .getByText('Vul een volledig e-mailadres in, zoals naam@voorbeeld.nl.')
        .first()
        .waitFor();
      expect(await p.getByLabel('E-mailadres').inputValue()).toBe('a@b');
      expect(await p.getByLabel('Naam (niet verplicht)').inputValue()).toBe('Ada');
      expect(await inPage(p, `() => document.documentElement.lang`, null)).toBe('nl');
      const focused = await inPage<string>(p, `() => document.activeElement.id`, null);
      expect(['form-errors', 'email']).toContain(focused);
    } finally {
      await context.close();
    }
  });
});
