import type { Page } from 'playwright-core';
import { createSubscriber, unique, uniqueEmail } from '../factories';
import { checkPage, ConsoleHarness } from '../support/console-browser';
import { eventually, SmtpSink } from '../support/smtp-sink';

/** The bits of the page's globals these tests read (they compile without the DOM library). */
interface EditorGlobals {
  document: {
    activeElement: {
      id: string;
      tagName: string;
      value: string;
      selectionStart: number;
      selectionEnd: number;
    } | null;
  };
  fetch: typeof fetch;
}

const NOTICE_DATA = {
  heading: 'Your car insurance renews on 15 January 2027',
  intro: 'Your policy renews automatically.',
  reason: 'You get this because your policy renews on 15 January 2027.',
};

/** Requests the test provokes on purpose (a refused preview) show as console errors. */
const expected = (e: string) => /status of 40[0134]/.test(e);

/**
 * The templates area in Chromium: a marketer edits the notice template with a live preview, sees
 * an error at its line, publishes, and the next notice carries the change; compares and restores
 * versions. Analysts read only, support has no access, and the API refuses them itself.
 */
describe('Console templates in Chromium', () => {
  let h: ConsoleHarness;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    h = await ConsoleHarness.start({
      env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://tidings.test', DISPATCH_INTERVAL_MS: '300' },
    });
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.stop();
  });

  const previewSubject = (page: Page) => page.getByTestId('preview-subject');
  const status = (page: Page, text: string) => page.getByRole('status').filter({ hasText: text });
  const nav = (page: Page) =>
    page.getByRole('navigation').getByRole('link', { name: 'Templates', exact: true });

  it('edits, validates at the line, publishes to the next email, compares and restores versions', async () => {
    const { page, errors, close } = await h.signIn('marketer');

    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('heading', { level: 1, name: 'Templates' }).waitFor();
    const row = page.getByRole('row', { name: /^notice / });
    await expect(row.innerText()).resolves.toMatch(/Marketing\s+1\s+None/);
    await checkPage(page, 'templates-list');

    await page.getByRole('link', { name: 'notice', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Template notice' }).waitFor();
    await expect(page.getByLabel('Language').inputValue()).resolves.toBe('en');
    // The published version's preview first, in a sandboxed frame (no scripts, no same origin).
    // (The subject shows '…' until the first preview came in.)
    await previewSubject(page).filter({ hasText: NOTICE_DATA.heading }).waitFor();
    await expect(previewSubject(page).innerText()).resolves.toBe(NOTICE_DATA.heading);
    const frame = page.locator('iframe.preview');
    await expect(frame.getAttribute('sandbox')).resolves.toBe('');
    const inFrame = page.frameLocator('iframe.preview');
    await inFrame.getByText('Your policy renews automatically').first().waitFor();

    // The subject and text part change; the preview follows without saving.
    const subject = page.getByLabel('Subject (en)', { exact: true });
    const text = page.getByLabel('Text part (en)', { exact: true });
    // The shipped subject.hbs is one line and a line break.
    await expect(subject.inputValue()).resolves.toBe('{{heading}}\n');
    await subject.fill('{{heading}} (from the console)\n');
    const original = await text.inputValue();
    await text.fill(`Edited in the console.\n${original}`);
    await page.getByTestId('preview-subject').filter({ hasText: '(from the console)' }).waitFor();
    await page.getByTestId('preview-text').filter({ hasText: 'Edited in the console.' }).waitFor();
    await expect(frame.getAttribute('srcdoc')).resolves.toContain('(from the console)');
    await status(page, 'You have unsaved changes.').waitFor();

    // An unknown variable on line 4 of the text part (line 1 is the one added above).
    const lines = (await text.inputValue()).split('\n');
    expect(lines[3]).toBe('{{> greeting}}');
    lines[3] = 'Hi {{polcy.name}}';
    await text.fill(lines.join('\n'));
    const goTo = page.getByRole('button', { name: 'Text part (en), line 4, column 6' });
    await goTo.waitFor();
    await expect(page.getByRole('alert').filter({ has: goTo }).innerText()).resolves.toContain(
      'Text part (en), line 4, column 6: unknown variable "polcy.name"',
    );
    await expect(text.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(subject.getAttribute('aria-invalid')).resolves.toBeNull();
    // The field names its error too (aria-describedby).
    const described = (await text.getAttribute('aria-describedby'))!.split(' ');
    const fieldErrors = await Promise.all(
      described.map((id) => page.locator(`[id="${id}"]`).innerText()),
    );
    expect(fieldErrors.join('\n')).toContain('line 4, column 6: unknown variable "polcy.name"');
    await checkPage(page, 'templates-editor-error');

    // By keyboard: the link in the error list focuses the field with that line selected.
    await goTo.focus();
    await page.keyboard.press('Enter');
    const focused = await page.evaluate(() => {
      const el = (globalThis as unknown as EditorGlobals).document.activeElement!;
      return {
        tag: el.tagName,
        id: el.id,
        selected: el.value.slice(el.selectionStart, el.selectionEnd),
      };
    });
    expect(focused).toEqual({
      tag: 'TEXTAREA',
      id: await text.getAttribute('id'),
      selected: 'Hi {{polcy.name}}',
    });

    // Fixed, the errors go and the draft can be saved, then published (by keyboard).
    lines[3] = '{{> greeting}}';
    await text.fill(lines.join('\n'));
    await goTo.waitFor({ state: 'detached' });
    await expect(text.getAttribute('aria-invalid')).resolves.toBeNull();
    await page.getByRole('button', { name: 'Save draft' }).click();
    await status(page, 'The draft is saved.').waitFor();
    const publish = page.getByRole('button', { name: 'Publish', exact: true });
    await publish.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Publish' });
    await dialog.getByText('Publish the draft as version 2?').waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await status(page, 'Version 2 is published.').waitFor();

    const [v2] = await h.t.dataSource.query<{ published_by: string }[]>(
      `SELECT published_by FROM template_versions WHERE template_key = 'notice' AND version = 2`,
    );
    expect(v2.published_by).toBe('marketer@console.test');

    // The next notice goes out with version 2.
    const s = await createSubscriber(h.t, { email: uniqueEmail('tpl'), locale: 'en' });
    const sent = await h.t
      .api()
      .post('/v1/sends')
      .send({
        template: 'notice',
        email: s.email,
        kind: 'transactional',
        data: NOTICE_DATA,
        idempotencyKey: unique('tpl'),
      })
      .expect(202);
    const mail = await smtp.waitFor((m) => m.to.includes(s.email));
    expect(mail.parsed.subject).toBe(`${NOTICE_DATA.heading} (from the console)`);
    expect(mail.parsed.text).toMatch(/^Edited in the console\./);
    const row2 = await eventually(
      async () =>
        (
          await h.t.dataSource.query<{ template_version: number }[]>(
            `SELECT template_version FROM outbound_messages WHERE id = $1 AND status = 'sent'`,
            [sent.body.id],
          )
        )[0],
    );
    expect(row2.template_version).toBe(2);

    // The list says who published it.
    await page.getByRole('link', { name: 'All templates' }).click();
    const listed = page.getByRole('row', { name: /^notice / });
    await listed.filter({ hasText: 'by marketer@console.test' }).waitFor();
    await expect(listed.innerText()).resolves.toMatch(
      /Marketing\s+2\s+None\s+.*by marketer@console\.test$/s,
    );
    await page.getByRole('link', { name: 'notice', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Template notice' }).waitFor();

    // Version 1 against what is in the editor (version 2): one subject line and one text line.
    // By keyboard: a click just after Playwright scrolled the button into view reached the
    // sandboxed preview frame at its place before the scroll (seen 3 of 3 times: the frame took
    // the focus); Chromium's hit-testing of the frame lags the scroll by a frame. A pointer that
    // waits one frame, as a person does, reaches the button.
    const compare1 = page.getByRole('button', { name: 'Compare version 1 with the draft' });
    await compare1.focus();
    await page.keyboard.press('Enter');
    const subjectDiff = page.getByRole('table', { name: 'Subject: 1 added, 1 removed' });
    await subjectDiff.waitFor();
    await expect(subjectDiff.getByRole('row').allInnerTexts()).resolves.toEqual([
      expect.stringMatching(/^Change/),
      expect.stringMatching(/^− Removed\s+1\s+\{\{heading\}\}$/),
      expect.stringMatching(/^\+ Added\s+1\s+\{\{heading\}\} \(from the console\)$/),
    ]);
    const textDiff = page.getByRole('table', { name: 'Text part: 1 added, 0 removed' });
    await expect(textDiff.getByRole('row').nth(1).innerText()).resolves.toMatch(
      /^\+ Added\s+1\s+Edited in the console\.$/,
    );

    // Restore version 1 into the draft; then version 2 differs from the draft.
    await page.getByRole('button', { name: 'Restore version 1' }).click();
    await page
      .getByRole('dialog', { name: 'Restore version 1' })
      .getByRole('button', { name: 'Restore version 1' })
      .click();
    await status(page, 'Version 1 is now the draft. Publish it to use it.').waitFor();
    await expect(subject.inputValue()).resolves.toBe('{{heading}}\n');
    await previewSubject(page)
      .filter({ hasText: /^Your car insurance renews on 15 January 2027$/ })
      .waitFor();
    await page.getByRole('button', { name: 'Compare version 2 with the draft' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('table', { name: 'Subject: 1 added, 1 removed' }).waitFor();
    await page.getByRole('heading', { name: 'Version 2 against the draft (en)' }).waitFor();
    const [stored] = await h.t.dataSource.query<{ subject: string }[]>(
      `SELECT draft->'locales'->'en'->>'subject' AS subject FROM templates WHERE key = 'notice'`,
    );
    expect(stored.subject).toBe('{{heading}}\n');
    await checkPage(page, 'templates-editor');

    // A test send of the published version.
    await page.getByLabel('Send to').fill('me@console.test');
    await page.getByRole('button', { name: 'Send a test (en)' }).click();
    await status(page, 'A test email was sent to me@console.test.').waitFor();
    const test = await smtp.waitFor((m) => m.to.includes('me@console.test'));
    expect(test.parsed.subject).toBe(`[TEST] ${NOTICE_DATA.heading} (from the console)`);

    expect(errors.filter((e) => !expected(e))).toEqual([]);
    await close();
  });

  it('asks before leaving unsaved changes (a link, back, closing the tab), not when nothing changed', async () => {
    const { page, errors, close } = await h.signIn('marketer');
    const asked: string[] = [];
    let answer: 'accept' | 'dismiss' = 'dismiss';
    page.on('dialog', (d) => {
      asked.push(`${d.type()}: ${d.message()}`);
      void (answer === 'accept' ? d.accept() : d.dismiss());
    });
    await h.open(page, '/templates/digest');
    const heading = page.getByRole('heading', { level: 1, name: 'Template digest' });
    const subject = page.getByLabel('Subject (en)', { exact: true });
    // Nothing changed: leaving asks nothing.
    await nav(page).click();
    await page.getByRole('heading', { level: 1, name: 'Templates' }).waitFor();
    expect(asked).toEqual([]);

    await page.getByRole('link', { name: 'digest', exact: true }).click();
    await heading.waitFor();
    const edited = `${await subject.inputValue()}Not saved`;
    await subject.fill(edited);
    await status(page, 'You have unsaved changes.').waitFor();
    const question = 'confirm: This template has changes that are not saved. Leave and lose them?';

    // A link: "no" keeps the page and the edit.
    await nav(page).click();
    await eventually(async () => asked.length === 1);
    expect(asked).toEqual([question]);
    await heading.waitFor();
    await expect(subject.inputValue()).resolves.toBe(edited);

    // The browser's back button: "no" puts the address back.
    await page.goBack();
    await eventually(async () => asked.length === 2);
    expect(asked[1]).toBe(question);
    await eventually(async () => page.url().endsWith('/console/templates/digest'));
    await expect(heading.isVisible()).resolves.toBe(true);
    await expect(subject.inputValue()).resolves.toBe(edited);

    // Closing the tab: the browser's own question; "no" keeps it open.
    await page.close({ runBeforeUnload: true });
    await eventually(async () => asked.length === 3);
    expect(asked[2]).toMatch(/^beforeunload: /);
    expect(page.isClosed()).toBe(false);
    await expect(subject.inputValue()).resolves.toBe(edited);

    // "Yes" leaves without saving: the draft is as it was.
    answer = 'accept';
    await nav(page).click();
    await page.getByRole('heading', { level: 1, name: 'Templates' }).waitFor();
    expect(asked).toHaveLength(4);
    const stored = await h.t.api().get('/v1/templates/digest').expect(200);
    expect(JSON.stringify(stored.body)).not.toContain('Not saved');
    expect(errors.filter((e) => !expected(e))).toEqual([]);
    await close();
  });

  it('shows an admin the activity of the template', async () => {
    const { page, errors, close } = await h.signIn('admin');
    await h.open(page, '/templates/notice');
    const activity = page.getByRole('region', { name: 'Activity' });
    await activity.getByRole('table').waitFor();
    await expect(activity.getByRole('row').allInnerTexts()).resolves.toEqual([
      expect.stringMatching(/^When/),
      expect.stringMatching(/marketer@console\.test\s+Restored version 1 into the draft$/),
      expect.stringMatching(/marketer@console\.test\s+Published version 2$/),
    ]);
    await checkPage(page, 'templates-editor-admin');
    expect(errors.filter((e) => !expected(e))).toEqual([]);
    await close();
  });

  it('lets an analyst read but not change, and the API refuses the analyst itself', async () => {
    const { page, errors, close } = await h.signIn('analyst');
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('link', { name: 'notice', exact: true }).click();
    await page.getByText('Your role can read templates but not change them.').waitFor();
    await expect(
      page.getByLabel('Subject (en)', { exact: true }).getAttribute('readonly'),
    ).resolves.toBe('');
    for (const name of ['Save draft', 'Publish', 'Send a test (en)', 'Restore version 1']) {
      await expect(page.getByRole('button', { name, exact: true }).count()).resolves.toBe(0);
    }
    await page.getByRole('button', { name: 'Compare version 1 with the draft' }).waitFor();
    await checkPage(page, 'templates-editor-readonly');

    // The session itself is refused, whatever the page shows.
    const status = await page.evaluate(async () => {
      const f = (globalThis as unknown as EditorGlobals).fetch;
      const me = (await (await f('/v1/auth/me')).json()) as { csrfToken: string };
      const detail = (await (await f('/v1/templates/notice')).json()) as { published: unknown };
      const put = await f('/v1/templates/notice', {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: JSON.stringify(detail.published),
      });
      const publish = await f('/v1/templates/notice/publish', {
        method: 'POST',
        headers: { 'x-csrf-token': me.csrfToken },
      });
      return [put.status, publish.status];
    });
    expect(status).toEqual([403, 403]);
    expect(errors.filter((e) => !expected(e))).toEqual([]);
    await close();
  });

  it('gives support no templates page, and the API refuses support too', async () => {
    const { page, errors, close } = await h.signIn('support');
    await expect(page.getByRole('link', { name: 'Templates' }).count()).resolves.toBe(0);
    await h.open(page, '/templates');
    await page.getByText('Your role cannot open this page.', { exact: false }).waitFor();
    const status = await page.evaluate(
      async () => (await (globalThis as unknown as EditorGlobals).fetch('/v1/templates')).status,
    );
    expect(status).toBe(403);
    expect(errors.filter((e) => !expected(e))).toEqual([]);
    await close();
  });

  it('speaks Dutch to a Dutch user', async () => {
    const { page, close } = await h.signIn('marketer', { email: 'nl@console.test', locale: 'nl' });
    await page.getByRole('link', { name: 'Sjablonen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sjablonen' }).waitFor();
    await page.getByRole('link', { name: 'notice', exact: true }).click();
    await page.getByLabel('Onderwerp (nl)').waitFor();
    await close();
  });
});
