import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { hashPassword } from '../../src/surfaces/accounts/passwords';
import type { Role } from '../../src/surfaces/accounts/roles';
import { createServedApp, launchChromium, TEST_OUTPUT_DIR, unlabelledControls } from './browser';
import type { TestApp, TestAppOptions } from './test-app';

/** axe-core's browser build; run in the page with CDP's evaluate (the page's CSP forbids inline scripts). */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The password of every user a ConsoleHarness makes. */
export const CONSOLE_PASSWORD = 'correct horse battery';

/** The bits of the page's globals used here (the tests compile without the DOM library). */
export interface BrowserGlobals {
  document: { documentElement: { scrollWidth: number; lang: string } };
}

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }>;
  passes: unknown[];
}

/** Serious and critical axe-core violations of the page as it is now. */
export async function axeProblems(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    (globalThis as unknown as { axe: { run(): Promise<AxeResult> } }).axe.run(),
  );
  // axe ran its rules on this page (an empty page or a failed injection passes nothing).
  expect(result.passes.length).toBeGreaterThan(10);
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes): ${v.help}`);
}

/**
 * Every page check of the console: axe-core (no serious or critical violation), every control
 * labelled, no sideways scrolling at 375 px, and screenshots at 1280 and 375 px wide in
 * test-output/console-<name>-<width>.png.
 */
export async function checkPage(page: Page, name: string): Promise<void> {
  const before = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.setViewportSize({ width: 1280, height: 800 });
  expect(await axeProblems(page)).toEqual([]);
  expect((await unlabelledControls(page)).problems).toEqual([]);
  await page.screenshot({
    path: join(TEST_OUTPUT_DIR, `console-${name}-1280.png`),
    fullPage: true,
  });
  await page.setViewportSize({ width: 375, height: 740 });
  expect(
    await page.evaluate(
      () => (globalThis as unknown as BrowserGlobals).document.documentElement.scrollWidth,
    ),
  ).toBeLessThanOrEqual(375);
  expect(await axeProblems(page)).toEqual([]);
  await page.screenshot({ path: join(TEST_OUTPUT_DIR, `console-${name}-375.png`), fullPage: true });
  await page.setViewportSize(before);
}

/** A signed-in console tab and what went wrong in it (CSP refusals, failed requests, crashes). */
export interface ConsoleTab {
  page: Page;
  errors: string[];
  close(): Promise<void>;
}

/**
 * The app served on a loopback port (as `npm start` serves dist/console), Chromium, and users of
 * any role, made directly in the users table with CONSOLE_PASSWORD:
 *
 *   const h = await ConsoleHarness.start();
 *   const { page } = await h.signIn('marketer');
 *   ...
 *   await h.close();
 */
export class ConsoleHarness {
  private readonly users = new Map<string, string>();

  private constructor(
    readonly t: TestApp,
    readonly origin: string,
    readonly browser: Browser,
  ) {}

  static async start(options: TestAppOptions = {}): Promise<ConsoleHarness> {
    const { t, origin } = await createServedApp({
      ...options,
      env: { RATE_LIMIT_SIGN_IN_PER_MINUTE: '1000', ...options.env },
    });
    const browser = await launchChromium();
    return new ConsoleHarness(t, origin, browser);
  }

  /** A user of this role (one per role unless `email` is given); returns the email address. */
  async user(
    role: Role,
    options: { email?: string; name?: string; locale?: 'nl' | 'en' } = {},
  ): Promise<string> {
    const email = options.email ?? `${role}@console.test`;
    if (this.users.has(email)) return email;
    await this.t.dataSource.query(
      `INSERT INTO users (email, name, role, password_hash, locale) VALUES ($1, $2, $3, $4, $5)`,
      [
        email,
        options.name ?? `${role[0].toUpperCase()}${role.slice(1)} User`,
        role,
        await hashPassword(CONSOLE_PASSWORD),
        options.locale ?? 'en',
      ],
    );
    this.users.set(email, role);
    return email;
  }

  /** A new browser tab signed in as a user of this role (made when missing), at the home page. */
  async signIn(
    role: Role,
    options: { email?: string; locale?: 'nl' | 'en'; width?: number } = {},
  ): Promise<ConsoleTab> {
    const email = await this.user(role, options);
    const context = await this.browser.newContext({
      locale: options.locale === 'nl' ? 'nl-NL' : 'en-GB',
      viewport: { width: options.width ?? 1280, height: 800 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${this.origin}/console/sign-in`);
    await page.locator('input[type=email]').fill(email);
    await page.locator('input[type=password]').fill(CONSOLE_PASSWORD);
    await page.locator('form button[type=submit]').click();
    await page.locator('nav a[aria-current=page]').waitFor();
    return { page, errors, close: () => context.close() };
  }

  /** Opens a console path ('/topics') in the tab and waits for its h1. */
  async open(page: Page, path: string): Promise<void> {
    await page.goto(`${this.origin}/console${path === '/' ? '/' : path}`);
    await page.locator('main h1').first().waitFor();
  }

  async close(): Promise<void> {
    await this.browser?.close();
    await this.t?.close();
  }
}
