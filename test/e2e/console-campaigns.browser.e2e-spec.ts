import { SuppressionsService } from '../../src/audience/suppressions/suppressions.service';
import { subscribersWithRoom, topicInput } from '../factories';
import { checkPage, ConsoleHarness } from '../support/console-browser';
import { eventually, SmtpSink } from '../support/smtp-sink';

/**
 * The campaigns area of the console: a marketer writes content with the real email beside it,
 * builds a segment with its live count, reads the forecast, launches, watches it to the end and
 * reads the figures; a support user cannot launch (no page, and the API refuses the session); an
 * analyst sees everything read-only.
 */
describe('Console campaigns in Chromium', () => {
  let h: ConsoleHarness;
  let smtp: SmtpSink;
  let topic: { id: string; key: string };
  const family: Array<{ id: string; email: string }> = [];

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    h = await ConsoleHarness.start({
      env: { SMTP_URL: smtp.url, SCHEDULER_INTERVAL_MS: '3600000', DISPATCH_INTERVAL_MS: '300' },
    });
    const t = h.t;
    topic = (
      await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ name: 'Product news', kind: 'editorial' }))
        .expect(201)
    ).body;
    // Four customers on the family plan (one address suppressed), a solo customer, two prospects.
    const people: Array<Record<string, unknown>> = [
      ...[1, 2, 3, 4].map(() => ({ isCustomer: true, attributes: { plan: 'family' } })),
      { isCustomer: true, attributes: { plan: 'solo' } },
      { isCustomer: false, attributes: { plan: 'family' } },
      { isCustomer: false, attributes: { plan: 'family' } },
    ];
    const made = await subscribersWithRoom(t, topic, people, 'cc');
    family.push(...made.slice(0, 4));
    await t.app.get(SuppressionsService).suppress(family[3].email, 'manual');
  });
  afterAll(async () => {
    await h?.close();
    await smtp?.stop();
  });

  let contentId: string;
  let campaignId: string;

  it('a marketer writes content, builds a segment, reads the forecast, launches and reads the figures', async () => {
    const { page, errors, close } = await h.signIn('marketer');
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('heading', { level: 1, name: 'Content and campaigns' }).waitFor();
    await page.getByText('No campaigns yet.').waitFor();
    await checkPage(page, 'campaigns-list-empty');

    await page.getByRole('link', { name: 'Write content' }).click();
    await page.getByRole('heading', { level: 1, name: 'Write content' }).waitFor();
    await page.getByLabel('Topic').selectOption(topic.key);
    await page.getByLabel('Title (English)').fill('Exports now include your consent history');
    await page.getByLabel('Summary (English)').fill('One file with everything we keep.');
    await page
      .getByLabel('Body (Markdown) (English)')
      .fill('## What changed\n\nA **lot** changed. <script>alert(1)</script>');
    await page.getByLabel('Title (Dutch)').fill('Je export bevat nu je toestemmingen');
    await page.getByLabel('Body (Markdown) (Dutch)').fill('Er is **veel** veranderd.');

    // The live preview: the real campaign email, per language, in sandboxed frames.
    const english = page.frameLocator('iframe[title="Email preview in English"]');
    await english.getByRole('heading', { name: 'What changed' }).waitFor();
    await expect(english.locator('strong').first().innerText()).resolves.toBe('lot');
    await expect(
      page.locator('iframe[title="Email preview in English"]').getAttribute('sandbox'),
    ).resolves.toBe('');
    const dutch = page.frameLocator('iframe[title="Email preview in Dutch"]');
    await dutch.getByText('veel', { exact: true }).waitFor();
    await page.getByText('Subject: Je export bevat nu je toestemmingen').waitFor();
    // Size warnings come from the API's size check.
    const body = page.getByLabel('Body (Markdown) (English)');
    await body.fill(`Long.\n\n${'x'.repeat(91_000)}`);
    await page
      .getByText(/Size warning: body: the email this content makes has a .* KB HTML part/)
      .waitFor();
    await body.fill('## What changed\n\nA **lot** changed.');
    await page.getByText(/Size warning/).waitFor({ state: 'detached' });
    await english.getByText('changed.').waitFor();
    await checkPage(page, 'campaigns-new');

    // Published by keyboard.
    await page.getByRole('button', { name: 'Publish the content' }).focus();
    await page.keyboard.press('Enter');
    await page
      .getByRole('heading', { level: 1, name: 'Exports now include your consent history' })
      .waitFor();
    contentId = new URL(page.url()).pathname.split('/').pop()!;
    const [item] = await h.t.dataSource.query(
      `SELECT title, body_html, variants->'nl'->>'title' AS nl FROM content_items WHERE id = $1`,
      [contentId],
    );
    expect(item).toEqual({
      title: 'Exports now include your consent history',
      body_html: '<h2>What changed</h2>\n<p>A <strong>lot</strong> changed.</p>',
      nl: 'Je export bevat nu je toestemmingen',
    });

    // The segment, counted as it is built.
    await page.getByText('7 subscribers match.').waitFor();
    await page.getByLabel('Who').selectOption('customer');
    await page.getByText('5 subscribers match.').waitFor();
    await page.getByRole('button', { name: 'Add an attribute condition' }).click();
    await page.getByLabel('Attribute of condition 1').fill('plan');
    await page.getByLabel('Value of condition 1').fill('family');
    await page.getByText('4 subscribers match.').waitFor();
    // A condition the API refuses is named at its field.
    await page.getByRole('button', { name: 'Add a date condition' }).click();
    await page.getByText('name must be a date name like renewal_date').first().waitFor();
    await page.getByRole('button', { name: 'Remove date name of date condition 1' }).click();
    await page.getByText('name must be a date name').first().waitFor({ state: 'detached' });

    // The forecast.
    const figure = (label: string) =>
      page
        .locator('.forecast .figure', { has: page.getByText(label, { exact: true }) })
        .locator('dd');
    await expect(figure('In the audience').innerText()).resolves.toBe('4');
    await eventually(async () => (await figure('In the audience').innerText()) === '4');
    await expect(figure('Get it now').innerText()).resolves.toBe('4');
    await expect(figure('Find it in their next digest').innerText()).resolves.toBe('0');
    await expect(figure('Of those now: on the suppression list').innerText()).resolves.toBe('1');
    await checkPage(page, 'campaigns-content');

    // Launched by keyboard; the campaign page follows it to the end.
    await page.getByRole('button', { name: 'Launch the campaign' }).focus();
    await page.keyboard.press('Enter');
    await page
      .getByRole('heading', { level: 1, name: 'Exports now include your consent history' })
      .waitFor();
    await page.waitForURL(/\/console\/campaigns\/[0-9a-f-]{36}$/);
    campaignId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByText('4 of 4 subscribers handled').first().waitFor({ timeout: 30_000 });
    await page.locator('.campaign-status', { hasText: 'Sent' }).waitFor({ timeout: 30_000 });
    const stat = (label: string) =>
      page.locator('.figure', { has: page.getByText(label, { exact: true }) }).locator('dd');
    await eventually(async () => (await stat('Bounced').innerText()) === '0');
    await expect(page.locator('progress').getAttribute('value')).resolves.toBe('4');
    await expect(page.locator('progress').getAttribute('max')).resolves.toBe('4');

    // The figures are the ledger's and the mail server's.
    const ledger = await h.t.dataSource.query(
      `SELECT status, count(*)::int AS n FROM messaging_ledger_messages WHERE campaign_id = $1 GROUP BY status ORDER BY status`,
      [campaignId],
    );
    expect(ledger).toEqual([
      { status: 'sent', n: 3 },
      { status: 'suppressed', n: 1 },
    ]);
    await eventually(async () =>
      family
        .slice(0, 3)
        .every((s) =>
          smtp
            .to(s.email)
            .some((m) => m.parsed.subject === 'Exports now include your consent history'),
        ),
    );
    const delivered = smtp.messages.filter(
      (m) => m.parsed.subject === 'Exports now include your consent history',
    );
    expect(delivered).toHaveLength(3);
    expect(smtp.to(family[3].email)).toHaveLength(0);
    await expect(stat('Audience').innerText()).resolves.toBe('4');
    await expect(stat('Sent').innerText()).resolves.toBe(String(delivered.length));
    await expect(stat('Suppressed').innerText()).resolves.toBe('1');
    await expect(stat('Folded into digests').innerText()).resolves.toBe('0');
    await expect(stat('Unsubscribed after it').innerText()).resolves.toBe('0');
    await checkPage(page, 'campaigns-campaign');

    const [launched] = await h.t.dataSource.query(
      `SELECT actor_name, action, target_id FROM activity_log WHERE action = 'campaign.launched'`,
    );
    expect(launched).toEqual({
      actor_name: 'marketer@console.test',
      action: 'campaign.launched',
      target_id: campaignId,
    });

    // The list shows it with its status.
    await page.getByRole('link', { name: 'Campaigns' }).click();
    const row = page.locator('tr', {
      has: page.locator(`a[href="/console/campaigns/${campaignId}"]`),
    });
    await expect(row.locator('td').nth(2).innerText()).resolves.toBe('Sent');
    await expect(row.locator('td').nth(4).innerText()).resolves.toBe('3');
    await checkPage(page, 'campaigns-list');
    // 401: the session check before signing in; 400: the refused date condition.
    expect(errors.filter((e) => !/status of 40[01]/.test(e))).toEqual([]);
    await close();
  });

  it('a marketer schedules a campaign and cancels it after confirming', async () => {
    const { page, errors, close } = await h.signIn('marketer');
    await h.open(page, `/campaigns/content/${contentId}`);
    await page.getByText('7 subscribers match.').waitFor();
    await page.getByLabel('Schedule').check();
    await page.getByLabel('Send at (your time)').fill('2099-01-12T09:30');
    await page.getByLabel('Campaign name').fill('Later news');
    await page.getByRole('button', { name: 'Schedule the campaign' }).click();
    await page.getByRole('heading', { level: 1, name: 'Later news' }).waitFor();
    await page.locator('.campaign-status', { hasText: 'Scheduled' }).waitFor();
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const [row] = await h.t.dataSource.query(
      `SELECT status, send_at FROM campaigns WHERE id = $1`,
      [id],
    );
    expect(row.status).toBe('scheduled');
    expect(new Date(row.send_at).getUTCFullYear()).toBe(2099);

    await page.getByRole('button', { name: 'Cancel the campaign' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel the campaign' });
    await dialog.getByText(/This cannot be undone/).waitFor();
    await dialog.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.locator('.campaign-status', { hasText: 'Cancelled' }).waitFor();
    await expect(page.getByRole('button', { name: 'Cancel the campaign' }).count()).resolves.toBe(
      0,
    );
    const [after] = await h.t.dataSource.query(`SELECT status FROM campaigns WHERE id = $1`, [id]);
    expect(after.status).toBe('cancelled');
    const [cancelled] = await h.t.dataSource.query(
      `SELECT actor_name, target_id FROM activity_log WHERE action = 'campaign.cancelled'`,
    );
    expect(cancelled).toEqual({ actor_name: 'marketer@console.test', target_id: id });
    await checkPage(page, 'campaigns-cancelled');
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await close();
  });

  it('a support user gets no campaign pages, and the API refuses their launch', async () => {
    const { page, errors, close } = await h.signIn('support');
    await expect(page.getByRole('link', { name: 'Campaigns' }).count()).resolves.toBe(0);
    await h.open(page, '/campaigns');
    await page.getByText('Your role cannot open this page.').waitFor();
    await expect(page.getByRole('button', { name: /Launch/ }).count()).resolves.toBe(0);
    await h.open(page, `/campaigns/content/${contentId}`);
    await page.getByText('Your role cannot open this page.').waitFor();
    await checkPage(page, 'campaigns-support');

    const status = await page.evaluate(
      async ({ topicKey, item }) => {
        const me = (await (await fetch('/v1/auth/me')).json()) as { csrfToken: string };
        const res = await fetch('/v1/campaigns', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrfToken },
          body: JSON.stringify({ topic: topicKey, contentItem: item }),
        });
        return res.status;
      },
      { topicKey: topic.key, item: contentId },
    );
    expect(status).toBe(403);
    const [{ n }] = await h.t.dataSource.query(`SELECT count(*)::int AS n FROM campaigns`);
    expect(n).toBe(2);
    expect(errors.filter((e) => !/status of 40[13]/.test(e))).toEqual([]);
    await close();
  });

  it('an analyst sees the pages read-only', async () => {
    const { page, errors, close } = await h.signIn('analyst');
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('heading', { level: 1, name: 'Content and campaigns' }).waitFor();
    await page
      .getByRole('link', { name: 'Exports now include your consent history' })
      .first()
      .waitFor();
    await expect(page.getByRole('link', { name: 'Write content' }).count()).resolves.toBe(0);
    await checkPage(page, 'campaigns-list-analyst');

    await h.open(page, `/campaigns/content/${contentId}`);
    await page
      .getByText('Your role can look at the audience and the forecast but not launch a campaign.')
      .waitFor();
    await page.getByText('7 subscribers match.').waitFor();
    await expect(page.getByRole('button', { name: /Launch|Schedule the/ }).count()).resolves.toBe(
      0,
    );
    await checkPage(page, 'campaigns-content-analyst');

    await h.open(page, `/campaigns/${campaignId}`);
    await page.locator('.campaign-status', { hasText: 'Sent' }).waitFor();
    await expect(page.getByRole('button', { name: 'Cancel the campaign' }).count()).resolves.toBe(
      0,
    );
    await checkPage(page, 'campaigns-campaign-analyst');

    await h.open(page, '/campaigns/new');
    await page.getByText('Your role cannot open this page.').waitFor();
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await close();
  });
  it('a marketer resumes a failed campaign', async () => {
    const created = await h.t
      .api()
      .post('/v1/campaigns')
      .send({
        topic: topic.key,
        contentItem: contentId,
        name: 'Prospects news',
        segment: { customer: false },
        sendAt: '2099-02-01T09:00:00Z',
      })
      .expect(201);
    const id = created.body.id as string;
    await h.t.dataSource.query(
      `UPDATE campaigns SET status = 'failed', failed_at = now(),
              failure_reason = 'fan-out batch failed: test (SQLSTATE 22003)' WHERE id = $1`,
      [id],
    );
    const { page, errors, close } = await h.signIn('marketer');
    await h.open(page, `/campaigns/${id}`);
    await page
      .getByText('The fan-out stopped: fan-out batch failed: test (SQLSTATE 22003)')
      .waitFor();
    await page.locator('.campaign-status', { hasText: 'Failed' }).waitFor();
    await checkPage(page, 'campaigns-failed');
    await page.getByRole('button', { name: 'Resume the campaign' }).click();
    await page.getByText('2 of 2 subscribers handled').first().waitFor({ timeout: 30_000 });
    await page.locator('.campaign-status', { hasText: 'Sent' }).waitFor({ timeout: 30_000 });
    const [resumed] = await h.t.dataSource.query(
      `SELECT actor_name, target_id FROM activity_log WHERE action = 'campaign.resumed'`,
    );
    expect(resumed).toEqual({ actor_name: 'marketer@console.test', target_id: id });
    const [{ n }] = await h.t.dataSource.query(
      `SELECT count(*)::int AS n FROM messaging_ledger_messages WHERE campaign_id = $1 AND status = 'sent'`,
      [id],
    );
    expect(n).toBe(2);
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await close();
  });
  it('speaks Dutch to a Dutch user', async () => {
    const { page, errors, close } = await h.signIn('analyst', {
      email: 'analist@console.test',
      locale: 'nl',
    });
    await page.getByRole('link', { name: 'Campagnes' }).click();
    await page.getByRole('heading', { level: 1, name: 'Inhoud en campagnes' }).waitFor();
    await expect(page.title()).resolves.toBe('Inhoud en campagnes · Tidings-console');
    await h.open(page, `/campaigns/${campaignId}`);
    await page.locator('.campaign-status', { hasText: 'Verzonden' }).waitFor();
    await page.getByText('4 van 4 abonnees afgehandeld').first().waitFor();
    await checkPage(page, 'campaigns-campaign-nl');
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await close();
  });
});
