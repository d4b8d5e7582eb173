import type { Browser, Page } from 'playwright-core';
import { StartupNotices } from '../../src/platform/startup-notices';
import { createServedApp, launchChromium } from '../support/browser';
import {
  type BrowserGlobals,
  checkPage as checkConsolePage,
  CONSOLE_PASSWORD,
} from '../support/console-browser';
import type { TestApp } from '../support/test-app';

const PASSWORD = CONSOLE_PASSWORD;

/**
 * The console in Chromium, served from dist/console as `npm start` serves it (the pretest build
 * makes it): the first owner from the printed link, sign-in, today's figures, sign-out.
 */
describe('Console in Chromium (playwright-core)', () => {
  let t: TestApp;
  let origin: string;
  let ownerLink: string;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ({ t, origin } = await createServedApp({ env: { RATE_LIMIT_SIGN_IN_PER_MINUTE: '1000' } }));
    ownerLink = t.app
      .get(StartupNotices)
      .take()
      .flatMap((n) => n.lines)
      .find((l) => l.includes('/console/setup#token='))!
      .trim();
    browser = await launchChromium();
    const context = await browser.newContext({
      locale: 'en-GB',
      viewport: { width: 1280, height: 800 },
    });
    page = await context.newPage();
    // A script the CSP refused, a failed request or a crash shows up here.
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const checkPage = (name: string) => checkConsolePage(page, name);

  it('serves the app at /console with a CSP that allows only its own scripts, and index.html for its pages', async () => {
    const res = await fetch(`${origin}/console/setup`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)![1];
    const asset = await fetch(`${origin}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${origin}/console/assets/missing.js`)).status).toBe(404);
  });

  it('fresh install → set-up link → owner → sign in (keyboard) → today’s figures → sign out', async () => {
    // The link printed at start, opened as the owner would.
    expect(ownerLink).toBe(`${origin}/console/setup#token=${ownerLink.split('#token=')[1]}`);
    await page.goto(ownerLink);
    await page.getByRole('heading', { level: 1, name: 'Create the owner account' }).waitFor();
    await checkPage('setup');
    await page.getByLabel('Name').fill('Olive Owner');
    await page.getByLabel('Email address').fill('olive@acme.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Language').selectOption('en');
    await page.getByRole('button', { name: 'Create the owner' }).click();

    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await expect(page.getByRole('status').innerText()).resolves.toBe(
      'The owner account exists. Sign in with it.',
    );
    const [owner] = await t.dataSource.query(`SELECT role, locale FROM users WHERE email = $1`, [
      'olive@acme.test',
    ]);
    expect(owner).toEqual({ role: 'owner', locale: 'en' });
    await checkPage('sign-in');

    // A wrong password is said in words, on the page.
    await page.getByLabel('Email address').fill('olive@acme.test');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe(
      'Wrong email address or password.',
    );

    // Sign in by keyboard only: Tab between the fields, Enter submits.
    await page.getByLabel('Email address').fill('');
    await page.getByLabel('Password').fill('');
    await page.getByLabel('Email address').focus();
    await page.keyboard.type('olive@acme.test');
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/');
    await page.getByRole('heading', { level: 2, name: 'Trust figures of today' }).waitFor();
    const sent = page.locator('.figure', { hasText: 'Sent' }).locator('dd');
    await expect(sent.innerText()).resolves.toBe('0');
    await expect(
      page.locator('.figure', { hasText: 'Complaint rate' }).locator('dd').innerText(),
    ).resolves.toBe('none yet (within the guideline)');
    await expect(page.getByText('Signed in as Olive Owner').count()).resolves.toBe(1);
    await checkPage('home');

    // A reload keeps the session (the httpOnly cookie), and the page reads it from /v1/auth/me.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();

    // Sign out by keyboard too.
    await page.getByRole('button', { name: 'Sign out' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    const me = await page.evaluate(async () => (await fetch('/v1/auth/me')).status);
    expect(me).toBe(401);
    await page.goto(`${origin}/console/`);
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');

    expect(pageErrors.filter((e) => !/status of 40[13]/.test(e))).toEqual([]);
  });

  it('speaks Dutch to a Dutch browser and to a user whose locale is nl', async () => {
    const context = await browser.newContext({ locale: 'nl-NL' });
    const nl = await context.newPage();
    await nl.goto(`${origin}/console/`);
    await nl.getByRole('heading', { level: 1, name: 'Inloggen' }).waitFor();
    await expect(
      nl.evaluate(() => (globalThis as unknown as BrowserGlobals).document.documentElement.lang),
    ).resolves.toBe('nl');
    await context.close();

    // An English browser, a Dutch user: the user's locale wins once signed in.
    await t.dataSource.query(`UPDATE users SET locale = 'nl' WHERE email = $1`, [
      'olive@acme.test',
    ]);
    await page.getByLabel('Email address').fill('olive@acme.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Vandaag' }).waitFor();
    await page.getByRole('button', { name: 'Uitloggen' }).click();
    // Signed out, the browser's language again.
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  });
});
