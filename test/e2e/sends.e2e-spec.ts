import { DateTime } from 'luxon';
import { SubscriberStatusService } from '../../src/audience/subscribers/subscriber-status.service';
import { DeliveryProcessor } from '../../src/messaging/delivery/delivery.processor';
import { createSubscriber, topicInput, unique, uniqueEmail } from '../factories';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * `POST /v1/sends`: one message to one subscriber now, checked like every send, written to the
 * ledger once per idempotency key, delivered to a real SMTP server in-process.
 */
describe('POST /v1/sends', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let noticeTopic: string;
  let editorialTopic: string;
  // A zone where it is now between 12:00 and 13:00, so the default window (09:00-17:00) is open
  // and a window of 02:00-05:00 is closed, whenever the test runs.
  const offset = 12 - new Date().getUTCHours();
  const zone = offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://tidings.test', DISPATCH_INTERVAL_MS: '300' },
    });
    const notice = topicInput({ kind: 'notice' });
    noticeTopic = (await t.api().post('/v1/topics').send(notice).expect(201)).body.key;
    editorialTopic = (await t.api().post('/v1/topics').send(topicInput()).expect(201)).body.key;
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  const content = { heading: 'You already own this', intro: 'Order 1234 has it.', reason: 'Why.' };
  const subscriber = (overrides: Record<string, unknown> = {}) =>
    createSubscriber(t, { email: uniqueEmail('send'), timezone: zone, ...overrides });
  const transactional = (email: string, overrides: Record<string, unknown> = {}) => ({
    template: 'notice',
    email,
    kind: 'transactional',
    data: content,
    idempotencyKey: unique('key'),
    ...overrides,
  });
  const statusOf = async (id: string) =>
    (
      await t.dataSource.query<{ status: string; skip_reason: string | null }[]>(
        `SELECT status, skip_reason FROM outbound_messages WHERE id = $1`,
        [id],
      )
    )[0];
  const rowsFor = async (subscriberId: string) =>
    (
      await t.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM outbound_messages WHERE subscriber_id = $1`,
        [subscriberId],
      )
    )[0].n;

  it('sends once for one idempotency key: the repeat returns the same message (200) and no second mail', async () => {
    const s = await subscriber();
    const body = transactional(s.email);
    const first = await t.api().post('/v1/sends').send(body).expect(202);
    expect(first.body).toMatchObject({
      status: 'queued',
      kind: 'transactional',
      template: 'notice',
      subscriberId: s.id,
      topic: null,
      duplicate: false,
      links: { message: `/v1/messages/${first.body.id}` },
    });
    expect(first.headers.location).toBe(`/v1/messages/${first.body.id}`);
    const second = await t.api().post('/v1/sends').send(body).expect(200);
    expect(second.body).toMatchObject({ id: first.body.id, duplicate: true });

    const mail = await smtp.waitFor((m) => m.to.includes(s.email));
    expect(mail.parsed.subject).toBe('You already own this');
    await eventually(async () => (await statusOf(first.body.id)).status === 'sent');
    // By id instead of email: the same subscriber, so the same message; now it shows `sent`.
    const third = await t
      .api()
      .post('/v1/sends')
      .send({ ...body, email: undefined, subscriberId: s.id })
      .expect(200);
    expect(third.body).toMatchObject({ id: first.body.id, status: 'sent', duplicate: true });
    const link = await t.api().get(first.body.links.message).expect(200);
    expect(link.body).toMatchObject({ id: first.body.id, status: 'sent', kind: 'transactional' });
    const unknown = await t.api().get(`/v1/messages/${s.id}`).expect(404);
    expect(unknown.body).toMatchObject({ field: 'id' });
    // A replayed delivery job finds nothing to claim.
    await t.app.get(DeliveryProcessor).deliverBatch([first.body.id]);
    expect(smtp.to(s.email)).toHaveLength(1);
    expect(await rowsFor(s.id)).toBe(1);
  });

  it('writes one message when requests with one key arrive at once (the unique key decides)', async () => {
    const s = await subscriber();
    const body = transactional(s.email);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => t.api().post('/v1/sends').send(body)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 202]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    await smtp.waitFor((m) => m.to.includes(s.email));
    expect(await rowsFor(s.id)).toBe(1);
  });

  it('refuses the same key with a different body (409) and sends nothing for it', async () => {
    const s = await subscriber();
    const body = transactional(s.email);
    await t.api().post('/v1/sends').send(body).expect(202);
    const other = await t
      .api()
      .post('/v1/sends')
      .send({ ...body, data: { ...content, intro: 'Something else' } })
      .expect(409);
    expect(other.body).toMatchObject({ field: 'idempotencyKey', code: 'idempotency_key_reused' });
    expect(await rowsFor(s.id)).toBe(1);
  });

  it('refuses a suppressed address with 422, code and reason, and writes nothing', async () => {
    const s = await subscriber();
    await t.dataSource.transaction((m) =>
      t.app.get(SubscriberStatusService).bounced(m, s.email, { test: true }, s.id),
    );
    const res = await t.api().post('/v1/sends').send(transactional(s.email)).expect(422);
    expect(res.body).toMatchObject({ code: 'suppressed', field: 'email' });
    expect(res.body.message).toContain('hard_bounce');
    expect(await rowsFor(s.id)).toBe(0);
  });

  it('sends a notice to a subscriber of its notice topic within the window, with the topic’s unsubscribe headers', async () => {
    const s = await subscriber({ topics: [{ topic: noticeTopic }] });
    const res = await t
      .api()
      .post('/v1/sends')
      .send({ ...transactional(s.email), kind: 'notice', topic: noticeTopic, locale: 'nl' })
      .expect(202);
    expect(res.body).toMatchObject({ status: 'queued', topic: noticeTopic, locale: 'nl' });
    expect(new Date(res.body.sendAfter).getTime()).toBeLessThanOrEqual(Date.now());
    const mail = await smtp.waitFor((m) => m.to.includes(s.email));
    expect(mail.header('List-Unsubscribe')).toContain('https://tidings.test/u/');
    // The locale asked for, not the subscriber's (en): Dutch strings of the shared footer.
    expect(mail.parsed.html).toContain('lang="nl"');
  });

  it('refuses a notice without consent to its topic (422 not_subscribed) and one to a non-notice topic', async () => {
    const s = await subscriber();
    const notice = { ...transactional(s.email), kind: 'notice', topic: noticeTopic };
    const res = await t.api().post('/v1/sends').send(notice).expect(422);
    expect(res.body).toMatchObject({ code: 'not_subscribed', field: 'topic' });
    const wrong = await t
      .api()
      .post('/v1/sends')
      .send({ ...notice, topic: editorialTopic })
      .expect(422);
    expect(wrong.body).toMatchObject({ code: 'topic_not_notice', field: 'topic' });
    expect(await rowsFor(s.id)).toBe(0);
  });

  it('holds a notice outside its send window: queued for the window, not sent now', async () => {
    const s = await subscriber({ topics: [{ topic: noticeTopic }] });
    const res = await t
      .api()
      .post('/v1/sends')
      .send({
        ...transactional(s.email),
        kind: 'notice',
        topic: noticeTopic,
        sendWindow: { start: '02:00', end: '05:00' },
      })
      .expect(202);
    const expected = DateTime.now()
      .setZone(zone)
      .plus({ days: 1 })
      .set({ hour: 2, minute: 0, second: 0, millisecond: 0 });
    expect(new Date(res.body.sendAfter).toISOString()).toBe(expected.toUTC().toISO());
    expect(await t.app.get(DeliveryProcessor).deliverBatch([res.body.id])).toEqual({ claimed: 0 });
    expect(await statusOf(res.body.id)).toEqual({ status: 'queued', skip_reason: null });
    expect(smtp.to(s.email)).toHaveLength(0);
  });

  it('holds a notice while the subscriber is paused, but sends transactional mail now', async () => {
    const s = await subscriber({ topics: [{ topic: noticeTopic }] });
    const pausedUntil = new Date(Date.now() + 3 * 86_400_000);
    await t.dataSource.transaction((m) =>
      t.app.get(SubscriberStatusService).setPausedUntil(m, s.id, pausedUntil),
    );
    const notice = await t
      .api()
      .post('/v1/sends')
      .send({ ...transactional(s.email), kind: 'notice', topic: noticeTopic })
      .expect(202);
    expect(new Date(notice.body.sendAfter).getTime()).toBeGreaterThanOrEqual(pausedUntil.getTime());
    const now = await t.api().post('/v1/sends').send(transactional(s.email)).expect(202);
    await eventually(async () => (await statusOf(now.body.id)).status === 'sent');
    expect(await statusOf(notice.body.id)).toEqual({ status: 'queued', skip_reason: null });
    expect(smtp.to(s.email)).toHaveLength(1);
  });

  it('erasing the subscriber removes the data given with their sends', async () => {
    const s = await subscriber({ topics: [{ topic: noticeTopic }] });
    const sent = await t.api().post('/v1/sends').send(transactional(s.email)).expect(202);
    const notice = await t
      .api()
      .post('/v1/sends')
      .send({ ...transactional(s.email), kind: 'notice', topic: noticeTopic })
      .expect(202);
    await t.api().delete(`/v1/subscribers/${s.id}`).expect(204);
    const rows = await t.dataSource.query<{ id: string; data: Record<string, unknown> }[]>(
      `SELECT id, data FROM outbound_messages WHERE id = ANY($1) ORDER BY id`,
      [[sent.body.id, notice.body.id]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.data]))).toEqual({
      [sent.body.id]: {},
      [notice.body.id]: { sendWindow: { start: '09:00', end: '17:00' } },
    });
  });

  it('names the field of every invalid request', async () => {
    const s = await subscriber();
    const send = (body: Record<string, unknown>) => t.api().post('/v1/sends').send(body);
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ ...transactional(s.email), idempotencyKey: undefined }, 400, 'idempotencyKey'],
      [{ ...transactional(s.email), kind: 'promotional' }, 400, 'kind'],
      [{ ...transactional(s.email), email: undefined }, 400, 'subscriberId'],
      [{ ...transactional(s.email), subscriberId: s.id }, 400, 'email'],
      [{ ...transactional(s.email), email: 'not-an-address' }, 400, 'email'],
      [{ ...transactional(s.email), kind: 'notice' }, 400, 'topic'],
      [{ ...transactional(s.email), topic: noticeTopic }, 400, 'topic'],
      [{ ...transactional(s.email), locale: 'de' }, 400, 'locale'],
      [{ ...transactional(s.email), data: { ...content, links: {} } }, 400, 'data.links'],
      [{ ...transactional(s.email), data: { intro: 'x', reason: 'y' } }, 400, 'data.heading'],
      [{ ...transactional(s.email), template: 'no-such-template' }, 404, 'template'],
      [{ ...transactional(uniqueEmail('nobody')) }, 404, 'email'],
      [{ ...transactional(s.email), kind: 'notice', topic: unique('no-topic') }, 404, 'topic'],
      [
        {
          ...transactional(s.email),
          kind: 'notice',
          topic: noticeTopic,
          sendWindow: { start: '17:00', end: '09:00' },
        },
        400,
        'sendWindow.end',
      ],
    ];
    for (const [body, status, field] of cases) {
      const res = await send(body);
      expect({ field, status: res.status, body: res.body.field }).toEqual({
        field,
        status,
        body: field,
      });
    }
    expect(await rowsFor(s.id)).toBe(0);
    // The key is a body field, and the answer says so to a client that sent the header instead.
    const header = await send({ ...transactional(s.email), idempotencyKey: undefined })
      .set('Idempotency-Key', 'k-1')
      .expect(400);
    expect(header.body.message).toContain('Idempotency-Key header is not read');
  });

  it('needs the sends:write scope', async () => {
    const s = await subscriber();
    const reader = await t.keyWith('messages:read');
    await t
      .http()
      .post('/v1/sends')
      .set('Authorization', `Bearer ${reader}`)
      .send(transactional(s.email))
      .expect(403);
    const writer = await t.keyWith('sends:write');
    await t
      .http()
      .post('/v1/sends')
      .set('Authorization', `Bearer ${writer}`)
      .send(transactional(s.email))
      .expect(202);
  });
});
