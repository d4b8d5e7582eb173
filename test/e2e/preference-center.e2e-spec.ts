import type Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { REDIS_CLIENT } from '../../src/platform/redis/redis.module';
import { TokensService } from '../../src/platform/tokens/tokens.service';
import { createSubscriber, uniqueEmail } from '../factories';
import {
  consentEvents,
  createTopic,
  csrfOf,
  linkPath,
  pageText,
  tampered,
} from '../support/preference-center';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const PUBLIC_URL = 'https://prefs.tidings.test';
const DAY_MS = 86400_000;

describe('Preference center over HTTP: tokens, CSRF, one-click, erasure, rate limits', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let tokens: TokensService;
  let news: { key: string; name: string };
  let tips: { key: string; name: string };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: { PUBLIC_URL, SMTP_URL: smtp.url, BRAND_NAME: 'Acme', DISPATCH_INTERVAL_MS: '500' },
    });
    tokens = t.app.get(TokensService);
    news = await createTopic(t, {
      name: 'Product news',
      allowedFrequencies: ['weekly', 'monthly', 'quarterly'],
      defaultFrequency: 'monthly',
    });
    tips = await createTopic(t, { name: 'Tips', allowedFrequencies: ['weekly', 'monthly'] });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const manage = (id: string, issuedAgoMs = 0) =>
    tokens.sign('manage', id, { now: new Date(Date.now() - issuedAgoMs) });
  /** An unsubscribe link as the composer makes it: `ref` is a ledger row of the subscriber. */
  async function unsubscribeToken(subscriberId: string, topicKey: string | null): Promise<string> {
    const [row] = await t.dataSource.query(
      `INSERT INTO outbound_messages (dedupe_key, subscriber_id, topic_id, template, kind, status)
       VALUES ($1, $2, (SELECT id FROM topics WHERE key = $3), 'digest', 'editorial', 'sent')
       RETURNING id`,
      [`test:${randomBytes(6).toString('hex')}`, subscriberId, topicKey],
    );
    return tokens.sign('unsubscribe', subscriberId, { ref: row.id });
  }

  it('shows the page with the private-page headers and helmet security headers', async () => {
    const s = await createSubscriber(t, { topics: [{ topic: news.key, frequency: 'weekly' }] });
    const res = await t
      .http()
      .get(`/p/${manage(s.id)}`)
      .expect(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(pageText(res.text)).toContain('Product news');
    expect(res.text).toContain(s.email);
    expect(pageText(res.text)).toContain('Your consent history');
    expect(pageText(res.text)).toContain('Data we keep about you, and why');
    // The API still answers JSON under the same headers.
    const api = await t
      .http()
      .get('/v1/topics')
      .set({ Authorization: `Bearer ${t.adminKey}` });
    expect(api.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers 401 with a clear page for every single changed character, and never a stack', async () => {
    const s = await createSubscriber(t, { topics: [{ topic: news.key }] });
    const good = manage(s.id);
    const unsub = await unsubscribeToken(s.id, news.key);
    const swap = (c: string) => (c === 'A' ? 'B' : 'A');
    for (const [path, token] of [
      ['/p/', good],
      ['/u/', unsub],
    ] as const) {
      for (let i = 0; i < token.length; i++) {
        const tampered = token.slice(0, i) + swap(token[i]) + token.slice(i + 1);
        const res = await t.http().get(`${path}${tampered}`).set('Accept', 'text/html');
        expect([res.status, i, path]).toEqual([401, i, path]);
      }
    }
    const res = await t
      .http()
      .get(`/p/${tampered(good)}`)
      .set('Accept', 'text/html');
    expect(res.status).toBe(401);
    expect(pageText(res.text)).toContain('This link is not valid');
    expect(res.text).not.toMatch(/at \w+ \(|Error:|\.ts:\d+/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const oneClick = await t
      .http()
      .post(`/u/${unsub.slice(0, 10)}${swap(unsub[10])}${unsub.slice(11)}`)
      .type('form')
      .send('List-Unsubscribe=One-Click');
    expect(oneClick.status).toBe(401);
    expect((await consentEvents(t, s.id)).map((e) => e.action)).toEqual(['opt_in']);
  });

  it('accepts none of 1,000 random tokens', async () => {
    let accepted = 0;
    const statuses = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const length = i % 2 ? 39 : 55;
      const token = randomBytes(length).toString('base64url');
      const res = await t.http().get(`${i % 4 < 2 ? '/p/' : '/u/'}${token}`);
      statuses.add(res.status);
      if (res.status < 400) accepted++;
    }
    expect(accepted).toBe(0);
    expect([...statuses]).toEqual([401]);
  });

  it('answers 410 for an expired link and offers a fresh one by email, which can then join', async () => {
    const s = await createSubscriber(t, { topics: [{ topic: news.key, frequency: 'monthly' }] });
    const expired = tokens.sign('manage', s.id, { now: new Date(Date.now() - 91 * DAY_MS) });
    const res = await t.http().get(`/p/${expired}`).expect(410);
    expect(pageText(res.text)).toContain('This link has expired');
    expect(res.text).toContain(`action="/p/${expired}/fresh-link?lang=en"`);
    const csrf = csrfOf(res.text);
    // The form on the expired page sends a fresh link (and says nothing about whether it will).
    const sent = await t
      .http()
      .post(`/p/${expired}/fresh-link?lang=en`)
      .type('form')
      .send({ csrf })
      .expect(200);
    expect(pageText(sent.text)).toContain('Check your inbox');
    // Asking again within ten minutes sends nothing new.
    await t.http().post(`/p/${expired}/fresh-link?lang=en`).type('form').send({ csrf }).expect(200);
    const mail = await smtp.waitFor((m) => m.to.includes(s.email));
    expect(mail.parsed.subject).toBe('Your link to manage your email from Acme');
    expect(mail.header('List-Unsubscribe')).toBeUndefined();
    const fresh = linkPath(mail.parsed.text!, PUBLIC_URL, '/p/');
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM outbound_messages WHERE subscriber_id = $1 AND template = 'fresh-link'`,
      [s.id],
    );
    expect(n).toBe(1);
    expect(tokens.decode(fresh.slice(3)).purpose).toBe('elevated');

    // The fresh (elevated) link may join a topic; the join records the wording the page showed.
    const page = await t.http().get(fresh).expect(200);
    expect(page.text).toContain(`id="freq-${tips.key}"`);
    await t
      .http()
      .post(`${fresh}/topics?lang=en`)
      .type('form')
      .send({ csrf: csrfOf(page.text), topic: tips.key, change: 'join', frequency: 'weekly' })
      .expect(303)
      .expect('Location', `${fresh}?lang=en&done=joined&topic=${tips.key}#topics`);
    const joined = (await consentEvents(t, s.id)).filter((e) => e.topic_key === tips.key);
    expect(joined).toEqual([
      expect.objectContaining({ action: 'opt_in', source: 'preference_center' }),
    ]);
    expect(joined[0].wording).toContain('By joining, you agree that we email you "Tips"');
    const after = await t.http().get(`${fresh}?lang=en&done=joined&topic=${tips.key}`).expect(200);
    expect(pageText(after.text)).toContain('Saved: you joined "Tips".');
  });

  it('lets an old link only lower what we send: joining, more often and erasing need a fresh link', async () => {
    const s = await createSubscriber(t, { topics: [{ topic: news.key, frequency: 'monthly' }] });
    const old = manage(s.id, 3 * DAY_MS);
    const page = await t.http().get(`/p/${old}`).expect(200);
    const csrf = csrfOf(page.text);
    expect(pageText(page.text)).toContain('Email me a fresh link');
    expect(page.text).not.toContain(`id="freq-${tips.key}"`);
    expect(page.text).not.toContain('<option value="weekly"');

    for (const body of [
      { topic: tips.key, change: 'join', frequency: 'weekly' },
      { topic: news.key, change: 'frequency', frequency: 'weekly' },
    ]) {
      const refused = await t
        .http()
        .post(`/p/${old}/topics`)
        .type('form')
        .send({ csrf, ...body })
        .expect(403);
      expect(pageText(refused.text)).toContain('We need a fresh link first');
      expect(refused.text).toContain(`/p/${old}/fresh-link`);
    }
    await t.http().post(`/p/${old}/erase`).type('form').send({ csrf }).expect(403);
    expect((await consentEvents(t, s.id)).map((e) => e.action)).toEqual(['opt_in']);

    // Lowering works with the same link.
    await t
      .http()
      .post(`/p/${old}/topics`)
      .type('form')
      .send({ csrf, topic: news.key, change: 'frequency', frequency: 'quarterly' })
      .expect(303);
    const events = await consentEvents(t, s.id);
    expect(events.map((e) => e.action)).toEqual(['opt_in', 'frequency_change']);
    expect(events[1]).toMatchObject({ source: 'preference_center', topic_key: news.key });
    expect(events[1].wording).toBe(
      'Changed how often to receive "Product news" from monthly to quarterly through the preference center.',
    );
  });

  it('refuses form posts without a valid CSRF token or from another site (403), changing nothing', async () => {
    const s = await createSubscriber(t, { topics: [{ topic: news.key, frequency: 'monthly' }] });
    const token = manage(s.id);
    const other = manage((await createSubscriber(t, { topics: [{ topic: news.key }] })).id);
    const csrf = csrfOf((await t.http().get(`/p/${token}`).expect(200)).text);
    const otherCsrf = csrfOf((await t.http().get(`/p/${other}`).expect(200)).text);
    const leave = { topic: news.key, change: 'leave' };
    const attempts: Array<{ body: Record<string, string>; headers?: Record<string, string> }> = [
      { body: leave },
      { body: { ...leave, csrf: '' } },
      { body: { ...leave, csrf: tampered(csrf) } },
      { body: { ...leave, csrf: otherCsrf } },
      { body: { ...leave, csrf }, headers: { Origin: 'https://evil.example' } },
      { body: { ...leave, csrf }, headers: { 'Sec-Fetch-Site': 'cross-site' } },
      { body: { ...leave, csrf }, headers: { 'Sec-Fetch-Site': 'same-site' } },
      { body: { ...leave, csrf }, headers: { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' } },
      {
        body: { ...leave, csrf },
        headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'same-site' },
      },
    ];
    for (const { body, headers } of attempts) {
      const res = await t
        .http()
        .post(`/p/${token}/topics`)
        .set(headers ?? {})
        .type('form')
        .send(body);
      expect([res.status, body.csrf, headers]).toEqual([403, body.csrf, headers]);
    }
    for (const path of ['pause', 'resume', 'unsubscribe-all', 'erase', 'fresh-link']) {
      await t.http().post(`/p/${token}/${path}`).type('form').send({ days: '30' }).expect(403);
    }
    const forbidden = await t.http().post(`/p/${token}/topics`).type('form').send(leave);
    expect(pageText(forbidden.text)).toContain('This request was refused');
    expect((await consentEvents(t, s.id)).map((e) => e.action)).toEqual(['opt_in']);

    // The same post from this origin goes through; under `Referrer-Policy: no-referrer`
    // Chromium sends it with `Origin: null`.
    await t
      .http()
      .post(`/p/${token}/topics`)
      .set({ Origin: 'null', 'Sec-Fetch-Site': 'same-origin' })
      .type('form')
      .send({ ...leave, csrf })
      .expect(303);
    expect((await consentEvents(t, s.id)).map((e) => e.action)).toEqual(['opt_in', 'opt_out']);
  });

  it('GET /u/ only shows a button; POST one-click unsubscribes the topic, 200 without cookies or redirect; replays 200 and record nothing', async () => {
    const s = await createSubscriber(t, {
      topics: [
        { topic: news.key, frequency: 'weekly' },
        { topic: tips.key, frequency: 'weekly' },
      ],
    });
    const token = await unsubscribeToken(s.id, news.key);
    for (let i = 0; i < 3; i++) {
      const page = await t.http().get(`/u/${token}`).expect(200);
      expect(pageText(page.text)).toContain('Stop getting "Product news"?');
      expect(page.text).toContain(`action="/u/${token}?lang=en"`);
      expect(page.headers['referrer-policy']).toBe('no-referrer');
    }
    expect((await consentEvents(t, s.id)).map((e) => e.action)).toEqual(['opt_in', 'opt_in']);

    const first = await t
      .http()
      .post(`/u/${token}`)
      .set('Accept', 'text/plain')
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(first.headers.location).toBeUndefined();
    expect(first.text).toBe('Unsubscribed\n');
    const replay = await t
      .http()
      .post(`/u/${token}`)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    expect(pageText(replay.text)).toContain('You are already unsubscribed from "Product news".');
    const events = await consentEvents(t, s.id);
    expect(events.slice(2)).toEqual([
      expect.objectContaining({ action: 'opt_out', topic_key: news.key, source: 'one_click' }),
    ]);
    const [sub] = await t.dataSource.query(`SELECT status FROM subscribers WHERE id = $1`, [s.id]);
    expect(sub.status).toBe('active');
    const after = await t.http().get(`/u/${token}`).expect(200);
    expect(pageText(after.text)).toContain('You are already unsubscribed from "Product news".');
  });

  it('one-click from a message without a topic leaves everything; multipart bodies work; other bodies are 400', async () => {
    const s = await createSubscriber(t, {
      topics: [
        { topic: news.key, frequency: 'weekly' },
        { topic: tips.key, frequency: 'weekly' },
      ],
    });
    const token = await unsubscribeToken(s.id, null);
    await t.http().post(`/u/${token}`).type('form').send('List-Unsubscribe=Nope').expect(400);
    await t.http().post(`/u/${token}`).expect(400);
    expect((await consentEvents(t, s.id)).map((e) => e.action)).toEqual(['opt_in', 'opt_in']);
    const res = await t
      .http()
      .post(`/u/${token}`)
      .set('Accept', 'text/html')
      .field('List-Unsubscribe', 'One-Click')
      .expect(200);
    expect(pageText(res.text)).toContain('You will get no more email from us.');
    const events = await consentEvents(t, s.id);
    expect(events.slice(2)).toEqual([
      expect.objectContaining({ action: 'opt_out', topic_key: null, source: 'one_click' }),
    ]);
    const rows = await t.dataSource.query(
      `SELECT s.status, array_agg(x.status) AS subs FROM subscribers s
         JOIN subscriptions x ON x.subscriber_id = s.id WHERE s.id = $1 GROUP BY s.status`,
      [s.id],
    );
    expect(rows).toEqual([{ status: 'unsubscribed', subs: ['unsubscribed', 'unsubscribed'] }]);
    await t.http().post(`/u/${token}`).type('form').send('List-Unsubscribe=One-Click').expect(200);
    expect(await consentEvents(t, s.id)).toHaveLength(3);
  });

  it('exports the data as a JSON attachment without internal ids', async () => {
    const s = await createSubscriber(t, {
      topics: [{ topic: news.key, frequency: 'weekly' }],
      attributes: { plan: 'gold' },
      dates: { renewal_date: '2027-01-15' },
    });
    await unsubscribeToken(s.id, news.key);
    const res = await t
      .http()
      .get(`/p/${manage(s.id)}/export`)
      .buffer(true)
      .expect(200);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="acme-my-data-\d{4}-\d{2}-\d{2}\.json"$/,
    );
    expect(res.headers['cache-control']).toBe('no-store');
    const data = JSON.parse(res.text);
    expect(data.profile).toMatchObject({ email: s.email, status: 'active', customer: true });
    expect(data.attributes).toEqual({ plan: 'gold' });
    expect(data.dates).toEqual({ renewal_date: '2027-01-15' });
    expect(data.subscriptions).toEqual([
      expect.objectContaining({ topic: news.key, status: 'active', frequency: 'weekly' }),
    ]);
    expect(data.consentHistory).toEqual([
      expect.objectContaining({ action: 'opt_in', topic: news.key, source: 'api' }),
    ]);
    expect(data.messages).toEqual([
      expect.objectContaining({ template: 'digest', topic: news.key, status: 'sent' }),
    ]);
    expect(res.text).not.toContain(s.id);
    expect(res.text).not.toMatch(/"(id|subscriberId|dedupeKey|apiKeyId|providerMessageId)"/);
  });

  it('erases after a confirmation step: suppression hash kept, everything else gone, links then 410', async () => {
    const s = await createSubscriber(t, { topics: [{ topic: news.key }] });
    const token = manage(s.id);
    const confirm = await t.http().get(`/p/${token}/erase?lang=nl`).expect(200);
    expect(pageText(confirm.text)).toContain('Je gegevens wissen?');
    expect(
      (await t.dataSource.query(`SELECT status FROM subscribers WHERE id = $1`, [s.id]))[0].status,
    ).toBe('active');
    const done = await t
      .http()
      .post(`/p/${token}/erase?lang=nl`)
      .type('form')
      .send({ csrf: csrfOf(confirm.text) })
      .expect(200);
    expect(pageText(done.text)).toContain('Je gegevens zijn gewist');
    const [row] = await t.dataSource.query(
      `SELECT status, email, name FROM subscribers WHERE id = $1`,
      [s.id],
    );
    expect(row).toEqual({ status: 'erased', email: null, name: null });
    expect(await consentEvents(t, s.id)).toEqual([]);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM suppressions WHERE reason = 'erasure'`,
    );
    expect(n).toBeGreaterThan(0);
    // Only a keyed hash is kept: the address is nowhere in the suppression list.
    const raw = await t.dataSource.query(`SELECT address_hash FROM suppressions`);
    expect(JSON.stringify(raw)).not.toContain(s.email);
    const suppressed = await t
      .http()
      .post('/v1/subscribers')
      .set({ Authorization: `Bearer ${t.adminKey}` })
      .send({ email: s.email })
      .expect(422);
    expect(suppressed.body.code).toBe('suppressed');
    const gone = await t.http().get(`/p/${token}`).expect(410);
    expect(pageText(gone.text)).toContain('Nothing here any more');
    expect(gone.text).not.toContain('fresh-link');
  });

  it('GET /subscribe lists public topics with their frequencies, may be framed, and posts as a form', async () => {
    const hidden = await createTopic(t, { name: 'Internal', isPublic: false });
    const customers = await createTopic(t, { name: 'Renewals', prospectsAllowed: false });
    const res = await t.http().get('/subscribe?lang=nl').expect(200);
    expect(pageText(res.text)).toContain('Hoe vaak wil je "Product news"?');
    expect(res.text).toContain(`<option value="${news.key}:quarterly">Per kwartaal</option>`);
    expect(pageText(res.text)).toContain('What changed in the product');
    expect(pageText(res.text)).toContain(
      'Ja, mail me over de onderwerpen die ik hierboven heb gekozen',
    );
    expect(res.text).not.toContain(hidden.key);
    expect(res.text).not.toContain(customers.key);
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['content-security-policy']).toMatch(/frame-ancestors \*$/);
    expect(res.headers['content-security-policy']).not.toContain("frame-ancestors 'self'");

    const email = uniqueEmail('form');
    const posted = await t
      .http()
      .post('/subscribe')
      .type('form')
      .send(
        `locale=nl&email=${encodeURIComponent(email)}&name=&topics=&topics=${tips.key}%3Aweekly`,
      )
      .expect(202);
    expect(pageText(posted.text)).toContain('Kijk in je inbox');
    expect(pageText(posted.text)).toContain('Acme');
    const [request] = await t.dataSource.query(
      `SELECT r.topics FROM signup_requests r JOIN subscribers s ON s.id = r.subscriber_id WHERE s.email = $1`,
      [email],
    );
    expect(request.topics).toEqual([{ topicId: expect.any(String), frequency: 'weekly' }]);
    const none = await t
      .http()
      .post('/subscribe')
      .type('form')
      .send(`email=${encodeURIComponent(uniqueEmail())}&topics=&topics=`)
      .set('Accept', 'application/json')
      .expect(400);
    expect(none.body.field).toBe('topics');
  });
});

describe('Rate limits on token pages and /subscribe (low limits in this app only)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      workers: false,
      env: { RATE_LIMIT_TOKEN_PER_MINUTE: '5', RATE_LIMIT_SUBSCRIBE_PER_MINUTE: '3' },
    });
  });
  afterAll(() => t.close());

  it('answers 429 with a clear page or message once the limit is used up', async () => {
    const token = randomBytes(39).toString('base64url');
    for (let i = 0; i < 5; i++) await t.http().get(`/p/${token}`).expect(401);
    const limited = await t.http().get(`/p/${token}`).set('Accept', 'text/html').expect(429);
    expect(pageText(limited.text)).toContain('Too many requests');
    expect(pageText(limited.text)).toContain('Please wait a minute and try again.');
    expect(limited.headers['retry-after']).toBe('60');
    // The subscribe form has its own budget.
    for (let i = 0; i < 3; i++) {
      await t.http().post('/subscribe').send({ email: uniqueEmail(), topics: [] }).expect(400);
    }
    const api = await t
      .http()
      .post('/subscribe')
      .send({ email: uniqueEmail(), topics: [] })
      .expect(429);
    expect(api.body.message).toBe(
      'Too many requests from your address: please wait a minute and try again',
    );
    // One-click posts count per address and link: many people's links from one mailbox
    // provider pass, one link repeated is limited.
    for (let i = 0; i < 8; i++) {
      await t
        .http()
        .post(`/u/${randomBytes(55).toString('base64url')}`)
        .type('form')
        .send('List-Unsubscribe=One-Click')
        .expect(401);
    }
    const same = randomBytes(55).toString('base64url');
    for (let i = 0; i < 5; i++) {
      await t.http().post(`/u/${same}`).type('form').send('List-Unsubscribe=One-Click').expect(401);
    }
    await t.http().post(`/u/${same}`).type('form').send('List-Unsubscribe=One-Click').expect(429);
    // Keys carry this app's prefix in Redis.
    const redis = t.app.get<Redis>(REDIS_CLIENT);
    const keys = await redis.keys(`{${t.config.redis.prefix}:throttle:*`);
    expect(keys.length).toBeGreaterThan(0);
  });
});
