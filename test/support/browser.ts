import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { findFreePort } from '../../src/platform/net';
import { createTestApp, TestApp, TestAppOptions } from './test-app';

/** Debian's Chromium (`.ci/run` installs the package when it is missing). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots and downloads of browser tests (gitignored). */
export const TEST_OUTPUT_DIR = join(__dirname, '..', '..', 'test-output');

/**
 * Headless Chromium through playwright-core. Playwright gives every launch a fresh, temporary
 * profile (user-data-dir) and removes it on close; the flags keep Chromium off the network and
 * quiet on a machine without a GPU or sandbox.
 */
export function launchChromium(): Promise<Browser> {
  mkdirSync(TEST_OUTPUT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
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
}

/** The app on a real loopback port, with PUBLIC_URL pointing at it (links in emails open there). */
export async function createServedApp(
  options: TestAppOptions = {},
): Promise<{ t: TestApp; origin: string }> {
  const port = await findFreePort();
  const origin = `http://127.0.0.1:${port}`;
  const t = await createTestApp({ ...options, env: { ...options.env, PUBLIC_URL: origin } });
  await t.app.listen(port, '127.0.0.1');
  return { t, origin };
}

const CONTROL_ROLES = new Set([
  'button',
  'checkbox',
  'combobox',
  'listbox',
  'radio',
  'searchbox',
  'slider',
  'spinbutton',
  'switch',
  'textbox',
  'PopUpButton',
]);

/**
 * Form controls whose accessible name (as Chromium computes it for screen readers) is empty,
 * and how many controls there were. Also lists inputs, selects and textareas without a <label>.
 */
export async function unlabelledControls(
  page: Page,
): Promise<{ controls: number; problems: string[] }> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: Array<{
        ignored: boolean;
        role?: { value: string };
        name?: { value: string };
        backendDOMNodeId?: number;
      }>;
    };
    const controls = nodes.filter((n) => !n.ignored && CONTROL_ROLES.has(n.role?.value ?? ''));
    const problems = controls
      .filter((n) => !(n.name?.value ?? '').trim())
      .map((n) => `${n.role?.value} without an accessible name (node ${n.backendDOMNodeId})`);
    const withoutLabel = await page
      .locator('input:not([type=hidden]), select, textarea')
      .evaluateAll((els) =>
        els
          .filter((el) => !(el as unknown as { labels?: { length: number } }).labels?.length)
          .map((el) => `${el.tagName.toLowerCase()}#${el.id || '?'} has no <label>`),
      );
    return { controls: controls.length, problems: [...problems, ...withoutLabel] };
  } finally {
    await cdp.detach();
  }
}
