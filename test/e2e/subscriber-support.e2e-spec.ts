import request from 'supertest';
import { topicInput, uniqueEmail } from '../factories';
import { hashPassword } from '../../src/surfaces/accounts/passwords';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { checkedByContract, createTestApp, TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

/**
 * The console's subscriber pages need these: search, the support actions (resend confirmation,
 * preference link, pause, unsubscribe from all, export) and import jobs with progress and a
 * refused-rows report. Each support action is in the activity log with the signed-in user.
 */
describe('Subscriber search, support actions and import jobs', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const topic = topicInput({ allowedFrequencies: ['weekly', 'monthly'] });

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: { SMTP_URL: smtp.url, DELIVERY_RETRY_BASE_MS: '100', DISPATCH_INTERVAL_MS: '500' },
    });
    await t.api().post('/v1/topics').send(topic).expect(201);
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  }, 60_000);

  /** A signed-in console user of this role: a cookie agent and the CSRF token. */
  async function session(role: string) {
    const email = uniqueEmail(role);
    const [{ id }] = await t.dataSource.query<{ id: string }[]>(
      `INSERT INTO users (email, name, role, password_hash, locale)
       VALUES ($1, $2, $3, $4, 'en') RETURNING id`,
      [email, `A ${role}`, role, await hashPassword(PASSWORD)],
    );
    const agent = checkedByContract(request.agent(t.app.getHttpServer()), t.contract);
    const res = await agent
      .post('/v1/auth/sign-in')
      .send({ email, password: PASSWORD })
      .expect(200);
    return { agent, csrf: res.body.csrfToken as string, userId: id, email };
  }

  async function subscriber(overrides: Record<string, unknown> = {}) {
    const res = await t
      .api()
      .post('/v1/subscribers')
      .send({ email: uniqueEmail(), name: 'Ada', topics: [{ topic: topic.key }], ...overrides })
      .expect(201);
    return res.body as { id: string; email: string };
  }

  const activity = async (action: string) =>
    t.dataSource.query<Array<{ actor_type: string; actor_id: string; target_id: string | null }>>(
      `SELECT actor_type, actor_id, target_id FROM activity_log WHERE action = $1 ORDER BY id`,
      [action],
    );

  describe('search (GET /v1/subscribers?q=)', () => {
    it('finds by the start of the email address or of words of the name, case-insensitive, page by page', async () => {
      const tag = `zq${Date.now().toString(36)}`;
      const a = await subscriber({ email: `${tag}.one@example.test`, name: 'Marit Jansen' });
      const b = await subscriber({ name: `Bo ${tag}-Smit` });
      // Not a match: the text is inside the address, not at its start.
      await subscriber({ email: `two.${tag}@example.test`, name: 'Bo' });
      const c = await subscriber({ name: `Karel ${tag.toUpperCase()}` });
      const page1 = await t.api().get('/v1/subscribers').query({ q: tag, limit: 2 }).expect(200);
      expect(page1.body.items.map((s: { id: string }) => s.id)).toEqual([a.id, b.id]);
      const page2 = await t
        .api()
        .get('/v1/subscribers')
        .query({ q: tag, limit: 2, cursor: page1.body.nextCursor })
        .expect(200);
      expect(page2.body.items.map((s: { id: string }) => s.id)).toEqual([c.id]);
      expect(page2.body.nextCursor).toBeNull();

      const byName = await t.api().get('/v1/subscribers').query({ q: 'marit jan' }).expect(200);
      expect(byName.body.items.map((s: { id: string }) => s.id)).toEqual([a.id]);
      // LIKE's wildcards are searched for as text.
      const wild = await t.api().get('/v1/subscribers').query({ q: '%_' }).expect(200);
      expect(wild.body.items).toEqual([]);
    });

    it('refuses a search text shorter than 2 characters, naming q', async () => {
      const res = await t.api().get('/v1/subscribers').query({ q: 'a' }).expect(400);
      expect(JSON.stringify(res.body)).toContain('q must be 2 to 200 characters');
    });

    it('is served by indexes', async () => {
      const plan = await t.dataSource.transaction(async (m) => {
        await m.query('SET LOCAL enable_seqscan = off');
        return m.query<Array<{ 'QUERY PLAN': string }>>(
          `EXPLAIN SELECT id FROM subscribers WHERE email LIKE 'marit%'
              OR to_tsvector('simple', coalesce(name, '')) @@ to_tsquery('simple', 'marit:*')`,
        );
      });
      const text = plan.map((r) => r['QUERY PLAN']).join('\n');
      expect(text).toContain('subscribers_email_prefix');
      expect(text).toContain('subscribers_name_words');
    });
  });

  describe('support actions', () => {
    it('resends the confirmation email only to a pending subscriber, as the signed-in user', async () => {
      const support = await session('support');
      const email = uniqueEmail('pending');
      await t
        .http()
        .post('/subscribe')
        .send({ email, locale: 'en', topics: [topic.key] })
        .expect(202);
      await smtp.waitFor((m) => m.to.includes(email));
      const { body: s } = await t.api().get(`/v1/subscribers/${encodeURIComponent(email)}`);
      expect(s.status).toBe('pending');

      const res = await support.agent
        .post(`/v1/subscribers/${s.id}/resend-confirmation`)
        .set('X-CSRF-Token', support.csrf)
        .expect(202);
      expect(res.body.messageId).toEqual(expect.any(String));
      await eventually(async () => smtp.messages.filter((m) => m.to.includes(email)).length === 2);
      const again = smtp.messages.filter((m) => m.to.includes(email))[1];
      expect(again.parsed.text).toContain('/confirm/');
      // A second click within the minute queues nothing more.
      const repeat = await support.agent
        .post(`/v1/subscribers/${s.id}/resend-confirmation`)
        .set('X-CSRF-Token', support.csrf)
        .expect(202);
      expect(repeat.body.messageId).toBeNull();
      expect(await activity('subscriber.confirmation_resent')).toEqual(
        expect.arrayContaining([{ actor_type: 'user', actor_id: support.userId, target_id: s.id }]),
      );

      const active = await subscriber();
      const refused = await support.agent
        .post(`/v1/subscribers/${active.id}/resend-confirmation`)
        .set('X-CSRF-Token', support.csrf)
        .expect(409);
      expect(refused.body.code).toBe('not_pending');
    });

    it('emails a preference link that says support sent it', async () => {
      const support = await session('support');
      const s = await subscriber();
      const res = await support.agent
        .post(`/v1/subscribers/${s.id}/preference-link`)
        .set('X-CSRF-Token', support.csrf)
        .expect(202);
      expect(res.body.messageId).toEqual(expect.any(String));
      const mail = await smtp.waitFor((m) => m.to.includes(s.email));
      expect(mail.parsed.text).toContain('our support team sent it at your request');
      expect(mail.parsed.text).toMatch(/\/p\/[\w-]+/);
      expect(await activity('subscriber.preference_link_sent')).toEqual(
        expect.arrayContaining([{ actor_type: 'user', actor_id: support.userId, target_id: s.id }]),
      );
    });

    it('pauses until a day in the subscriber’s zone, records consent, and resumes', async () => {
      const support = await session('support');
      const s = await subscriber({ timezone: 'Europe/Amsterdam' });
      const day = new Date(Date.now() + 40 * 86400_000).toISOString().slice(0, 10);
      const res = await support.agent
        .post(`/v1/subscribers/${s.id}/pause`)
        .set('X-CSRF-Token', support.csrf)
        .send({ until: day })
        .expect(200);
      const until = new Date(res.body.pausedUntil);
      // Midnight in Amsterdam is 22:00 or 23:00 UTC the day before.
      expect(until.toISOString()).toMatch(/T2[23]:00:00\.000Z$/);
      const [{ paused_until }] = await t.dataSource.query<Array<{ paused_until: Date }>>(
        'SELECT paused_until FROM subscribers WHERE id = $1',
        [s.id],
      );
      expect(paused_until.getTime()).toBe(until.getTime());
      const consent = await t.api().get(`/v1/subscribers/${s.id}/consent`).expect(200);
      expect(consent.body.find((e: { action: string }) => e.action === 'pause')).toMatchObject({
        action: 'pause',
        source: 'api',
        wording: `Paused all email until ${day} through the API.`,
      });

      for (const bad of ['2020-01-01', '2999-01-01', '2027-02-30', 'soon']) {
        const r = await support.agent
          .post(`/v1/subscribers/${s.id}/pause`)
          .set('X-CSRF-Token', support.csrf)
          .send({ until: bad })
          .expect(400);
        expect(JSON.stringify(r.body)).toContain('until');
      }

      const resumed = await support.agent
        .delete(`/v1/subscribers/${s.id}/pause`)
        .set('X-CSRF-Token', support.csrf)
        .expect(200);
      expect(resumed.body.pausedUntil).toBeNull();
      expect(await activity('subscriber.paused')).toEqual(
        expect.arrayContaining([{ actor_type: 'user', actor_id: support.userId, target_id: s.id }]),
      );
      expect(await activity('subscriber.resumed')).toHaveLength(1);
    });

    it('unsubscribes from one topic or from everything', async () => {
      const support = await session('support');
      const s = await subscriber();
      const one = await support.agent
        .delete(`/v1/subscribers/${s.id}/subscriptions/${topic.key}`)
        .set('X-CSRF-Token', support.csrf)
        .expect(200);
      expect(one.body.subscription.status).toBe('unsubscribed');
      const all = await support.agent
        .post(`/v1/subscribers/${s.id}/unsubscribe-all`)
        .set('X-CSRF-Token', support.csrf)
        .expect(200);
      expect(all.body).toEqual({ changed: true });
      const again = await support.agent
        .post(`/v1/subscribers/${s.id}/unsubscribe-all`)
        .set('X-CSRF-Token', support.csrf)
        .expect(200);
      expect(again.body).toEqual({ changed: false });
      expect((await t.api().get(`/v1/subscribers/${s.id}`)).body.status).toBe('unsubscribed');
      const logged = await t.dataSource.query<Array<{ details: Record<string, unknown> }>>(
        `SELECT details FROM activity_log WHERE action = 'subscriber.unsubscribed' AND target_id = $1 ORDER BY id`,
        [s.id],
      );
      expect(logged.map((l) => l.details)).toEqual([
        { topic: topic.key, changed: true },
        { topic: null, changed: true },
        { topic: null, changed: false },
      ]);
    });

    it('exports the subscriber’s data as the preference center does', async () => {
      const support = await session('support');
      const s = await subscriber({ attributes: { plan: 'gold' } });
      const res = await support.agent.get(`/v1/subscribers/${s.id}/export`).expect(200);
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="subscriber-/);
      expect(res.body.profile.email).toBe(s.email);
      expect(res.body.attributes).toEqual({ plan: 'gold' });
      expect(res.body.subscriptions[0].topic).toBe(topic.key);
      expect(Object.keys(res.body)).toEqual(
        expect.arrayContaining(['consentHistory', 'dataPurposes', 'messages']),
      );
      expect(await activity('subscriber.exported')).toEqual(
        expect.arrayContaining([{ actor_type: 'user', actor_id: support.userId, target_id: s.id }]),
      );
    });

    it('refuses every action without subscribers:write (an analyst, a read-only key), and unknown subscribers', async () => {
      const analyst = await session('analyst');
      const readKey = await t.keyWith('subscribers:read');
      const s = await subscriber();
      const calls: Array<[string, string, object?]> = [
        ['post', `/v1/subscribers/${s.id}/resend-confirmation`],
        ['post', `/v1/subscribers/${s.id}/preference-link`],
        ['post', `/v1/subscribers/${s.id}/pause`, { until: '2099-01-01' }],
        ['delete', `/v1/subscribers/${s.id}/pause`],
        ['post', `/v1/subscribers/${s.id}/unsubscribe-all`],
        ['get', `/v1/subscribers/${s.id}/export`],
        ['delete', `/v1/subscribers/${s.id}`],
      ];
      for (const [method, path, body] of calls) {
        const a = analyst.agent as unknown as Record<string, (p: string) => request.Test>;
        const r1 = await a[method](path).set('X-CSRF-Token', analyst.csrf).send(body);
        expect([path, r1.status, r1.body.code]).toEqual([path, 403, 'missing_scope']);
        const h = t.http() as unknown as Record<string, (p: string) => request.Test>;
        const r2 = await h[method](path).set('Authorization', `Bearer ${readKey}`).send(body);
        expect([path, r2.status]).toEqual([path, 403]);
      }
      const missing = '00000000-0000-4000-8000-000000000000';
      await t.api().post(`/v1/subscribers/${missing}/preference-link`).expect(404);
      await t.api().get(`/v1/subscribers/${missing}/export`).expect(404);
      // Nothing the analyst tried was done.
      expect((await t.api().get(`/v1/subscribers/${s.id}`)).body.status).toBe('active');
    });

    it('refuses a support session’s campaign launch', async () => {
      const support = await session('support');
      const res = await support.agent
        .post('/v1/campaigns')
        .set('X-CSRF-Token', support.csrf)
        .send({})
        .expect(403);
      expect(res.body.code).toBe('missing_scope');
    });
  });

  describe('import jobs (POST /v1/subscribers/imports)', () => {
    const start = (body: string, key = t.adminKey, query: Record<string, string> = {}) =>
      t
        .http()
        .post('/v1/subscribers/imports')
        .query(query)
        .set('Authorization', `Bearer ${key}`)
        .set('Content-Type', 'text/csv')
        .send(body);

    const finished = (id: string) =>
      eventually(async () => {
        const job = (await t.api().get(`/v1/subscribers/imports/${id}`).expect(200)).body as Record<
          string,
          unknown
        >;
        return job.status !== 'running' && job;
      }, 60_000);

    it('answers 202 with the row count, runs, and reports the refused rows as CSV', async () => {
      const good = Array.from(
        { length: 1200 },
        (_, i) => `job${i}.${Date.now()}@example.test,Row ${i}`,
      );
      const bad = uniqueEmail('badzone');
      const csv = [
        'email,name,timezone',
        ...good.slice(0, 3).map((g) => `${g},Europe/Amsterdam`),
        `${bad},Bad,Mars/Olympus`,
        'not-an-address,Nobody,',
        ...good.slice(3).map((g) => `${g},`),
      ].join('\n');
      const res = await start(csv, t.adminKey, { topics: topic.key }).expect(202);
      expect(res.body).toMatchObject({ status: 'running', total: 1202, format: 'csv' });

      const job = await finished(res.body.id);
      expect(job).toMatchObject({
        status: 'finished',
        total: 1202,
        processed: 1202,
        created: 1200,
        refused: 2,
        refusedTruncated: false,
        error: null,
      });
      // A refused row writes nothing.
      const [{ n }] = await t.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM subscribers WHERE email = $1`,
        [bad],
      );
      expect(n).toBe(0);

      const report = await t
        .api()
        .get(`/v1/subscribers/imports/${res.body.id}/refused`)
        .expect(200);
      expect(report.headers['content-type']).toMatch(/^text\/csv/);
      expect(report.headers['content-disposition']).toContain('attachment');
      expect(report.text.split('\r\n')).toEqual([
        'line,email,reason',
        `5,${bad},timezone: timezone must be an IANA time zone such as Europe/Amsterdam`,
        expect.stringMatching(/^6,not-an-address,email: /),
        '',
      ]);

      const logged = await t.dataSource.query<Array<{ target_id: string; details: object }>>(
        `SELECT target_id, details FROM activity_log WHERE action = 'subscriber.import_started'`,
      );
      expect(logged).toEqual([
        { target_id: res.body.id, details: { total: 1202, format: 'csv', dryRun: false } },
      ]);
    });

    it('reports a job whose process stopped as interrupted, not running for ever', async () => {
      // A job of a process that died: running, 400 of 1000 rows read, no heartbeat for 2 minutes
      // (a live job touches its row every IMPORT_JOB_HEARTBEAT_MS).
      const [{ id }] = await t.dataSource.query<Array<{ id: string }>>(
        `INSERT INTO subscriber_imports (format, total, processed, created, started_by, updated_at)
         VALUES ('csv', 1000, 400, 400, 'test', now() - interval '2 minutes') RETURNING id`,
      );
      const job = (await t.api().get(`/v1/subscribers/imports/${id}`).expect(200)).body;
      expect(job).toMatchObject({ status: 'interrupted', processed: 400, total: 1000 });
      expect(job.error).toContain('Send the file again');
      // Touched recently, the same row is a running job.
      await t.dataSource.query(`UPDATE subscriber_imports SET updated_at = now() WHERE id = $1`, [
        id,
      ]);
      const live = (await t.api().get(`/v1/subscribers/imports/${id}`).expect(200)).body;
      expect(live).toMatchObject({ status: 'running', error: null });
    });

    it('refuses a wrong header before it starts, and without subscribers:write', async () => {
      const res = await start('email,colour\na@example.test,red\n').expect(400);
      expect(res.body.field).toBe('colour');
      const readKey = await t.keyWith('subscribers:read');
      await start('email\na@example.test\n', readKey).expect(403);
      await t
        .http()
        .get('/v1/subscribers/imports/00000000-0000-4000-8000-000000000000')
        .set('Authorization', `Bearer ${readKey}`)
        .expect(403);
      await t.api().get('/v1/subscribers/imports/00000000-0000-4000-8000-000000000000').expect(404);
      await t.api().get('/v1/subscribers/imports/nope/refused').expect(404);
    });
  });
});
