import { LedgerService } from '../../src/messaging/delivery/ledger.service';
import { SuppressionsService } from '../../src/audience/suppressions/suppressions.service';
import { createSubscriber, subscriberInput, topicInput, uniqueEmail } from '../factories';
import { reportFixture } from '../support/report-fixtures';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const BOUNCE_SECRET = 'bounce-secret-0123456789abcdef';
const COMPLAINT_SECRET = 'complaint-secret-0123456789abcdef';

describe('Bounce and complaint webhooks (raw DSN/ARF fixtures and JSON, real PostgreSQL and SMTP)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let ledger: LedgerService;
  let suppressions: SuppressionsService;
  const topicKeys: string[] = [];
  const topicIds: string[] = [];

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://tidings.test',
        MAIL_FROM: '"Tidings" <no-reply@news.tidings.test>',
        BOUNCE_WEBHOOK_SECRET: BOUNCE_SECRET,
        COMPLAINT_WEBHOOK_SECRET: COMPLAINT_SECRET,
        SOFT_BOUNCE_LIMIT: '2',
        SOFT_BOUNCE_WINDOW_DAYS: '14',
      },
    });
    ledger = t.app.get(LedgerService);
    suppressions = t.app.get(SuppressionsService);
    for (const overrides of [{}, { kind: 'notice' }]) {
      const topic = topicInput(overrides);
      const res = await t.api().post('/v1/topics').send(topic).expect(201);
      topicKeys.push(topic.key);
      topicIds.push(res.body.id);
    }
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  /** A subscriber of both topics who has received one real email; returns its ledger id. */
  async function mailed() {
    const s = await createSubscriber(t, {
      email: uniqueEmail('w'),
      topics: topicKeys.map((topic) => ({ topic })),
    });
    const [messageId] = await ledger.send([
      {
        dedupeKey: `test:webhook:${s.id}`,
        subscriberId: s.id,
        topicId: topicIds[0],
        template: 'welcome',
        kind: 'editorial',
        data: { topics: [] },
      },
    ]);
    const mail = await smtp.waitFor((m) => m.to.includes(s.email));
    // The Message-ID in the email is what a bounce report quotes back.
    expect(mail.header('Message-ID')).toBe(`<${messageId}@news.tidings.test>`);
    expect(mail.header('X-Tidings-Message')).toBe(messageId);
    return { ...s, messageId };
  }

  function fixture(name: string, s: { email: string; messageId: string }, reportId?: string) {
    return reportFixture(name, {
      ledgerId: s.messageId,
      recipient: s.email,
      domain: 'news.tidings.test',
      reportId,
    });
  }

  const postRaw = (path: string, secret: string, body: Buffer) =>
    t
      .http()
      .post(`/v1/webhooks/${path}`)
      .set('Authorization', `Bearer ${secret}`)
      .set('Content-Type', 'message/rfc822')
      .send(body);

  async function subscriberStatus(id: string): Promise<string> {
    return (await t.api().get(`/v1/subscribers/${id}`).expect(200)).body.status;
  }

  async function suppression(email: string) {
    const [row] = await t.dataSource.query(
      `SELECT reason, details FROM suppressions WHERE address_hash = $1`,
      [suppressions.hash(email)],
    );
    return row as { reason: string; details: Record<string, unknown> } | undefined;
  }

  async function signalCount(subscriberId: string): Promise<number> {
    const [row] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM delivery_signals WHERE subscriber_id = $1`,
      [subscriberId],
    );
    return row.n;
  }

  describe('authentication', () => {
    it('refuses a missing or wrong secret with 401, and the other webhook’s secret too', async () => {
      const body = { recipient: uniqueEmail(), type: 'hard' };
      const missing = await t.http().post('/v1/webhooks/bounces').send(body).expect(401);
      expect(missing.body.message).toContain('BOUNCE_WEBHOOK_SECRET');
      await t
        .http()
        .post('/v1/webhooks/bounces')
        .set('Authorization', 'Bearer not-the-secret')
        .send(body)
        .expect(401);
      await t
        .http()
        .post('/v1/webhooks/bounces')
        .set('Authorization', `Bearer ${COMPLAINT_SECRET}`)
        .send(body)
        .expect(401);
      // An admin API key is not a webhook secret.
      await t.api().post('/v1/webhooks/complaints').send(body).expect(401);
      expect(await suppression(body.recipient)).toBeUndefined();
    });
  });

  describe('bounces', () => {
    it('a hard bounce DSN suppresses the address and marks the subscriber bounced; a replay changes nothing', async () => {
      const s = await mailed();
      const raw = fixture('dsn-hard-postfix.eml', s, `hard-${s.id}`);
      const res = await postRaw('bounces', BOUNCE_SECRET, raw).expect(200);
      expect(res.body).toMatchObject({ replayed: false, format: 'dsn' });
      expect(res.body.signals).toEqual([
        expect.objectContaining({
          type: 'hard_bounce',
          outcome: 'suppressed',
          matchedBy: 'message',
          messageId: s.messageId,
          subscriberId: s.id,
          status: '5.1.1',
        }),
      ]);
      expect(await subscriberStatus(s.id)).toBe('bounced');
      expect(await suppression(s.email)).toMatchObject({
        reason: 'hard_bounce',
        details: { reportId: res.body.reportId, messageId: s.messageId, status: '5.1.1' },
      });
      // Stored without the address: only its hash and a masked diagnostic.
      const [signal] = await t.dataSource.query(
        `SELECT address_hash, diagnostic FROM delivery_signals WHERE subscriber_id = $1`,
        [s.id],
      );
      expect(signal.address_hash).toBe(suppressions.hash(s.email));
      expect(signal.diagnostic).not.toContain(s.email);
      expect(signal.diagnostic).toContain('User unknown');

      const replay = await postRaw('bounces', BOUNCE_SECRET, raw).expect(200);
      expect(replay.body).toMatchObject({ replayed: true, reportId: res.body.reportId });
      expect(replay.body.signals).toEqual(res.body.signals);
      expect(await signalCount(s.id)).toBe(1);
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM webhook_reports WHERE id = $1`,
        [res.body.reportId],
      );
      expect(n).toBe(1);
    });

    it('counts soft bounces and suppresses at the configured limit (2 within 14 days here)', async () => {
      const s = await mailed();
      const first = await postRaw(
        'bounces',
        BOUNCE_SECRET,
        fixture('dsn-soft-exchange.eml', s),
      ).expect(200);
      expect(first.body.signals).toEqual([
        expect.objectContaining({
          type: 'soft_bounce',
          outcome: 'counted',
          softBounces: 1,
          status: '5.2.2',
          matchedBy: 'message',
        }),
      ]);
      expect(await subscriberStatus(s.id)).toBe('active');
      expect(await suppression(s.email)).toBeUndefined();

      const second = await postRaw(
        'bounces',
        BOUNCE_SECRET,
        fixture('dsn-soft-exchange.eml', s),
      ).expect(200);
      expect(second.body.signals[0]).toMatchObject({ outcome: 'suppressed', softBounces: 2 });
      expect(await subscriberStatus(s.id)).toBe('bounced');
      expect(await suppression(s.email)).toMatchObject({
        reason: 'hard_bounce',
        details: { rule: 'soft_bounce_limit', softBounces: 2, windowDays: 14 },
      });
    });

    it('records a delayed DSN as information only', async () => {
      const s = await mailed();
      const res = await postRaw(
        'bounces',
        BOUNCE_SECRET,
        fixture('dsn-delayed-postfix.eml', s),
      ).expect(200);
      expect(res.body.signals).toEqual([
        expect.objectContaining({ type: 'delayed', outcome: 'recorded', status: '4.4.1' }),
      ]);
      expect(await subscriberStatus(s.id)).toBe('active');
      expect(await suppression(s.email)).toBeUndefined();
      // A delay is not a soft bounce: it does not count towards the limit.
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM delivery_signals WHERE address_hash = $1 AND type = 'soft_bounce'`,
        [suppressions.hash(s.email)],
      );
      expect(n).toBe(0);
    });

    it.each(['auto-reply-vacation.eml', 'auto-reply-exchange.eml'])(
      'ignores an auto-reply (%s)',
      async (file) => {
        const s = await mailed();
        const res = await postRaw('bounces', BOUNCE_SECRET, fixture(file, s)).expect(200);
        expect(res.body).toMatchObject({ format: 'email' });
        expect(res.body.signals).toEqual([
          expect.objectContaining({
            type: 'auto_reply',
            outcome: 'ignored',
            messageId: s.messageId,
          }),
        ]);
        expect(await subscriberStatus(s.id)).toBe('active');
        expect(await suppression(s.email)).toBeUndefined();
      },
    );

    it('accepts the JSON form, matched by recipient, idempotent by event id', async () => {
      const s = await mailed();
      const body = {
        id: `evt-${s.id}`,
        recipient: s.email.toUpperCase(),
        status: '5.1.1',
        action: 'failed',
      };
      const res = await t
        .http()
        .post('/v1/webhooks/bounces')
        .set('Authorization', `Bearer ${BOUNCE_SECRET}`)
        .send(body)
        .expect(200);
      expect(res.body).toMatchObject({ format: 'json', replayed: false });
      expect(res.body.signals[0]).toMatchObject({
        type: 'hard_bounce',
        outcome: 'suppressed',
        matchedBy: 'recipient',
        subscriberId: s.id,
        // Without a Message-ID the bounce is attributed to the last message sent to them.
        messageId: s.messageId,
      });
      expect(await subscriberStatus(s.id)).toBe('bounced');
      const replay = await t
        .http()
        .post('/v1/webhooks/bounces')
        .set('Authorization', `Bearer ${BOUNCE_SECRET}`)
        .send(body)
        .expect(200);
      expect(replay.body.replayed).toBe(true);
      expect(await signalCount(s.id)).toBe(1);
    });

    it('suppresses an address no subscriber has, so it can never be imported', async () => {
      const stranger = uniqueEmail('stranger');
      const res = await t
        .http()
        .post('/v1/webhooks/bounces')
        .set('Authorization', `Bearer ${BOUNCE_SECRET}`)
        .send({ recipient: stranger, type: 'hard' })
        .expect(200);
      expect(res.body.signals[0]).toMatchObject({ outcome: 'suppressed', matchedBy: 'none' });
      const refused = await t
        .api()
        .post('/v1/subscribers')
        .send(subscriberInput({ email: stranger }))
        .expect(422);
      expect(refused.body.field).toBe('email');
    });

    it('refuses bad input with a 4xx naming the field', async () => {
      const post = (body: unknown, type = 'application/json') =>
        t
          .http()
          .post('/v1/webhooks/bounces')
          .set('Authorization', `Bearer ${BOUNCE_SECRET}`)
          .set('Content-Type', type)
          .send(body as string);
      expect((await post({ type: 'hard' }).expect(400)).body.field).toBe('recipient');
      expect((await post({ recipient: 'nope', type: 'hard' }).expect(400)).body.field).toBe(
        'recipient',
      );
      expect((await post({ recipient: uniqueEmail() }).expect(400)).body.field).toBe('type');
      expect(
        (await post({ recipient: uniqueEmail(), type: 'hard', extra: 1 }).expect(400)).body.field,
      ).toBe('extra');
      expect((await post('just some words', 'text/plain').expect(400)).body.field).toBe('body');
      const arfOnBounces = await post(
        fixture('arf-complaint.eml', {
          email: uniqueEmail(),
          messageId: '0b6f4a8e-5c2d-4e1f-9a3b-7d8c6e5f4a3b',
        }).toString(),
        'message/rfc822',
      ).expect(422);
      expect(arfOnBounces.body).toMatchObject({ field: 'body', code: 'complaint_report' });
    });
  });

  describe('complaints', () => {
    async function consentEvents(subscriberId: string) {
      return t.dataSource.query<
        Array<{
          action: string;
          topic_id: string | null;
          source: string;
          details: Record<string, unknown>;
        }>
      >(
        `SELECT action, topic_id, source, details FROM consent_events WHERE subscriber_id = $1 ORDER BY id`,
        [subscriberId],
      );
    }

    it('an ARF report unsubscribes from everything, records one system opt-out, suppresses; a replay changes nothing', async () => {
      const s = await mailed();
      const raw = fixture('arf-complaint.eml', s, `arf-${s.id}`);
      const res = await postRaw('complaints', COMPLAINT_SECRET, raw).expect(200);
      expect(res.body).toMatchObject({ format: 'arf', replayed: false });
      expect(res.body.signals).toEqual([
        expect.objectContaining({
          type: 'complaint',
          outcome: 'unsubscribed',
          matchedBy: 'message',
          messageId: s.messageId,
          subscriberId: s.id,
        }),
      ]);
      const after = (await t.api().get(`/v1/subscribers/${s.id}`).expect(200)).body;
      expect(after.status).toBe('complained');
      expect(after.subscriptions.map((x: { status: string }) => x.status)).toEqual([
        'unsubscribed',
        'unsubscribed',
      ]);
      expect(await suppression(s.email)).toMatchObject({ reason: 'complaint' });
      const events = await consentEvents(s.id);
      const optOuts = events.filter((e) => e.action === 'opt_out');
      expect(optOuts).toEqual([
        expect.objectContaining({
          topic_id: null,
          source: 'system',
          details: expect.objectContaining({ reason: 'complaint', topicsLeft: 2 }),
        }),
      ]);

      const replay = await postRaw('complaints', COMPLAINT_SECRET, raw).expect(200);
      expect(replay.body).toMatchObject({ replayed: true, reportId: res.body.reportId });
      expect(await consentEvents(s.id)).toHaveLength(events.length);
      expect(await signalCount(s.id)).toBe(1);
    });

    it('accepts the JSON form by Message-ID', async () => {
      const s = await mailed();
      const res = await t
        .http()
        .post('/v1/webhooks/complaints')
        .set('Authorization', `Bearer ${COMPLAINT_SECRET}`)
        .send({ messageId: `<${s.messageId}@news.tidings.test>`, feedbackType: 'abuse' })
        .expect(200);
      expect(res.body.signals[0]).toMatchObject({
        type: 'complaint',
        outcome: 'unsubscribed',
        subscriberId: s.id,
      });
      expect(await subscriberStatus(s.id)).toBe('complained');
      expect(await suppression(s.email)).toMatchObject({ reason: 'complaint' });
    });

    it('ignores not-spam reports and reports about nobody we know', async () => {
      const s = await mailed();
      const notSpam = await t
        .http()
        .post('/v1/webhooks/complaints')
        .set('Authorization', `Bearer ${COMPLAINT_SECRET}`)
        .send({ recipient: s.email, feedbackType: 'not-spam' })
        .expect(200);
      expect(notSpam.body.signals[0]).toMatchObject({ type: 'other', outcome: 'ignored' });
      expect(await subscriberStatus(s.id)).toBe('active');
      const nobody = await t
        .http()
        .post('/v1/webhooks/complaints')
        .set('Authorization', `Bearer ${COMPLAINT_SECRET}`)
        .send({ recipient: uniqueEmail('nobody') })
        .expect(200);
      expect(nobody.body.signals[0]).toMatchObject({ outcome: 'unmatched', matchedBy: 'none' });
    });

    it('refuses a DSN posted as a complaint', async () => {
      const s = await mailed();
      const res = await postRaw(
        'complaints',
        COMPLAINT_SECRET,
        fixture('dsn-hard-postfix.eml', s),
      ).expect(400);
      expect(res.body.field).toBe('body');
      expect(await subscriberStatus(s.id)).toBe('active');
    });
  });

  it('counts bounces, complaints and suppressions in /metrics', async () => {
    await eventually(async () => {
      const text = (await t.http().get('/metrics').expect(200)).text;
      return (
        /tidings_bounces_total\{type="hard_bounce"[^}]*\} [1-9]/.test(text) &&
        /tidings_complaints_total\{outcome="unsubscribed"[^}]*\} [1-9]/.test(text) &&
        /tidings_suppressed_addresses\{reason="complaint"[^}]*\} [1-9]/.test(text) &&
        /tidings_webhook_reports_total\{endpoint="bounces",result="replayed"[^}]*\} [1-9]/.test(
          text,
        ) &&
        /tidings_subscribers\{status="complained"[^}]*\} [1-9]/.test(text)
      );
    });
  });
});
