import { ConsoleHarness } from '../support/console-browser';

/** The console's frame: navigation by role, page addresses, an unknown address, the back button. */
describe('Console shell in Chromium', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await ConsoleHarness.start();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('opens pages by address, says so for an unknown one, and keeps history', async () => {
    const { page, errors, close } = await h.signIn('analyst');
    expect(new URL(page.url()).pathname).toBe('/console/');
    await expect(page.locator('nav a[aria-current=page]').innerText()).resolves.toBe('Home');

    await h.open(page, '/no-such-page');
    await expect(page.locator('main h1').innerText()).resolves.toBe('Page not found');
    await expect(page.title()).resolves.toBe('Page not found · Tidings console');

    await page.getByRole('link', { name: 'Home' }).click();
    await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    expect(errors.filter((e) => !/status of 40[134]/.test(e))).toEqual([]);
    await close();
  });
});
