import {
  createSubscriber,
  lifecycleRuleInput,
  scheduleCampaign,
  topicInput,
  uniqueEmail,
} from '../factories';
import { checkPage, ConsoleHarness } from '../support/console-browser';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Errors a tab may log on purpose: the sign-in page's 401 (GET /v1/auth/me before sign-in) and
 * the 400 of a form sent empty. A 403 would mean a page asked for what the role may not read.
 */
const unexpected = (errors: string[]) => errors.filter((e) => !/status of 40[01]\b/.test(e));

/**
 * Home's "what goes out next" and the topics pages in Chromium: a marketer creates and edits a
 * topic, an analyst sees the same pages without controls, support gets a sentence on Home.
 */
describe('Console: Home and topics', () => {
  let h: ConsoleHarness;
  let campaignId: string;
  let ruleId: string;

  beforeAll(async () => {
    h = await ConsoleHarness.start();
    const t = h.t;
    // A notice topic with a date rule (30 days before renewal_date, 09:00 in the subscriber's
    // zone) and a subscriber whose notice is due in two days.
    const notices = (
      await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ key: 'renewals', name: 'Renewals', kind: 'notice' }))
        .expect(201)
    ).body;
    ruleId = (
      await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(lifecycleRuleInput(notices.key, { name: 'Renewal reminder' }))
        .expect(201)
    ).body.id;
    const renewal = new Date(Date.now() + 32 * DAY_MS).toISOString().slice(0, 10);
    await createSubscriber(t, {
      email: uniqueEmail('renews'),
      timezone: 'UTC',
      dates: { renewal_date: renewal },
      topics: [{ topic: notices.key }],
    });
    // An editorial topic with two subscribers and a campaign in two days.
    const news = (
      await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ key: 'spring-news', name: 'Spring news' }))
        .expect(201)
    ).body;
    for (const name of ['ada', 'bo']) {
      await createSubscriber(t, { email: uniqueEmail(name), topics: [{ topic: news.key }] });
    }
    campaignId = await scheduleCampaign(t, {
      topic: news.key,
      name: 'Spring campaign',
      summary: 'Spring is here.',
      sendAt: new Date(Date.now() + 2 * DAY_MS).toISOString(),
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('Home shows the scheduled campaign and the due notice, with links to act on them', async () => {
    const { page, errors, close } = await h.signIn('marketer');
    await page.getByRole('heading', { level: 2, name: 'What goes out next' }).waitFor();
    const campaign = page.getByRole('link', { name: 'Spring campaign' });
    await expect(campaign.getAttribute('href')).resolves.toBe(`/console/campaigns/${campaignId}`);
    const row = page.locator('tr', { has: campaign });
    await expect(row.innerText()).resolves.toMatch(/2 subscribers \(the whole topic\)/);
    const rule = page.getByRole('link', { name: 'Renewal reminder' });
    await expect(rule.getAttribute('href')).resolves.toBe(`/console/rules/${ruleId}`);
    // One notice this week (not today: it is two days out).
    await expect(page.locator('tr', { has: rule }).innerText()).resolves.toMatch(/0\s+1$/);
    // The trust figures stay.
    await page.getByRole('heading', { level: 2, name: 'Trust figures of today' }).waitFor();
    await checkPage(page, 'home');
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('a marketer creates a topic with nl and en names, changes a frequency and sees it listed with counts', async () => {
    const { page, errors, close } = await h.signIn('marketer');
    await page.getByRole('navigation').getByRole('link', { name: 'Topics' }).click();
    await page.getByRole('heading', { level: 1, name: 'Topics' }).waitFor();
    await checkPage(page, 'topics-list');
    await page.getByRole('link', { name: 'New topic' }).click();
    await page.getByRole('heading', { level: 1, name: 'New topic' }).waitFor();
    await checkPage(page, 'topics-new');

    // Sent empty: the API's errors appear at the fields they name.
    await page.getByRole('button', { name: 'Create topic' }).click();
    await page.getByText('The topic was not saved. Correct the fields marked below.').waitFor();
    const key = page.getByLabel('Key', { exact: true });
    await expect(key.getAttribute('aria-invalid')).resolves.toBe('true');
    await expect(
      page
        .locator(`#${(await key.getAttribute('aria-describedby'))!.split(' ').pop()}`)
        .innerText(),
    ).resolves.toMatch(/key must be 1-63 lowercase letters/);

    await key.fill('city-news');
    await page.getByLabel('Name (nl)').fill('Stadsnieuws');
    await page.getByLabel('Description (nl)').fill('Wat er in de stad gebeurt.');
    await page.getByLabel('Name (en)').fill('City news');
    await page.getByLabel('Description (en)').fill('What happens in the city.');
    await page.getByLabel('Weekly').check();
    await page.getByLabel('Default frequency').selectOption('weekly');
    await page.getByLabel('Fallback template').selectOption('digest');
    // By keyboard: Enter in a field submits the form.
    await page.getByLabel('Name (en)').press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Topic: City news' }).waitFor();
    await page.getByText('The topic was created.').waitFor();
    // The address drops ?created=1 (a reload does not announce it again).
    await page.waitForURL((u) => u.pathname === '/console/topics/city-news' && u.search === '');
    await page.getByRole('group', { name: 'English (en)' }).waitFor();
    const [created] = await h.t.dataSource.query(
      `SELECT name, names, descriptions, kind, allowed_frequencies, default_frequency, evergreen_template
         FROM topics WHERE key = 'city-news'`,
    );
    expect(created).toEqual({
      name: 'Stadsnieuws',
      names: { nl: 'Stadsnieuws', en: 'City news' },
      descriptions: { nl: 'Wat er in de stad gebeurt.', en: 'What happens in the city.' },
      kind: 'editorial',
      allowed_frequencies: ['weekly', 'monthly'],
      default_frequency: 'weekly',
      evergreen_template: 'digest',
    });
    await checkPage(page, 'topics-edit');

    // Another frequency, saved by keyboard from the save button.
    await page.getByLabel('Every two weeks').check();
    await page.getByRole('button', { name: 'Save changes' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('The changes were saved.').waitFor();
    const [changed] = await h.t.dataSource.query(
      `SELECT allowed_frequencies FROM topics WHERE key = 'city-news'`,
    );
    expect(changed.allowed_frequencies).toEqual(['weekly', 'biweekly', 'monthly']);
    const [logged] = await h.t.dataSource.query(
      `SELECT actor_type, action, details FROM activity_log WHERE action = 'topic.changed'`,
    );
    expect(logged).toMatchObject({ actor_type: 'user', details: { key: 'city-news' } });

    // Two subscribers join, then the list shows them per frequency.
    await createSubscriber(h.t, {
      email: uniqueEmail('cw'),
      topics: [{ topic: 'city-news', frequency: 'weekly' }],
    });
    await createSubscriber(h.t, {
      email: uniqueEmail('cb'),
      topics: [{ topic: 'city-news', frequency: 'biweekly' }],
    });
    await page.getByRole('link', { name: 'All topics' }).click();
    await page.getByRole('heading', { level: 1, name: 'Topics' }).waitFor();
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'city-news' }) });
    await expect(row.innerText()).resolves.toMatch(
      /City news\s+editorial\s+Weekly \(default\), Every two weeks, Monthly\s+Weekly: 1\s+Every two weeks: 1\s+Monthly: 0\s+Total: 2/,
    );
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('a marketer archives a topic after confirming', async () => {
    await h.t
      .api()
      .post('/v1/topics')
      .send(topicInput({ key: 'old-news', name: 'Old news' }))
      .expect(201);
    const { page, errors, close } = await h.signIn('marketer');
    await h.open(page, '/topics/old-news');
    await page.getByRole('button', { name: 'Archive topic' }).click();
    const dialog = page.getByRole('dialog', { name: 'Archive topic' });
    await dialog.getByText(/Archive "Old news"\?/).waitFor();
    await dialog.getByRole('button', { name: 'Archive topic' }).click();
    await page.getByText(/^Archived on /).waitFor();
    const [row] = await h.t.dataSource.query(
      `SELECT archived_at FROM topics WHERE key = 'old-news'`,
    );
    expect(row.archived_at).not.toBeNull();
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('an analyst sees topics and Home without controls that change anything', async () => {
    const { page, errors, close } = await h.signIn('analyst');
    await page.getByRole('heading', { level: 2, name: 'What goes out next' }).waitFor();
    await page.getByRole('link', { name: 'Spring campaign' }).waitFor();
    await h.open(page, '/topics');
    await page.getByRole('link', { name: 'city-news' }).waitFor();
    await expect(page.getByRole('link', { name: 'New topic' }).count()).resolves.toBe(0);
    await page.getByText('Your role can read topics but not change them.').waitFor();
    await h.open(page, '/topics/city-news');
    await page.getByRole('heading', { level: 1, name: 'Topic: City news' }).waitFor();
    await page.getByText('Stadsnieuws').waitFor();
    // No form, no field, no button in the page (the header's sign-out is outside <main>).
    await expect(
      page.locator('main input, main select, main textarea, main button').count(),
    ).resolves.toBe(0);
    await checkPage(page, 'topics-view');
    await h.open(page, '/topics/new');
    await page.getByText('Your role cannot open this page.', { exact: false }).waitFor();
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('support gets a sentence and links on Home, not an error', async () => {
    const { page, errors, close } = await h.signIn('support');
    await page.getByText('Your role does not include reports', { exact: false }).waitFor();
    const link = page.getByRole('link', { name: 'Find a subscriber and help them' });
    await expect(link.getAttribute('href')).resolves.toBe('/console/subscribers');
    await expect(page.locator('main [role=alert]').count()).resolves.toBe(0);
    await checkPage(page, 'home-support');
    expect(unexpected(errors)).toEqual([]);
    await close();
  });

  it('speaks Dutch to a Dutch user', async () => {
    const { page, errors, close } = await h.signIn('marketer', {
      email: 'nl-marketer@console.test',
      locale: 'nl',
    });
    await page.getByRole('heading', { level: 2, name: 'Wat er hierna uitgaat' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Onderwerpen' }).click();
    await page.getByRole('heading', { level: 1, name: 'Onderwerpen' }).waitFor();
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'city-news' }) });
    await expect(row.innerText()).resolves.toMatch(/Stadsnieuws\s+redactioneel/);
    expect(unexpected(errors)).toEqual([]);
    await close();
  });
});
