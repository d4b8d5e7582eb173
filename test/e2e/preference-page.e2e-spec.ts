import { randomBytes } from 'node:crypto';
import { TOKEN_TTL_SECONDS, TokensService } from '../../src/platform/tokens/tokens.service';
import { createSubscriber, lifecycleRuleInput } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { consentEvents, createTopic, csrfOf, pageText } from '../support/preference-center';
import { createTestApp, TestApp } from '../support/test-app';

const DAY_MS = 86400_000;
const MONTHS_EN =
  'January|February|March|April|May|June|July|August|September|October|November|December';
const MONTHS_NL =
  'januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december';

describe('The preference page as a subscriber reads it: zone and language, notices, one state, details, unsubscribe page', () => {
  let t: TestApp;
  let tokens: TokensService;
  const clock = new ControllableClock('2027-01-05T10:00:00Z');
  let news: { key: string; name: string };
  let tips: { key: string; name: string };
  let reminders: { key: string; name: string };

  beforeAll(async () => {
    t = await createTestApp({ clock, workers: false, env: { BRAND_NAME: 'Acme' } });
    tokens = t.app.get(TokensService);
    news = await createTopic(t, {
      name: 'Product news',
      allowedFrequencies: ['weekly', 'monthly', 'quarterly'],
      defaultFrequency: 'monthly',
    });
    tips = await createTopic(t, { name: 'Tips', allowedFrequencies: ['weekly', 'monthly'] });
    reminders = await createTopic(t, {
      name: 'Renewal reminders',
      kind: 'notice',
      allowedFrequencies: ['monthly'],
    });
    await t.api().post('/v1/lifecycle-rules').send(lifecycleRuleInput(reminders.key)).expect(201);
  });
  afterAll(() => t.close());

  const manage = (id: string, issuedAgoMs = 0) =>
    tokens.sign('manage', id, { now: new Date(clock.now().getTime() - issuedAgoMs) });
  const get = async (path: string) => (await t.http().get(path).expect(200)).text;
  const row = async (id: string) =>
    (
      await t.dataSource.query(
        `SELECT status, locale, timezone, paused_until FROM subscribers WHERE id = $1`,
        [id],
      )
    )[0];

  describe('language and time zone (item 6)', () => {
    it('can be changed on the page, also with an old link; an unknown zone is refused with 400 naming the field', async () => {
      const s = await createSubscriber(t, {
        topics: [{ topic: news.key, frequency: 'weekly' }],
        timezone: 'Europe/Amsterdam',
      });
      const token = manage(s.id, 3 * DAY_MS);
      const page = await get(`/p/${token}`);
      expect(page).toContain(`action="/p/${token}/settings?lang=en"`);
      expect(page).toMatch(/<option value="Europe\/Amsterdam"[^>]*selected/);
      expect(page).toMatch(/<option value="en"[^>]*selected/);
      const csrf = csrfOf(page);

      await t
        .http()
        .post(`/p/${token}/settings?lang=en`)
        .type('form')
        .send({ csrf, locale: 'nl', timezone: 'Australia/Sydney' })
        .expect(303)
        .expect('Location', `/p/${token}?lang=nl&done=settings_changed#settings`);
      expect(await row(s.id)).toMatchObject({ locale: 'nl', timezone: 'Australia/Sydney' });
      const after = pageText(await get(`/p/${token}?lang=nl&done=settings_changed`));
      expect(after).toContain(
        'Opgeslagen: we schrijven je in het Nederlands, in tijdzone Australia/Sydney.',
      );

      const bad = await t
        .http()
        .post(`/p/${token}/settings`)
        .type('form')
        .send({ csrf, locale: 'en', timezone: 'Mars/Base' })
        .expect(400);
      expect(pageText(bad.text)).toContain('timezone');
      const badLocale = await t
        .http()
        .post(`/p/${token}/settings`)
        .type('form')
        .send({ csrf, locale: 'fr', timezone: 'UTC' })
        .expect(400);
      expect(pageText(badLocale.text)).toContain('locale');
      expect(await row(s.id)).toMatchObject({ locale: 'nl', timezone: 'Australia/Sydney' });
      // Without the CSRF token nothing changes.
      await t
        .http()
        .post(`/p/${token}/settings`)
        .type('form')
        .send({ locale: 'en', timezone: 'UTC' })
        .expect(403);
    });
  });

  describe('notice topics (item 8)', () => {
    it('show the notices the subscriber will get, not a frequency picker or a next regular message', async () => {
      const s = await createSubscriber(t, {
        topics: [
          { topic: news.key, frequency: 'weekly' },
          { topic: reminders.key, frequency: 'monthly' },
        ],
        dates: { renewal_date: '2027-03-15' },
      });
      const page = await get(`/p/${manage(s.id)}`);
      const card =
        /<section class="card[^"]*" aria-labelledby="topic-([^"]+)">[\s\S]*?<\/section>/g;
      const cards = Object.fromEntries([...page.matchAll(card)].map((m) => [m[1], m[0]]));
      const notice = cards[reminders.key];
      expect(notice).toBeDefined();
      expect(notice).not.toContain(`id="freq-${reminders.key}"`);
      expect(notice).not.toContain('name="frequency"');
      expect(pageText(notice)).not.toContain('Save');
      expect(pageText(notice)).not.toContain('your next message around');
      expect(pageText(notice)).not.toMatch(/monthly/i);
      expect(pageText(notice)).toContain(
        'A reminder 30 days before your renewal on 15 March 2027 (13 February 2027)',
      );
      expect(pageText(notice)).toContain('Leave this topic');
      // Editorial topics keep their frequency.
      expect(cards[news.key]).toContain(`id="freq-${news.key}"`);

      // A notice topic one can join: a button, no frequency to choose.
      const other = await createSubscriber(t, { topics: [{ topic: news.key }] });
      const joinPage = await get(`/p/${manage(other.id)}`);
      const joinCard = [...joinPage.matchAll(card)].find((m) => m[1] === reminders.key)![0];
      expect(joinCard).toContain('name="change" value="join"');
      expect(joinCard).not.toContain('<select');
      expect(pageText(joinCard)).toContain('Join for Renewal reminders');
      const csrf = csrfOf(joinPage);
      await t
        .http()
        .post(`/p/${manage(other.id)}/topics`)
        .type('form')
        .send({
          csrf: csrfOf(await get(`/p/${manage(other.id)}`)),
          topic: reminders.key,
          change: 'join',
        })
        .expect(303);
      expect(csrf).toBeTruthy();
      const events = await consentEvents(t, other.id);
      expect(events.at(-1)).toMatchObject({ action: 'opt_in', topic_key: reminders.key });
      expect(events.at(-1)!.wording).not.toContain('frequency');
    });
  });

  describe('one consistent state after "unsubscribe from everything" (item 10)', () => {
    it('one banner, no pause controls, and "join again below" only where join controls are', async () => {
      const s = await createSubscriber(t, {
        topics: [
          { topic: news.key, frequency: 'weekly' },
          { topic: tips.key, frequency: 'weekly' },
        ],
      });
      const fresh = manage(s.id);
      let page = await get(`/p/${fresh}`);
      await t
        .http()
        .post(`/p/${fresh}/pause`)
        .type('form')
        .send({ csrf: csrfOf(page), days: '30' })
        .expect(303);
      page = await get(`/p/${fresh}`);
      await t
        .http()
        .post(`/p/${fresh}/unsubscribe-all`)
        .type('form')
        .send({ csrf: csrfOf(page) })
        .expect(303);
      expect((await row(s.id)).status).toBe('unsubscribed');

      for (const [token, canJoin] of [
        [fresh, true],
        [manage(s.id, 3 * DAY_MS), false],
      ] as const) {
        const html = await get(`/p/${token}?lang=en&done=unsubscribed_all`);
        const text = pageText(html);
        const banners = [...html.matchAll(/<div class="notice (?:warn|error)[^"]*"/g)];
        expect([token === fresh, banners.length]).toEqual([token === fresh, 1]);
        expect(text).not.toMatch(/paused until/i);
        expect(text).not.toContain('starts again by itself');
        expect(html).not.toContain(`/p/${token}/pause`);
        expect(html).not.toContain('name="days"');
        const joinControls = html.includes('name="change" value="join"');
        expect(joinControls).toBe(canJoin);
        expect(text.includes('You can join a topic again below')).toBe(canJoin);
        if (!canJoin) expect(text).toContain('Email me a fresh link');
      }
    });
  });

  describe('the details (item 11)', () => {
    it('one date format per language, labelled values for details and dates, newest history first, in-page navigation', async () => {
      const s = await createSubscriber(t, {
        topics: [{ topic: news.key, frequency: 'weekly' }],
        attributes: { plan: 'gold', seats: 3, auto_renew: true },
        dates: { renewal_date: '2027-02-20' },
      });
      clock.advance(60_000);
      const token = manage(s.id);
      await t
        .http()
        .post(`/p/${token}/topics`)
        .type('form')
        .send({
          csrf: csrfOf(await get(`/p/${token}`)),
          topic: news.key,
          change: 'frequency',
          frequency: 'monthly',
        })
        .expect(303);

      for (const [lang, months] of [
        ['en', MONTHS_EN],
        ['nl', MONTHS_NL],
      ] as const) {
        const html = await get(`/p/${token}?lang=${lang}`);
        const text = pageText(html);
        expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
        expect(text).not.toMatch(/\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b/);
        expect(text).not.toMatch(new RegExp(`\\b(${months}) \\d{1,2},`, 'i'));
        // Every month name is part of a "15 March 2027" date.
        const names = text.match(new RegExp(`\\b(${months})\\b`, 'g')) ?? [];
        const dates = text.match(new RegExp(`\\b\\d{1,2} (${months}) \\d{4}\\b`, 'g')) ?? [];
        expect(names.length).toBeGreaterThan(2);
        expect(dates).toHaveLength(names.length);
      }
      const text = pageText(await get(`/p/${token}?lang=en`));
      expect(text).toContain('Plan: gold');
      expect(text).toContain('Seats: 3');
      expect(text).toContain('Auto renew: yes');
      expect(text).toContain('Renewal date: 20 February 2027');
      expect(text).not.toContain('renewal_date');

      // Newest first.
      const html = await get(`/p/${token}?lang=en`);
      const rows = [...html.matchAll(/<td data-label="What">\s*([^<]+?)\s*<\/td>/g)].map(
        (m) => m[1],
      );
      expect(rows).toEqual(['Changed how often', 'Subscribed']);
      expect(pageText(html)).toContain('newest first');

      // An in-page navigation to every section.
      const nav = /<nav class="toc" aria-label="On this page">([\s\S]*?)<\/nav>/.exec(html);
      expect(nav).not.toBeNull();
      const targets = [...nav![1].matchAll(/href="#([a-z-]+)"/g)].map((m) => m[1]);
      expect(targets).toEqual(
        expect.arrayContaining([
          'topics',
          'settings',
          'pause',
          'unsubscribe',
          'history',
          'data',
          'erase',
        ]),
      );
      for (const id of targets) expect(html).toContain(`id="${id}"`);
    });

    it('the consent wording matches the form: chosen from lists, not ticked', async () => {
      for (const lang of ['en', 'nl']) {
        const form = pageText(await get(`/subscribe?lang=${lang}`));
        expect(form).not.toMatch(/ticked|aangevinkt/);
      }
      expect(pageText(await get('/subscribe?lang=en'))).toContain(
        'Yes, email me about the topics I chose above, no more often than the frequency I chose.',
      );
    });
  });

  describe('the unsubscribe page (item 13)', () => {
    async function unsubscribeToken(subscriberId: string, topicKey: string | null, issuedAt: Date) {
      const [m] = await t.dataSource.query(
        `INSERT INTO outbound_messages (dedupe_key, subscriber_id, topic_id, template, kind, status)
         VALUES ($1, $2, (SELECT id FROM topics WHERE key = $3), 'digest', 'editorial', 'sent')
         RETURNING id`,
        [`test:${randomBytes(6).toString('hex')}`, subscriberId, topicKey],
      );
      return tokens.sign('unsubscribe', subscriberId, { ref: m.id, now: issuedAt });
    }

    it('says which address it is about and links to the preference page, never "fewer emails" once all is left', async () => {
      const s = await createSubscriber(t, {
        topics: [
          { topic: news.key, frequency: 'weekly' },
          { topic: tips.key, frequency: 'weekly' },
        ],
      });
      const sentAt = new Date(clock.now().getTime() - 2 * DAY_MS);
      const topicLink = await unsubscribeToken(s.id, news.key, sentAt);
      const page = await get(`/u/${topicLink}`);
      expect(pageText(page)).toContain(`This is about the email we send to ${s.email}.`);
      // The preference link is the one that email carried: issued when it was sent, not fresh.
      const manageLink = /href="\/p\/([A-Za-z0-9_-]+)\?lang=en"/.exec(page);
      expect(manageLink).not.toBeNull();
      const claims = tokens.decode(manageLink![1]);
      expect(claims).toMatchObject({ purpose: 'manage', subscriberId: s.id });
      expect(claims.expiresAt.getTime()).toBe(
        Math.floor(sentAt.getTime() / 1000) * 1000 + TOKEN_TTL_SECONDS.manage * 1000,
      );
      await t.http().get(`/p/${manageLink![1]}`).expect(200);

      const allLink = await unsubscribeToken(s.id, null, sentAt);
      const done = await t
        .http()
        .post(`/u/${allLink}`)
        .set('Accept', 'text/html')
        .type('form')
        .send('List-Unsubscribe=One-Click')
        .expect(200);
      expect(pageText(done.text)).toContain('You will get no more email from us.');
      expect(pageText(done.text)).not.toContain('Prefer fewer emails');
      expect(done.text).toMatch(/href="\/p\/[A-Za-z0-9_-]+\?lang=en"/);
      expect(pageText(done.text)).toContain(s.email);
      const again = await get(`/u/${allLink}`);
      expect(pageText(again)).toContain('You are already unsubscribed from all email.');
      expect(pageText(again)).not.toContain('Prefer fewer emails');
      expect(pageText(again)).toContain(`This is about the email we send to ${s.email}.`);
      expect(again).toMatch(/href="\/p\/[A-Za-z0-9_-]+\?lang=en"/);
    });
  });
});
