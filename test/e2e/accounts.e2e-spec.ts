import request from 'supertest';
import { createSubscriber, subscriberInput, topicInput, unique, uniqueEmail } from '../factories';
import { StartupNotices } from '../../src/platform/startup-notices';
import { SmtpSink } from '../support/smtp-sink';
import { checkedByContract, createTestApp, TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

/** A signed-in browser: its cookie on every request, and the CSRF token to send on unsafe ones. */
interface Browser {
  agent: ReturnType<typeof request.agent>;
  csrf: string;
  userId: string;
}

describe('Console accounts and roles', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let ownerLink: string;
  let owner: Browser;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://tidings.test',
        SIGN_IN_MAX_FAILURES: '3',
        RATE_LIMIT_SIGN_IN_PER_MINUTE: '1000',
      },
    });
    const notice = t.app
      .get(StartupNotices)
      .take()
      .flatMap((n) => n.lines)
      .find((l) => l.includes('/console/setup#token='));
    ownerLink = notice!.trim();
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const agent = () => checkedByContract(request.agent(t.app.getHttpServer()), t.contract);
  /**
   * The cookie is Secure (PUBLIC_URL is https), so supertest's jar would not send it over the
   * test's plain HTTP: the agent sends it as a browser on https would.
   */
  const keepCookie = (a: ReturnType<typeof request.agent>, res: request.Response) => {
    const value = /tidings_session=([\w-]+)/.exec(String(res.headers['set-cookie']))![1];
    a.set('Cookie', `tidings_session=${value}`);
  };
  const tokenOf = (link: string) => new URL(link).hash.replace('#token=', '');

  async function signIn(email: string, password = PASSWORD): Promise<Browser> {
    const a = agent();
    const res = await a.post('/v1/auth/sign-in').send({ email, password }).expect(200);
    keepCookie(a, res);
    return { agent: a, csrf: res.body.csrfToken, userId: res.body.user.id };
  }

  /** Invites someone as the owner, accepts the emailed link and signs them in. */
  async function member(role: string): Promise<Browser & { email: string }> {
    const email = uniqueEmail(role);
    await owner.agent
      .post('/v1/users')
      .set('X-CSRF-Token', owner.csrf)
      .send({ email, name: `A ${role}`, role })
      .expect(201);
    const mail = await smtp.waitFor((m) => m.to.includes(email));
    const link = /https:\/\/tidings\.test\/console\/accept-invite#token=[\w-]+/.exec(
      mail.parsed.text ?? '',
    )![0];
    await t
      .http()
      .post('/v1/auth/accept-invite')
      .send({ token: tokenOf(link), password: PASSWORD })
      .expect(200);
    return { ...(await signIn(email)), email };
  }

  it('creates the owner with the one-time link printed at start, and refuses its second use', async () => {
    expect(ownerLink).toMatch(/^https:\/\/tidings\.test\/console\/setup#token=[\w-]{40,}$/);
    const token = tokenOf(ownerLink);
    const body = { token, email: 'Owner@Acme.test', name: 'Olive Owner', password: PASSWORD };
    const created = await t.http().post('/v1/auth/owner').send(body).expect(201);
    expect(created.body).toMatchObject({
      email: 'owner@acme.test',
      role: 'owner',
      status: 'active',
    });
    const again = await t
      .http()
      .post('/v1/auth/owner')
      .send({ ...body, email: 'second@acme.test' })
      .expect(410);
    expect(again.body.code).toBe('link_refused');
    // Only the hash of the token is kept.
    const stored = await t.dataSource.query(`SELECT token_hash FROM account_tokens`);
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('signs in with an httpOnly, SameSite=Strict, Secure cookie; /v1/auth/me answers', async () => {
    const a = agent();
    const res = await a
      .post('/v1/auth/sign-in')
      .send({ email: 'owner@acme.test', password: PASSWORD })
      .expect(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/tidings_session=[\w-]+/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Secure/);
    keepCookie(a, res);
    const me = await a.get('/v1/auth/me').expect(200);
    expect(me.body.user).toMatchObject({ email: 'owner@acme.test', role: 'owner' });
    expect(me.body.csrfToken).toBe(res.body.csrfToken);
    owner = { agent: a, csrf: res.body.csrfToken, userId: res.body.user.id };
    // The session works on every existing route; without it, 401.
    await a.get('/v1/topics').expect(200);
    await t.http().get('/v1/auth/me').expect(401);
    // An API key is not a session.
    await t.api().get('/v1/auth/me').expect(403);
  });

  it('refuses an unsafe request of a session without the CSRF token (403), not one with an API key', async () => {
    const refused = await owner.agent.post('/v1/topics').send(topicInput()).expect(403);
    expect(refused.body.code).toBe('csrf');
    await owner.agent
      .post('/v1/topics')
      .set('X-CSRF-Token', 'wrong')
      .send(topicInput())
      .expect(403);
    await owner.agent
      .post('/v1/topics')
      .set('X-CSRF-Token', owner.csrf)
      .send(topicInput())
      .expect(201);
    await t.api().post('/v1/topics').send(topicInput()).expect(201);
  });

  it('throttles wrong passwords per account: after 3, even the right one is refused (429)', async () => {
    const victim = await member('marketer');
    for (let i = 0; i < 3; i++) {
      const wrong = await t
        .http()
        .post('/v1/auth/sign-in')
        .send({ email: victim.email, password: 'not the password' })
        .expect(401);
      expect(wrong.body.code).toBe('sign_in_failed');
    }
    const locked = await t
      .http()
      .post('/v1/auth/sign-in')
      .send({ email: victim.email, password: PASSWORD })
      .expect(429);
    expect(locked.body.code).toBe('too_many_attempts');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // Another account is not affected.
    await signIn('owner@acme.test');
  });

  it('lets an analyst read but change nothing', async () => {
    const analyst = await member('analyst');
    const topic = (await t.api().post('/v1/topics').send(topicInput()).expect(201)).body;
    await analyst.agent.get('/v1/topics').expect(200);
    await analyst.agent.get('/v1/campaigns').expect(200);
    const post = await analyst.agent
      .post('/v1/topics')
      .set('X-CSRF-Token', analyst.csrf)
      .send(topicInput())
      .expect(403);
    expect(post.body.code).toBe('missing_scope');
    await analyst.agent
      .patch(`/v1/topics/${topic.key}`)
      .set('X-CSRF-Token', analyst.csrf)
      .send({ name: 'Renamed' })
      .expect(403);
    await analyst.agent
      .post('/v1/campaigns')
      .set('X-CSRF-Token', analyst.csrf)
      .send({ topic: topic.key, template: 'notice', kind: 'editorial', data: {} })
      .expect(403);
    await analyst.agent.get('/v1/users').expect(403);
  });

  it('records a launch and an erasure with the acting user; support may erase but not launch; CSV export', async () => {
    const marketer = await member('marketer');
    const support = await member('support');
    const topic = (await t.api().post('/v1/topics').send(topicInput()).expect(201)).body;
    const item = await marketer.agent
      .post('/v1/content-items')
      .set('X-CSRF-Token', marketer.csrf)
      .send({ topic: topic.key, kind: 'editorial', title: unique('Item'), summary: 'News.' })
      .expect(201);
    const launch = { topic: topic.key, contentItem: item.body.id };
    await support.agent
      .post('/v1/campaigns')
      .set('X-CSRF-Token', support.csrf)
      .send(launch)
      .expect(403);
    const campaign = await marketer.agent
      .post('/v1/campaigns')
      .set('X-CSRF-Token', marketer.csrf)
      .send(launch)
      .expect(201);

    const subscriber = await createSubscriber(t, { topics: [{ topic: topic.key }] });
    await support.agent.get(`/v1/subscribers/${subscriber.id}`).expect(200);
    await support.agent
      .delete(`/v1/subscribers/${subscriber.id}`)
      .set('X-CSRF-Token', support.csrf)
      .expect(204);

    const launched = await owner.agent
      .get('/v1/activity')
      .query({ action: 'campaign.launched' })
      .expect(200);
    expect(launched.body.items).toEqual([
      expect.objectContaining({
        actorType: 'user',
        actorId: marketer.userId,
        actorName: marketer.email,
        targetType: 'campaign',
        targetId: campaign.body.id,
      }),
    ]);
    const erased = await owner.agent
      .get('/v1/activity')
      .query({ actor: support.userId })
      .expect(200);
    expect(erased.body.items).toEqual([
      expect.objectContaining({ action: 'subscriber.erased', targetId: subscriber.id }),
    ]);

    const csv = await owner.agent.get('/v1/activity').query({ format: 'csv' }).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe(
      'id,occurredAt,actorType,actorId,actorName,action,targetType,targetId,details',
    );
    expect(lines.some((l) => l.includes(`campaign.launched,campaign,${campaign.body.id}`))).toBe(
      true,
    );
    expect(lines.some((l) => l.includes(`${support.email},subscriber.erased`))).toBe(true);
    // Not for a marketer.
    await marketer.agent.get('/v1/activity').expect(403);
  });

  it('resets a password by an emailed link, once; the answer does not tell who has an account', async () => {
    const user = await member('support');
    const unknown = await t
      .http()
      .post('/v1/auth/password-reset')
      .send({ email: 'nobody@acme.test' })
      .expect(202);
    const known = await t
      .http()
      .post('/v1/auth/password-reset')
      .send({ email: user.email })
      .expect(202);
    expect(known.body).toEqual(unknown.body);
    expect(smtp.to('nobody@acme.test')).toHaveLength(0);

    const mail = await smtp.waitFor(
      (m) => m.to.includes(user.email) && /reset-password/.test(m.parsed.text ?? ''),
    );
    const link = /https:\/\/tidings\.test\/console\/reset-password#token=[\w-]+/.exec(
      mail.parsed.text ?? '',
    )![0];
    const token = tokenOf(link);
    const next = 'a brand new passphrase';
    await t
      .http()
      .post('/v1/auth/password-reset/confirm')
      .send({ token, password: next })
      .expect(204);
    await t
      .http()
      .post('/v1/auth/password-reset/confirm')
      .send({ token, password: next })
      .expect(410);
    // The old session ended; the old password no longer works; the new one does.
    await user.agent.get('/v1/auth/me').expect(401);
    await t
      .http()
      .post('/v1/auth/sign-in')
      .send({ email: user.email, password: PASSWORD })
      .expect(401);
    await signIn(user.email, next);
  });

  it('invites by email: the invite is single-use; an admin may not make admins; roles change and users are disabled', async () => {
    const admin = await member('admin');
    const email = uniqueEmail('invited');
    const invited = await admin.agent
      .post('/v1/users')
      .set('X-CSRF-Token', admin.csrf)
      .send({ email, name: 'Ivy', role: 'marketer', locale: 'nl' })
      .expect(201);
    expect(invited.body).toMatchObject({ status: 'invited', invitedBy: admin.userId });
    const mail = await smtp.waitFor((m) => m.to.includes(email));
    expect(mail.parsed.subject).toMatch(/uitgenodigd/);
    const token = tokenOf(
      /https:\/\/tidings\.test\/console\/accept-invite#token=[\w-]+/.exec(
        mail.parsed.text ?? '',
      )![0],
    );
    await t.http().post('/v1/auth/sign-in').send({ email, password: PASSWORD }).expect(401);
    await t.http().post('/v1/auth/accept-invite').send({ token, password: PASSWORD }).expect(200);
    await t.http().post('/v1/auth/accept-invite').send({ token, password: PASSWORD }).expect(410);
    const ivy = await signIn(email);

    const refused = await admin.agent
      .post('/v1/users')
      .set('X-CSRF-Token', admin.csrf)
      .send({ email: uniqueEmail('x'), name: 'X', role: 'admin' })
      .expect(403);
    expect(refused.body.code).toBe('role_not_allowed');

    const changed = await admin.agent
      .patch(`/v1/users/${invited.body.id}`)
      .set('X-CSRF-Token', admin.csrf)
      .send({ role: 'analyst' })
      .expect(200);
    expect(changed.body.role).toBe('analyst');
    // The role counts at once, in the same session.
    await ivy.agent.post('/v1/topics').set('X-CSRF-Token', ivy.csrf).send(topicInput()).expect(403);
    await admin.agent
      .patch(`/v1/users/${invited.body.id}`)
      .set('X-CSRF-Token', admin.csrf)
      .send({ disabled: true })
      .expect(200);
    await ivy.agent.get('/v1/topics').expect(401);
    await t.http().post('/v1/auth/sign-in').send({ email, password: PASSWORD }).expect(401);

    // The last owner cannot be demoted.
    const last = await owner.agent
      .patch(`/v1/users/${owner.userId}`)
      .set('X-CSRF-Token', owner.csrf)
      .send({ role: 'admin' })
      .expect(422);
    expect(last.body.code).toBe('last_owner');

    const log = await owner.agent.get('/v1/activity').query({ actor: admin.userId }).expect(200);
    expect(log.body.items.map((e: { action: string }) => e.action)).toEqual([
      'user.disabled',
      'user.role_changed',
      'user.invited',
    ]);
  });

  it("keeps the console user's id (not an API key's) on the consent a session records", async () => {
    const marketer = await member('marketer');
    const topic = (await t.api().post('/v1/topics').send(topicInput()).expect(201)).body;
    const created = await marketer.agent
      .post('/v1/subscribers')
      .set('X-CSRF-Token', marketer.csrf)
      .send(subscriberInput({ topics: [{ topic: topic.key }] }))
      .expect(201);
    const events = await t.dataSource.query<Array<{ details: Record<string, unknown> }>>(
      `SELECT details FROM consent_events WHERE subscriber_id = $1`,
      [created.body.id],
    );
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(e.details).toMatchObject({ userId: marketer.userId });
  });

  it('signs out: the session ends', async () => {
    const b = await signIn('owner@acme.test');
    await b.agent.post('/v1/auth/sign-out').expect(403);
    await b.agent.post('/v1/auth/sign-out').set('X-CSRF-Token', b.csrf).expect(204);
    await b.agent.get('/v1/auth/me').expect(401);
  });
});

describe('Console sign-in per client address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ workers: false, env: { RATE_LIMIT_SIGN_IN_PER_MINUTE: '3' } });
  });
  afterAll(() => t.close());

  it('limits sign-in and password-reset requests per address, whatever the account', async () => {
    for (let i = 0; i < 3; i++) {
      await t
        .http()
        .post('/v1/auth/sign-in')
        .send({ email: uniqueEmail('ip'), password: 'not the password' })
        .expect(401);
    }
    const limited = await t
      .http()
      .post('/v1/auth/sign-in')
      .send({ email: uniqueEmail('ip'), password: 'not the password' })
      .expect(429);
    expect(Number(limited.headers['retry-after-signin'])).toBeGreaterThan(0);
    // The other public routes keep their own limits.
    await t.http().get('/subscribe').expect(200);
  });
});
