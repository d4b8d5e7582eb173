import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { SuppressionsService } from '../../src/audience/suppressions/suppressions.service';
import { CONSOLE_PASSWORD, checkPage, ConsoleHarness } from '../support/console-browser';
import { eventually, SmtpSink } from '../support/smtp-sink';

const BOUNCE_SECRET = 'bounce-secret-for-the-console-test';
const NEW_PASSWORD = 'a fresh and long password';

/** Console errors a signed-out page expects: GET /v1/auth/me answers 401 before sign-in. */
const unexpected = (errors: string[]) => errors.filter((e) => !/status of 40[13]/.test(e));

/**
 * Deliverability and settings in Chromium: an owner invites a marketer who accepts in the
 * browser, creates and revokes an API key, reads the activity log, looks up a suppression,
 * reads bounces, adds a webhook endpoint and turns the console Dutch; an analyst sees no write
 * action and the API refuses theirs; a forgotten password is reset through its link.
 */
describe('Console deliverability and settings in Chromium', () => {
  let h: ConsoleHarness;
  let smtp: SmtpSink;
  const marketerEmail = 'new.marketer@console.test';

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    h = await ConsoleHarness.start({
      env: {
        SMTP_URL: smtp.url,
        BOUNCE_WEBHOOK_SECRET: BOUNCE_SECRET,
        WEBHOOK_INTERVAL_MS: '200',
        WEBHOOK_RETRY_BASE_MS: '200',
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.stop();
  });

  const linkIn = async (to: string, path: string): Promise<string> => {
    const mail = await smtp.waitFor(
      (m) => m.to.includes(to) && (m.parsed.text ?? '').includes(path),
    );
    const match = new RegExp(`${h.origin}/console/${path}#token=[\\w-]+`).exec(
      mail.parsed.text ?? '',
    );
    expect(match).not.toBeNull();
    return match![0];
  };

  const roleBecomes = (role: string) =>
    eventually(async () => {
      const rows = await h.t.dataSource.query(`SELECT role FROM users WHERE email = $1`, [
        marketerEmail,
      ]);
      return rows[0]?.role === role;
    });

  async function signInAs(page: Page, email: string, password: string): Promise<void> {
    await page.goto(`${h.origin}/console/sign-in`);
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('nav a[aria-current=page]').waitFor();
  }

  it('an owner invites a marketer, who follows the emailed link, sets a password and signs in', async () => {
    const { page, errors, close } = await h.signIn('owner');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
    await page.getByRole('link', { name: 'Users and roles' }).click();
    await page.getByRole('heading', { level: 1, name: 'Users and roles' }).waitFor();
    await checkPage(page, 'settings-users');

    // By keyboard: type into the fields and send the form with Enter.
    const form = page.locator('form', {
      has: page.getByRole('button', { name: 'Send the invite' }),
    });
    await form.getByLabel('Email address').fill(marketerEmail);
    await form.getByLabel('Name').fill('Mia Marketer');
    await form.getByLabel('Role').selectOption('marketer');
    await form.getByLabel('Language').selectOption('en');
    await form.getByLabel('Name').press('Enter');
    await page
      .getByRole('status')
      .filter({ hasText: `The invite is sent to ${marketerEmail}` })
      .waitFor();
    await page.getByRole('cell', { name: /^Mia Marketer/ }).waitFor();
    const [invited] = await h.t.dataSource.query(
      `SELECT role, password_hash IS NULL AS no_password FROM users WHERE email = $1`,
      [marketerEmail],
    );
    expect(invited).toEqual({ role: 'marketer', no_password: true });

    const link = await linkIn(marketerEmail, 'accept-invite');
    const context = await h.browser.newContext({ locale: 'en-GB' });
    const invitee = await context.newPage();
    const inviteeErrors: string[] = [];
    invitee.on('console', (m) => m.type() === 'error' && inviteeErrors.push(m.text()));
    await invitee.goto(link);
    await invitee.getByRole('heading', { level: 1, name: 'Accept your invite' }).waitFor();
    await checkPage(invitee, 'settings-accept-invite');
    await invitee.getByLabel('New password', { exact: true }).fill(CONSOLE_PASSWORD);
    await invitee.getByRole('button', { name: 'Set the password' }).click();
    await invitee.getByRole('status').filter({ hasText: 'Your password is set' }).waitFor();
    await invitee.getByRole('link', { name: 'Go to sign-in' }).click();
    await invitee.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await signInAs(invitee, marketerEmail, CONSOLE_PASSWORD);
    await invitee.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
    const [accepted] = await h.t.dataSource.query(
      `SELECT password_hash IS NOT NULL AS has_password FROM users WHERE email = $1`,
      [marketerEmail],
    );
    expect(accepted.has_password).toBe(true);
    // The link works once.
    await invitee.goto(link);
    await invitee.getByLabel('New password', { exact: true }).fill(CONSOLE_PASSWORD);
    await invitee.getByRole('button', { name: 'Set the password' }).click();
    await invitee.getByRole('alert').filter({ hasText: 'used already or has expired' }).waitFor();
    expect(unexpected(inviteeErrors).filter((e) => !/status of 410/.test(e))).toEqual([]);
    await context.close();

    // The owner changes the new marketer's role; the API records it.
    await page.reload();
    await page.getByLabel('Role of Mia Marketer', { exact: true }).selectOption('analyst');
    await page.getByRole('button', { name: 'Change the role of Mia Marketer' }).click();
    await roleBecomes('analyst');
    await page.getByLabel('Role of Mia Marketer', { exact: true }).selectOption('marketer');
    await page.getByRole('button', { name: 'Change the role of Mia Marketer' }).press('Enter');
    await roleBecomes('marketer');
    const changes = await h.t.dataSource.query(
      `SELECT details FROM activity_log WHERE action = 'user.role_changed' ORDER BY id`,
    );
    expect(changes.map((c: { details: unknown }) => c.details)).toEqual([
      { from: 'marketer', to: 'analyst' },
      { from: 'analyst', to: 'marketer' },
    ]);
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('an owner creates an API key with one scope, sees it once, and revokes it (then it gets 401)', async () => {
    const { page, errors, close } = await h.signIn('owner');
    await h.open(page, '/settings/api-keys');
    await checkPage(page, 'settings-api-keys');
    await page.getByLabel('Name').fill('crm-sync');
    await page.getByLabel('topics:read').check();
    await page.getByRole('button', { name: 'Create the key' }).click();
    const key = (await page.getByTestId('new-api-key').innerText()).trim();
    expect(key).toMatch(/^tdg_/);
    const topics = () =>
      fetch(`${h.origin}/v1/topics`, { headers: { Authorization: `Bearer ${key}` } });
    expect((await topics()).status).toBe(200);
    // Its scope only: subscribers are refused.
    const subscribers = await fetch(`${h.origin}/v1/subscribers`, {
      headers: { Authorization: `Bearer ${key}` },
    });
    expect(subscribers.status).toBe(403);
    await checkPage(page, 'settings-api-key-created');

    await page.getByRole('button', { name: 'Revoke crm-sync' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke', exact: true }).click();
    await page.getByRole('cell', { name: /^revoked/ }).waitFor();
    expect((await topics()).status).toBe(401);
    const actions = await h.t.dataSource.query(
      `SELECT action FROM activity_log WHERE action LIKE 'api_key.%' ORDER BY id`,
    );
    expect(actions.map((a: { action: string }) => a.action)).toEqual([
      'api_key.created',
      'api_key.revoked',
    ]);

    // The activity log shows it, filtered, and exports the filtered entries as CSV.
    await page.getByRole('link', { name: 'Activity log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Activity log' }).waitFor();
    await page.getByLabel('Action').selectOption('api_key.revoked');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('cell', { name: 'api_key.revoked' }).waitFor();
    await eventually(
      async () => (await page.getByRole('cell', { name: 'api_key.created' }).count()) === 0,
    );
    await checkPage(page, 'settings-activity');
    const href = await page.getByRole('link', { name: 'Export as CSV' }).getAttribute('href');
    expect(href).toContain('format=csv');
    expect(href).toContain('action=api_key.revoked');
    const csv = await page.context().request.get(`${h.origin}${href}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toContain('text/csv');
    const text = await csv.text();
    expect(text).toContain('api_key.revoked');
    expect(text).not.toContain('api_key.created');
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('looks up a suppressed address, lists bounces, and adds a webhook endpoint', async () => {
    const suppressed = 'bounced.person@console.test';
    await fetch(`${h.origin}/v1/webhooks/bounces`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${BOUNCE_SECRET}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ recipient: suppressed, type: 'hard', status: '5.1.1' }),
    }).then((r) => expect(r.status).toBe(200));
    await h.t.app.get(SuppressionsService).suppress('erased.person@console.test', 'erasure', {});

    const { page, errors, close } = await h.signIn('owner');
    await page.getByRole('link', { name: 'Deliverability' }).click();
    await page.getByRole('heading', { level: 1, name: 'Suppressions' }).waitFor();
    await page.getByLabel('Email address').fill(suppressed.toUpperCase());
    await page.getByLabel('Email address').press('Enter');
    await page
      .getByRole('status')
      .filter({ hasText: /is suppressed since .*: hard bounce\./ })
      .waitFor();
    await page.getByRole('cell', { name: 'erased at their request' }).waitFor();
    await checkPage(page, 'deliverability-suppressions');
    await page.getByLabel('Email address').fill('never.bounced@console.test');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByRole('status').filter({ hasText: 'is not suppressed' }).waitFor();
    // The product offers no way to lift a suppression.
    expect(await page.getByRole('button', { name: /remove|delete/i }).count()).toBe(0);

    await page.getByRole('link', { name: 'Bounces and complaints' }).click();
    await page.getByRole('heading', { level: 1, name: 'Bounces and complaints' }).waitFor();
    const hard = page.locator('.figure', { hasText: 'Hard bounces' }).locator('dd');
    await eventually(async () => (await hard.innerText()) === '1');
    await page.getByRole('cell', { name: 'suppressed the address' }).waitFor();
    await checkPage(page, 'deliverability-bounces');

    await page.getByRole('link', { name: 'Webhook endpoints' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhook endpoints' }).waitFor();
    await page.getByLabel('URL').fill('https://crm.example.com/hooks/tidings');
    await page.getByLabel('Description').fill('CRM sync');
    await page.getByLabel('Every event (also those added later)').uncheck();
    await page.getByLabel('subscriber.unsubscribed').check();
    await page.getByRole('button', { name: 'Add the endpoint' }).click();
    const secret = await page.locator('[role=status] code.secret').innerText();
    expect(secret.length).toBeGreaterThanOrEqual(16);
    const [endpoint] = await h.t.dataSource.query(
      `SELECT id, events, enabled FROM webhook_endpoints WHERE url = $1`,
      ['https://crm.example.com/hooks/tidings'],
    );
    expect(endpoint).toMatchObject({ events: ['subscriber.unsubscribed'], enabled: true });
    await checkPage(page, 'deliverability-webhooks');
    await page
      .getByRole('button', { name: 'Disable https://crm.example.com/hooks/tidings' })
      .click();
    await page.getByRole('cell', { name: 'Disabled', exact: true }).waitFor();
    const [after] = await h.t.dataSource.query(
      `SELECT enabled FROM webhook_endpoints WHERE id = $1`,
      [endpoint.id],
    );
    expect(after.enabled).toBe(false);
    const recorded = await h.t.dataSource.query(
      `SELECT action, actor_name FROM activity_log WHERE target_id = $1 ORDER BY id`,
      [endpoint.id],
    );
    expect(recorded).toEqual([
      { action: 'webhook_endpoint.created', actor_name: 'owner@console.test' },
      { action: 'webhook_endpoint.changed', actor_name: 'owner@console.test' },
    ]);
    await page.getByRole('link', { name: 'Deliveries' }).click();
    await page.getByRole('heading', { level: 1, name: /Webhook deliveries/ }).waitFor();
    await checkPage(page, 'deliverability-webhook-deliveries');
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it("shows an endpoint's deliveries with their answers, and sends one again", async () => {
    // A receiver in this process that answers 204 and keeps the event ids it was sent.
    const received: string[] = [];
    const server: Server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        received.push((JSON.parse(raw) as { id: string }).id);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      const endpoint = (
        await h.t
          .api()
          .post('/v1/webhook-endpoints')
          .send({ url, events: ['subscriber.created'] })
          .expect(201)
      ).body as { id: string };
      await h.t.api().post('/v1/subscribers').send({ email: 'hooked@console.test' }).expect(201);
      await eventually(async () => received.length === 1);

      const { page, errors, close } = await h.signIn('owner');
      await h.open(page, '/deliverability/webhooks');
      await page
        .getByRole('row', { name: new RegExp(url.replace(/[.]/g, '\\.')) })
        .getByRole('link', { name: 'Deliveries' })
        .click();
      await page.getByRole('heading', { level: 1, name: 'Webhook deliveries' }).waitFor();
      const row = page.getByRole('row', { name: /subscriber\.created/ });
      await expect(row.getByRole('cell').allInnerTexts()).resolves.toEqual([
        expect.stringContaining('subscriber.created'),
        'delivered',
        '1',
        '204',
        expect.any(String),
        '—',
        expect.stringContaining('Send again'),
      ]);
      await checkPage(page, 'deliverability-webhook-deliveries-sent');
      await row.getByRole('button', { name: /Send again/ }).click();
      await page
        .getByRole('status')
        .filter({ hasText: 'A new delivery of the event is due now' })
        .waitFor();
      await eventually(async () => received.length === 2);
      expect(received[1]).toBe(received[0]);
      const rows = await h.t.dataSource.query(
        `SELECT status, replay_of IS NOT NULL AS replay FROM webhook_deliveries
          WHERE endpoint_id = $1 ORDER BY created_at`,
        [endpoint.id],
      );
      expect(rows.map((r: { replay: boolean }) => r.replay)).toEqual([false, true]);
      await page.reload();
      await eventually(
        async () => (await page.getByRole('row', { name: /subscriber\.created/ }).count()) === 2,
      );
      expect(unexpected(errors)).toEqual([]);
      await close();
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('an owner opens the queue board from Settings; an analyst has no link and gets 403', async () => {
    const owner = await h.signIn('owner');
    await h.open(owner.page, '/settings');
    const link = owner.page.getByRole('link', { name: 'Queue board' });
    expect(await link.getAttribute('href')).toBe('/admin/queues');
    await link.click();
    await owner.page.waitForURL(`${h.origin}/admin/queues**`);
    await owner.page.getByText('Tidings queues').first().waitFor();
    await owner.close();

    const analyst = await h.signIn('analyst');
    await h.open(analyst.page, '/settings');
    expect(await analyst.page.getByRole('link', { name: 'Queue board' }).count()).toBe(0);
    const board = await analyst.page.context().request.get(`${h.origin}/admin/queues/api/queues`);
    expect(board.status()).toBe(403);
    await analyst.close();
  });

  it('an analyst sees no write action on any settings page, and the API refuses theirs (403)', async () => {
    const { page, errors, close } = await h.signIn('analyst');
    await h.open(page, '/settings');
    const subnav = page.getByRole('navigation', { name: 'Settings pages' });
    expect(await subnav.getByRole('link').allInnerTexts()).toEqual(['My account']);
    await checkPage(page, 'settings-account-analyst');
    for (const path of ['/settings/api-keys', '/settings/users', '/settings/activity']) {
      await h.open(page, path);
      await page
        .getByRole('alert')
        .filter({ hasText: 'Your role cannot open this page' })
        .waitFor();
      expect(
        await page.getByRole('button', { name: /Create|Invite|Revoke|Delete|Disable/ }).count(),
      ).toBe(0);
    }
    await h.open(page, '/deliverability/webhooks');
    await page.getByRole('cell', { name: /crm\.example\.com/ }).waitFor();
    expect(await page.getByRole('button').allInnerTexts()).toEqual(['Sign out']);
    await checkPage(page, 'deliverability-webhooks-analyst');
    await h.open(page, '/deliverability');
    expect(await page.getByRole('button').allInnerTexts()).toEqual(['Sign out', 'Look up']);
    const endpointId = (await h.t.dataSource.query(`SELECT id FROM webhook_endpoints LIMIT 1`))[0]
      .id as string;
    await h.open(page, `/deliverability/webhooks/${endpointId}`);
    expect(await page.getByRole('button').allInnerTexts()).toEqual(['Sign out']);

    // The API refuses the analyst's session whatever the page shows.
    const request = page.context().request;
    const me = await (await request.get(`${h.origin}/v1/auth/me`)).json();
    const headers = { 'X-CSRF-Token': me.csrfToken as string };
    const refused = [
      await request.post(`${h.origin}/v1/api-keys`, {
        headers,
        data: { name: 'nope', scopes: ['topics:read'] },
      }),
      await request.post(`${h.origin}/v1/users`, {
        headers,
        data: { email: 'x@console.test', name: 'X', role: 'support' },
      }),
      await request.post(`${h.origin}/v1/webhook-endpoints`, {
        headers,
        data: { url: 'https://evil.example.com/' },
      }),
    ];
    expect(refused.map((r) => r.status())).toEqual([403, 403, 403]);
    const [counts] = await h.t.dataSource.query(
      `SELECT (SELECT count(*)::int FROM api_keys WHERE name = 'nope') AS keys,
              (SELECT count(*)::int FROM users WHERE email = 'x@console.test') AS users,
              (SELECT count(*)::int FROM webhook_endpoints WHERE url LIKE 'https://evil%') AS hooks`,
    );
    expect(counts).toEqual({ keys: 0, users: 0, hooks: 0 });
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('an owner turns their console Dutch from My account', async () => {
    const { page, errors, close } = await h.signIn('owner');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'My account' }).waitFor();
    await checkPage(page, 'settings-account');
    await page.getByLabel('Language', { exact: true }).selectOption('nl');
    await page.getByRole('button', { name: 'Save name and language' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mijn account' }).waitFor();
    await page.getByRole('link', { name: 'Instellingen' }).waitFor();
    await page.getByRole('link', { name: 'Bezorging' }).waitFor();
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { lang: string } } }).document
            .documentElement.lang,
      ),
    ).toBe('nl');
    const [owner] = await h.t.dataSource.query(`SELECT locale FROM users WHERE role = 'owner'`);
    expect(owner.locale).toBe('nl');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Mijn account' }).waitFor();
    await checkPage(page, 'settings-account-nl');
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('resets a forgotten password through the sign-in page’s link and the emailed link', async () => {
    const context = await h.browser.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${h.origin}/console/sign-in`);
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { level: 1, name: 'Forgot your password' }).waitFor();
    await checkPage(page, 'settings-forgot-password');
    await page.getByLabel('Email address').fill(marketerEmail);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByRole('status').filter({ hasText: 'a link to choose a new password' }).waitFor();

    const link = await linkIn(marketerEmail, 'reset-password');
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Choose a new password' }).waitFor();
    await checkPage(page, 'settings-reset-password');
    await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByRole('status').filter({ hasText: 'Your password is changed' }).waitFor();
    await page.getByRole('link', { name: 'Go to sign-in' }).click();
    await signInAs(page, marketerEmail, NEW_PASSWORD);
    await page.getByRole('heading', { level: 1, name: 'Today' }).waitFor();
    expect(unexpected(errors)).toEqual([]);
    await context.close();
  });
});
