import { topicInput, uniqueEmail } from '../factories';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const PUBLIC_URL = 'https://tidings.test';

/** The path of the first link in a text that starts with PUBLIC_URL + prefix. */
function linkPath(text: string, prefix: string): string {
  const match = new RegExp(`${PUBLIC_URL.replace(/\./g, '\\.')}(${prefix}[A-Za-z0-9_-]+)`).exec(
    text,
  );
  if (!match) throw new Error(`No ${prefix} link in: ${text.slice(0, 500)}`);
  return match[1];
}

describe('Double opt-in and the first welcome (real SMTP server in-process)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });
  let topic: ReturnType<typeof topicInput>;
  let notice: ReturnType<typeof topicInput>;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        MAIL_FROM: '"Acme News" <news@acme.test>',
        POSTAL_ADDRESS: 'Acme B.V., Keizersgracht 1, 1015 CJ Amsterdam',
        BRAND_NAME: 'Acme',
        DELIVERY_RETRY_BASE_MS: '100',
        DISPATCH_INTERVAL_MS: '500',
      },
    });
    topic = topicInput({
      name: 'Product news',
      allowedFrequencies: ['weekly', 'monthly'],
      defaultFrequency: 'monthly',
    });
    notice = topicInput({
      name: 'Renewal reminders',
      kind: 'notice',
      allowedFrequencies: ['monthly'],
    });
    await t.api().post('/v1/topics').send(topic).expect(201);
    await t.api().post('/v1/topics').send(notice).expect(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('subscribe → confirmation email → confirm link → welcome with unsubscribe headers, footer and text part', async () => {
    const email = uniqueEmail('ada');
    const res = await t
      .http()
      .post('/subscribe')
      .send({ email, name: 'Ada', locale: 'en', topics: [`${topic.key}:weekly`, notice.key] })
      .expect(202);
    expect(res.body.status).toBe('pending');

    const confirmation = await smtp.waitFor((m) => m.to.includes(email));
    expect(confirmation.parsed.text).toBeTruthy();
    // Transactional: no unsubscribe headers, no advertising.
    expect(confirmation.header('List-Unsubscribe')).toBeUndefined();
    const confirmPath = linkPath(confirmation.parsed.text!, '/confirm/');

    const sub = await t
      .api()
      .get(`/v1/subscribers/${encodeURIComponent(email)}`)
      .expect(200);
    expect(sub.body.status).toBe('pending');
    expect((await t.api().get(`/v1/subscribers/${sub.body.id}/consent`)).body).toEqual([]);

    const page = await t.http().get(confirmPath).expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('Product news');

    const welcome = await smtp.waitFor((m) => m.to.includes(email) && m !== confirmation, 30_000);
    const listUnsubscribe = welcome.header('List-Unsubscribe')!;
    expect(listUnsubscribe).toMatch(
      new RegExp(
        `^<${PUBLIC_URL}/u/[A-Za-z0-9_-]+>, <mailto:unsubscribe@acme\\.test\\?subject=unsubscribe%20[A-Za-z0-9_-]+>$`,
      ),
    );
    expect(welcome.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(welcome.header('List-Id')).toBeTruthy();
    expect(welcome.parsed.text).toBeTruthy();
    expect(welcome.parsed.html).toBeTruthy();
    expect(welcome.parsed.text).toContain(`${PUBLIC_URL}/u/`);
    expect(welcome.parsed.text).toContain(`${PUBLIC_URL}/p/`);
    // The footer: postal address, a visible unsubscribe link and a preference-center link.
    expect(welcome.parsed.text).toContain('Acme B.V., Keizersgracht 1, 1015 CJ Amsterdam');
    expect(welcome.parsed.html).toContain('Acme B.V., Keizersgracht 1, 1015 CJ Amsterdam');
    expect(welcome.parsed.html).toMatch(new RegExp(`href="${PUBLIC_URL}/u/[A-Za-z0-9_-]+"`));
    expect(welcome.parsed.html).toMatch(new RegExp(`href="${PUBLIC_URL}/p/[A-Za-z0-9_-]+"`));
    // The welcome lists the chosen topics with their frequency and when to expect the first message.
    expect(welcome.parsed.text).toContain('Product news');
    expect(welcome.parsed.text).toContain('weekly');
    expect(confirmation.parsed.text).toContain('Acme B.V., Keizersgracht 1, 1015 CJ Amsterdam');

    const after = await t.api().get(`/v1/subscribers/${sub.body.id}`).expect(200);
    expect(after.body.status).toBe('active');
    expect(after.body.subscriptions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ topic: topic.key, status: 'active', frequency: 'weekly' }),
        expect.objectContaining({ topic: notice.key, status: 'active' }),
      ]),
    );
    const consent = (await t.api().get(`/v1/subscribers/${sub.body.id}/consent`)).body;
    const optIn = consent.find(
      (e: { action: string; topic: string }) => e.action === 'opt_in' && e.topic === topic.key,
    );
    expect(optIn).toMatchObject({ source: 'form', wordingVersion: 'tidings-form-2026-12' });
    expect(optIn.wording).toContain('no more often than the frequency I chose');
    expect(consent.filter((e: { action: string }) => e.action === 'confirm')).toHaveLength(2);

    // Confirming again changes nothing and sends no second welcome.
    await t.http().get(confirmPath).expect(200);
    const messages = (await t.api().get('/v1/messages').query({ subscriber: sub.body.id })).body
      .items;
    expect(messages.map((m: { template: string }) => m.template).sort()).toEqual([
      'confirm-subscription',
      'welcome',
    ]);
    expect(messages.every((m: { status: string }) => m.status === 'sent')).toBe(true);
  });

  it('re-sends a confirmation at most once per 10 minutes and says nothing new about active addresses', async () => {
    const email = uniqueEmail('bob');
    await t
      .http()
      .post('/subscribe')
      .send({ email, topics: [topic.key] })
      .expect(202);
    await smtp.waitFor((m) => m.to.includes(email));
    const again = await t
      .http()
      .post('/subscribe')
      .send({ email, topics: [topic.key] })
      .expect(202);
    const sub = await t
      .api()
      .get(`/v1/subscribers/${encodeURIComponent(email)}`)
      .expect(200);
    const rows = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM outbound_messages WHERE subscriber_id = $1`,
      [sub.body.id],
    );
    expect(rows[0].n).toBe(1);

    // An active address: the same answer; its owner gets only a link to their preferences.
    const active = await t
      .api()
      .post('/v1/subscribers')
      .send({ email: uniqueEmail('carol') })
      .expect(201);
    const res = await t
      .http()
      .post('/subscribe')
      .send({ email: active.body.email, topics: [topic.key] })
      .expect(202);
    expect(res.body).toEqual(again.body);
    const none = await t.dataSource.query(
      `SELECT template FROM outbound_messages WHERE subscriber_id = $1`,
      [active.body.id],
    );
    expect(none).toEqual([{ template: 'fresh-link' }]);
  });

  it('answers a form post with a page, and bad input with 400 naming the field', async () => {
    const page = await t
      .http()
      .post('/subscribe')
      .type('form')
      .send(`email=${encodeURIComponent(uniqueEmail('form'))}&topics=${topic.key}&locale=nl`)
      .expect(202);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('Kijk in je inbox');

    const bad = await t
      .http()
      .post('/subscribe')
      .send({ email: 'nope', topics: [topic.key] })
      .expect(400);
    expect(bad.body.field).toBe('email');
    const noTopic = await t
      .http()
      .post('/subscribe')
      .send({ email: uniqueEmail(), topics: [] })
      .expect(400);
    expect(noTopic.body.field).toBe('topics');
    const unknown = await t
      .http()
      .post('/subscribe')
      .send({ email: uniqueEmail(), topics: ['no-such-topic'] })
      .expect(404);
    expect(unknown.body.field).toBe('topics.0');
  });

  it('shows a clear page for a tampered or expired confirmation link and changes nothing', async () => {
    const tampered = await t
      .http()
      .get('/confirm/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')
      .expect(401);
    expect(tampered.text).toContain('This link is not valid');
    expect(tampered.text).not.toMatch(/at \w+ \(/); // no stack trace

    const email = uniqueEmail('late');
    await t
      .http()
      .post('/subscribe')
      .send({ email, topics: [topic.key] })
      .expect(202);
    const mail = await smtp.waitFor((m) => m.to.includes(email));
    const path = linkPath(mail.parsed.text!, '/confirm/');
    const { TokensService } = await import('../../src/platform/tokens/tokens.service');
    const claims = t.app.get(TokensService).decode(path.split('/').pop()!);
    const expired = t.app
      .get(TokensService)
      .sign('confirm', claims.subscriberId, { ref: claims.ref, ttlSeconds: -60 });
    const page = await t.http().get(`/confirm/${expired}`).expect(410);
    expect(page.text).toContain('expired');
    const sub = await t
      .api()
      .get(`/v1/subscribers/${encodeURIComponent(email)}`)
      .expect(200);
    expect(sub.body.status).toBe('pending');
  });

  it('test-sends a template to an address, marked [TEST], without touching the ledger', async () => {
    const before = await t.dataSource.query(`SELECT count(*)::int AS n FROM outbound_messages`);
    const res = await t
      .api()
      .post('/v1/templates/welcome/test-send')
      .send({ to: 'Designer@Acme.test', locale: 'nl' })
      .expect(200);
    expect(res.body.subject).toMatch(/^\[TEST\] /);
    const mail = await smtp.waitFor((m) => m.to.includes('designer@acme.test'));
    expect(mail.parsed.subject).toBe(res.body.subject);
    expect(mail.parsed.text).toBeTruthy();
    const after = await t.dataSource.query(`SELECT count(*)::int AS n FROM outbound_messages`);
    expect(after[0].n).toBe(before[0].n);
    const bad = await t
      .api()
      .post('/v1/templates/welcome/test-send')
      .send({ to: 'x', locale: 'nl' })
      .expect(400);
    expect(bad.body.field).toBe('to');
    await t
      .api()
      .post('/v1/templates/nope/test-send')
      .send({ to: 'a@b.test', locale: 'nl' })
      .expect(404);
    const readOnly = await t.keyWith('templates:read');
    await t
      .http()
      .post('/v1/templates/welcome/test-send')
      .set('Authorization', `Bearer ${readOnly}`)
      .send({ to: 'a@b.test', locale: 'nl' })
      .expect(403);
  });

  it('lists the ledger with filters', async () => {
    const sent = await t
      .http()
      .get('/v1/messages')
      .query({ status: 'sent', kind: 'transactional', limit: 2 })
      .set(auth())
      .expect(200);
    expect(sent.body.items.length).toBeGreaterThan(0);
    for (const m of sent.body.items)
      expect(m).toMatchObject({ status: 'sent', kind: 'transactional' });
    const bad = await t
      .http()
      .get('/v1/messages')
      .query({ status: 'lost' })
      .set(auth())
      .expect(400);
    expect(bad.body.field).toBe('status');
    await eventually(async () => true);
  });
});
