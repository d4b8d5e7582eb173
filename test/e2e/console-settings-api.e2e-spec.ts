import request from 'supertest';
import { uniqueEmail } from '../factories';
import { StartupNotices } from '../../src/platform/startup-notices';
import { SmtpSink } from '../support/smtp-sink';
import { checkedByContract, createTestApp, TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';
const BOUNCE_SECRET = 'bounce-secret-for-settings-tests';
const COMPLAINT_SECRET = 'complaint-secret-for-settings-tests';

interface Browser {
  agent: ReturnType<typeof request.agent>;
  csrf: string;
  cookie: string;
  userId: string;
}

/**
 * The API the console's deliverability and settings pages use: a user's own language and
 * password, the suppression list, bounces and complaints, and the queue board for owners and
 * admins only (docs/accounts.md, docs/operations.md).
 */
describe('Console settings API: my account, suppressions, delivery signals, queue board', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let owner: Browser;
  const members: Record<string, Browser & { email: string }> = {};

  const agent = () => checkedByContract(request.agent(t.app.getHttpServer()), t.contract);

  async function signIn(email: string, password = PASSWORD): Promise<Browser> {
    const a = agent();
    const res = await a.post('/v1/auth/sign-in').send({ email, password }).expect(200);
    const cookie = `tidings_session=${/tidings_session=([\w-]+)/.exec(String(res.headers['set-cookie']))![1]}`;
    a.set('Cookie', cookie);
    return { agent: a, csrf: res.body.csrfToken, cookie, userId: res.body.user.id };
  }

  async function member(role: string): Promise<Browser & { email: string }> {
    const email = uniqueEmail(role);
    await owner.agent
      .post('/v1/users')
      .set('X-CSRF-Token', owner.csrf)
      .send({ email, name: `A ${role}`, role })
      .expect(201);
    const mail = await smtp.waitFor((m) => m.to.includes(email));
    const token = /\/console\/accept-invite#token=([\w-]+)/.exec(mail.parsed.text ?? '')![1];
    await t.http().post('/v1/auth/accept-invite').send({ token, password: PASSWORD }).expect(200);
    return { ...(await signIn(email)), email };
  }

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        RATE_LIMIT_SIGN_IN_PER_MINUTE: '1000',
        BOUNCE_WEBHOOK_SECRET: BOUNCE_SECRET,
        COMPLAINT_WEBHOOK_SECRET: COMPLAINT_SECRET,
      },
      workers: false,
    });
    const link = t.app
      .get(StartupNotices)
      .take()
      .flatMap((n) => n.lines)
      .find((l) => l.includes('/console/setup#token='))!
      .trim();
    await t
      .http()
      .post('/v1/auth/owner')
      .send({
        token: new URL(link).hash.replace('#token=', ''),
        email: 'owner@settings.test',
        name: 'Olive Owner',
        password: PASSWORD,
      })
      .expect(201);
    owner = await signIn('owner@settings.test');
    for (const role of ['admin', 'marketer', 'analyst', 'support'])
      members[role] = await member(role);
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
  });

  describe('PATCH /v1/auth/me', () => {
    it('lets any signed-in user change their own language and name, and nobody else’s', async () => {
      const analyst = members.analyst;
      const res = await analyst.agent
        .patch('/v1/auth/me')
        .set('X-CSRF-Token', analyst.csrf)
        .send({ locale: 'nl', name: 'Anna Analist' })
        .expect(200);
      expect(res.body.user).toMatchObject({
        id: analyst.userId,
        locale: 'nl',
        name: 'Anna Analist',
      });
      expect(res.body.csrfToken).toBe(analyst.csrf);
      const me = await analyst.agent.get('/v1/auth/me').expect(200);
      expect(me.body.user.locale).toBe('nl');
      // The analyst still cannot change another user (PATCH /v1/users needs admin).
      await analyst.agent
        .patch(`/v1/users/${members.support.userId}`)
        .set('X-CSRF-Token', analyst.csrf)
        .send({ locale: 'nl' })
        .expect(403);
    });

    it('refuses a bad language (400 naming the field), no CSRF token (403) and an API key (403)', async () => {
      const m = members.marketer;
      const bad = await m.agent
        .patch('/v1/auth/me')
        .set('X-CSRF-Token', m.csrf)
        .send({ locale: 'de' })
        .expect(400);
      expect(JSON.stringify(bad.body)).toContain('locale');
      const noCsrf = await m.agent.patch('/v1/auth/me').send({ locale: 'nl' }).expect(403);
      expect(noCsrf.body.code).toBe('csrf');
      const key = await t.api().patch('/v1/auth/me').send({ locale: 'nl' }).expect(403);
      expect(key.body.code).toBe('session_required');
      await t.http().patch('/v1/auth/me').send({ locale: 'nl' }).expect(401);
    });
  });

  describe('POST /v1/auth/me/password', () => {
    it('needs the current password; the new one works, other sessions end and this one stays', async () => {
      const { email } = await member('support');
      const first = await signIn(email);
      const other = await signIn(email);
      const wrong = await first.agent
        .post('/v1/auth/me/password')
        .set('X-CSRF-Token', first.csrf)
        .send({ currentPassword: 'not my password', password: 'a brand new password' })
        .expect(400);
      expect(wrong.body).toMatchObject({ field: 'currentPassword', code: 'wrong_password' });
      const short = await first.agent
        .post('/v1/auth/me/password')
        .set('X-CSRF-Token', first.csrf)
        .send({ currentPassword: PASSWORD, password: 'short' })
        .expect(400);
      expect(JSON.stringify(short.body)).toContain('password');
      await first.agent
        .post('/v1/auth/me/password')
        .set('X-CSRF-Token', first.csrf)
        .send({ currentPassword: PASSWORD, password: 'a brand new password' })
        .expect(204);
      await first.agent.get('/v1/auth/me').expect(200);
      await other.agent.get('/v1/auth/me').expect(401);
      await t.http().post('/v1/auth/sign-in').send({ email, password: PASSWORD }).expect(401);
      await signIn(email, 'a brand new password');
      const logged = await t.dataSource.query(
        `SELECT actor_name, target_id FROM activity_log WHERE action = 'user.password_changed'`,
      );
      expect(logged).toEqual([{ actor_name: email, target_id: first.userId }]);
      await t
        .api()
        .post('/v1/auth/me/password')
        .send({ currentPassword: PASSWORD, password: 'a brand new password' })
        .expect(403);
    });
  });

  describe('GET /v1/suppressions', () => {
    const bounced = uniqueEmail('bounced');
    const complained = uniqueEmail('complained');

    beforeAll(async () => {
      // A complaint acts on a subscriber (a bounce on any address).
      await t.api().post('/v1/subscribers').send({ email: complained }).expect(201);
      await t
        .http()
        .post('/v1/webhooks/bounces')
        .set('Authorization', `Bearer ${BOUNCE_SECRET}`)
        .send({ recipient: bounced, type: 'hard', status: '5.1.1', diagnostic: 'no such user' })
        .expect(200);
      await t
        .http()
        .post('/v1/webhooks/complaints')
        .set('Authorization', `Bearer ${COMPLAINT_SECRET}`)
        .send({ recipient: complained })
        .expect(200);
    });

    it('looks an address up: its reason and since when; an unknown address has none', async () => {
      const found = await t
        .api()
        .get('/v1/suppressions')
        .query({ email: ` ${bounced.toUpperCase()} ` })
        .expect(200);
      expect(found.body.items).toHaveLength(1);
      expect(found.body.items[0]).toMatchObject({ reason: 'hard_bounce' });
      expect(found.body.items[0].details).toMatchObject({ status: '5.1.1' });
      expect(Date.parse(found.body.items[0].createdAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(JSON.stringify(found.body)).not.toContain(bounced);
      const none = await t
        .api()
        .get('/v1/suppressions')
        .query({ email: uniqueEmail() })
        .expect(200);
      expect(none.body).toEqual({ items: [], nextCursor: null });
    });

    it('lists the newest first, a page at a time', async () => {
      const first = await t.api().get('/v1/suppressions').query({ limit: 1 }).expect(200);
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await t
        .api()
        .get('/v1/suppressions')
        .query({ limit: 1, cursor: first.body.nextCursor })
        .expect(200);
      expect(second.body.items).toHaveLength(1);
      expect(second.body.items[0].addressHash).not.toBe(first.body.items[0].addressHash);
      expect(Date.parse(second.body.items[0].createdAt)).toBeLessThanOrEqual(
        Date.parse(first.body.items[0].createdAt),
      );
      const reasons = [first.body.items[0].reason, second.body.items[0].reason].sort();
      expect(reasons).toEqual(['complaint', 'hard_bounce']);
    });

    it('needs subscribers:read; a bad address or cursor is 400 naming the field', async () => {
      for (const role of ['marketer', 'analyst', 'support']) {
        await members[role].agent.get('/v1/suppressions').expect(200);
      }
      const key = await t.keyWith('topics:read');
      await t.http().get('/v1/suppressions').set('Authorization', `Bearer ${key}`).expect(403);
      const bad = await t.api().get('/v1/suppressions').query({ email: 'nope' }).expect(400);
      expect(JSON.stringify(bad.body)).toContain('email');
      const cursor = await t.api().get('/v1/suppressions').query({ cursor: 'x' }).expect(400);
      expect(cursor.body.field).toBe('cursor');
      // A well-formed cursor with a time PostgreSQL would not read is refused too, not a 500.
      const odd = Buffer.from(JSON.stringify(['1', 'abc'])).toString('base64url');
      await t.api().get('/v1/suppressions').query({ cursor: odd }).expect(400);
      await t
        .api()
        .get('/v1/delivery-signals')
        .query({ cursor: Buffer.from(JSON.stringify(['1', '5'])).toString('base64url') })
        .expect(400);
    });
  });

  describe('GET /v1/delivery-signals', () => {
    it('counts bounces and complaints per type in the period and lists the newest first', async () => {
      const res = await t.api().get('/v1/delivery-signals').expect(200);
      expect(res.body.counts).toMatchObject({ hard_bounce: 1, complaint: 1, soft_bounce: 0 });
      expect(res.body.items.map((i: { type: string }) => i.type)).toEqual([
        'complaint',
        'hard_bounce',
      ]);
      expect(res.body.items[1]).toMatchObject({
        outcome: 'suppressed',
        statusCode: '5.1.1',
        matchedBy: 'none',
      });
      const hard = await t
        .api()
        .get('/v1/delivery-signals')
        .query({ type: 'hard_bounce', limit: 1 })
        .expect(200);
      expect(hard.body.items.map((i: { type: string }) => i.type)).toEqual(['hard_bounce']);
      expect(hard.body.nextCursor).toBeNull();
      // The counts stay those of every type.
      expect(hard.body.counts.complaint).toBe(1);
      const paged = await t.api().get('/v1/delivery-signals').query({ limit: 1 }).expect(200);
      const next = await t
        .api()
        .get('/v1/delivery-signals')
        .query({ limit: 1, cursor: paged.body.nextCursor })
        .expect(200);
      expect(next.body.items[0].type).toBe('hard_bounce');
      const past = await t
        .api()
        .get('/v1/delivery-signals')
        .query({ from: '2020-01-01T00:00:00Z', to: '2020-02-01T00:00:00Z' })
        .expect(200);
      expect(past.body.items).toEqual([]);
      expect(past.body.counts.hard_bounce).toBe(0);
    });

    it('needs reports:read; bad filters are 400 naming the field', async () => {
      await members.analyst.agent.get('/v1/delivery-signals').expect(200);
      await members.support.agent.get('/v1/delivery-signals').expect(403);
      const bad = await t.api().get('/v1/delivery-signals').query({ type: 'nope' }).expect(400);
      expect(JSON.stringify(bad.body)).toContain('type');
      const order = await t
        .api()
        .get('/v1/delivery-signals')
        .query({ from: '2030-01-01T00:00:00Z', to: '2020-01-01T00:00:00Z' })
        .expect(400);
      expect(order.body.field).toBe('from');
    });
  });

  describe('what an analyst may not do', () => {
    it('refuses a signed-in analyst’s POST of API keys, users and webhook endpoints (403)', async () => {
      const a = members.analyst;
      const key = await a.agent
        .post('/v1/api-keys')
        .set('X-CSRF-Token', a.csrf)
        .send({ name: 'nope', scopes: ['topics:read'] })
        .expect(403);
      expect(key.body.code).toBe('missing_scope');
      await a.agent
        .post('/v1/users')
        .set('X-CSRF-Token', a.csrf)
        .send({ email: uniqueEmail(), name: 'X', role: 'support' })
        .expect(403);
      await a.agent
        .post('/v1/webhook-endpoints')
        .set('X-CSRF-Token', a.csrf)
        .send({ url: 'https://example.com/hook' })
        .expect(403);
      const rows = await t.dataSource.query(`SELECT count(*)::int AS n FROM webhook_endpoints`);
      expect(rows[0].n).toBe(0);
    });
  });

  describe('the activity log', () => {
    it('records who adds, changes and deletes a webhook endpoint (never its secret)', async () => {
      const created = await owner.agent
        .post('/v1/webhook-endpoints')
        .set('X-CSRF-Token', owner.csrf)
        .send({ url: 'https://crm.example.com/hook', events: ['subscriber.erased'] })
        .expect(201);
      const id = created.body.id as string;
      await owner.agent
        .patch(`/v1/webhook-endpoints/${id}`)
        .set('X-CSRF-Token', owner.csrf)
        .send({ enabled: false })
        .expect(200);
      await t.api().delete(`/v1/webhook-endpoints/${id}`).expect(200);
      const log = await t
        .api()
        .get('/v1/activity')
        .query({ action: 'webhook_endpoint.created' })
        .expect(200);
      expect(log.body.items[0]).toMatchObject({
        actorType: 'user',
        actorName: 'owner@settings.test',
        targetType: 'webhook_endpoint',
        targetId: id,
        details: {
          url: 'https://crm.example.com/hook',
          events: ['subscriber.erased'],
          enabled: true,
        },
      });
      const rows = await t.dataSource.query(
        `SELECT action, actor_type, details::text FROM activity_log WHERE target_id = $1 ORDER BY id`,
        [id],
      );
      expect(rows.map((r: { action: string }) => r.action)).toEqual([
        'webhook_endpoint.created',
        'webhook_endpoint.changed',
        'webhook_endpoint.deleted',
      ]);
      expect(rows[2].actor_type).toBe('api_key');
      expect(JSON.stringify(rows)).not.toContain(created.body.secret);
    });
  });

  describe('the queue board (/admin/queues) with a console session', () => {
    const board = (cookie?: string, path = '/admin/queues/api/queues') => {
      const r = t.http().get(path).set('Accept', 'application/json');
      return cookie ? r.set('Cookie', cookie) : r;
    };

    it('opens for owners and admins', async () => {
      for (const who of [owner, members.admin]) {
        const res = await board(who.cookie).expect(200);
        expect(res.body.queues.length).toBeGreaterThan(0);
        const page = await t
          .http()
          .get('/admin/queues')
          .set('Accept', 'text/html')
          .set('Cookie', who.cookie)
          .expect(200);
        expect(page.text).toContain('Tidings queues');
      }
    });

    it('refuses every other role with 403, also its actions; nobody signed in gets 401', async () => {
      const queue = (await board(owner.cookie).expect(200)).body.queues[0].name as string;
      for (const role of ['marketer', 'analyst', 'support']) {
        const res = await board(members[role].cookie).expect(403);
        expect(res.body.code).toBe('missing_scope');
        await t
          .http()
          .get('/admin/queues')
          .set('Accept', 'text/html')
          .set('Cookie', members[role].cookie)
          .expect(403);
        await t
          .http()
          .put(`/admin/queues/api/queues/${encodeURIComponent(queue)}/pause`)
          .set('Cookie', members[role].cookie)
          .expect(403);
        await t
          .http()
          .put(`/admin/queues/api/queues/${encodeURIComponent(queue)}/clean/completed`)
          .set('Cookie', members[role].cookie)
          .expect(403);
      }
      await board().expect(401);
      await board('tidings_session=not-a-session').expect(401);
    });

    it('lets an owner act (pause and resume a queue), refuses a cross-site request', async () => {
      const queue = (await board(owner.cookie).expect(200)).body.queues[0].name as string;
      const path = `/admin/queues/api/queues/${encodeURIComponent(queue)}`;
      await t
        .http()
        .put(`${path}/pause`)
        .set('Cookie', owner.cookie)
        .set('Sec-Fetch-Site', 'cross-site')
        .expect(403);
      await t.http().put(`${path}/pause`).set('Cookie', owner.cookie).expect(200);
      const paused = (await board(owner.cookie).expect(200)).body.queues.find(
        (q: { name: string }) => q.name === queue,
      );
      expect(paused.isPaused).toBe(true);
      await t.http().put(`${path}/resume`).set('Cookie', owner.cookie).expect(200);
    });

    it('refuses a user whose role changed to marketer at once, and a signed-out session', async () => {
      const admin = await member('admin');
      await board(admin.cookie).expect(200);
      await owner.agent
        .patch(`/v1/users/${admin.userId}`)
        .set('X-CSRF-Token', owner.csrf)
        .send({ role: 'marketer' })
        .expect(200);
      await board(admin.cookie).expect(403);
      await admin.agent.post('/v1/auth/sign-out').set('X-CSRF-Token', admin.csrf).expect(204);
      await board(admin.cookie).expect(401);
    });
  });
});
