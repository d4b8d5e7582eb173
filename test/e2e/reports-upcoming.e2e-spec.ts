import request from 'supertest';
import { hashPassword } from '../../src/surfaces/accounts/passwords';
import { createSubscriber, lifecycleRuleInput, topicInput, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { checkedByContract, createTestApp, TestApp } from '../support/test-app';

const PASSWORD = 'correct horse battery';

/**
 * GET /v1/reports/upcoming on seeded data whose every figure is worked out by hand (comments),
 * the topic list's subscriber counts, GET /v1/locales, and the roles: an analyst's
 * session reads but cannot change a topic, support cannot read reports.
 */
describe('What goes out next (GET /v1/reports/upcoming), topic counts, locales', () => {
  // Monday 1 March 2027, 08:00 UTC: today ends at midnight, the week at 8 March 08:00.
  const clock = new ControllableClock('2027-03-01T08:00:00Z');
  let t: TestApp;
  let digestTopic: { id: string; key: string };
  let noticeTopic: { id: string; key: string };
  let ruleId: string;
  let disabledRuleId: string;
  let campaignId: string;
  const subs: Record<string, string> = {};

  const sql = (text: string, params: unknown[] = []) => t.dataSource.query(text, params);

  async function digestSubscriber(name: string, frequency: string, nextDueAt: string) {
    const s = await createSubscriber(t, {
      email: uniqueEmail(name),
      timezone: 'UTC',
      topics: [{ topic: digestTopic.key, frequency }],
    });
    subs[name] = s.id;
    await sql(
      `UPDATE subscriptions SET next_due_at = $2, created_at = '2027-02-28T00:00:00Z'
        WHERE subscriber_id = $1`,
      [s.id, nextDueAt],
    );
  }

  async function noticeSubscriber(name: string, renewal: string, subscribed = true) {
    const s = await createSubscriber(t, {
      email: uniqueEmail(name),
      timezone: 'UTC',
      dates: { renewal_date: renewal },
      topics: subscribed ? [{ topic: noticeTopic.key }] : [],
    });
    subs[name] = s.id;
    await sql(
      `UPDATE subscriptions SET created_at = '2027-02-28T00:00:00Z' WHERE subscriber_id = $1`,
      [s.id],
    );
  }

  async function ledgerRow(subscriberId: string, status: string, sendAfter: string, key: string) {
    const [row] = await sql(
      `INSERT INTO outbound_messages (dedupe_key, subscriber_id, topic_id, rule_id, template, kind, status, send_after, deadline_at)
       VALUES ($1, $2, $3, $4, 'notice', 'notice', $5, $6, $6::timestamptz + interval '10 days') RETURNING id`,
      [key, subscriberId, noticeTopic.id, ruleId, status, sendAfter],
    );
    return row.id as string;
  }

  beforeAll(async () => {
    t = await createTestApp({
      clock,
      workers: false,
      env: { SCHEDULER_INTERVAL_MS: '3600000', DISPATCH_INTERVAL_MS: '3600000' },
    });
    digestTopic = (
      await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ allowedFrequencies: ['weekly', 'monthly'], defaultFrequency: 'weekly' }))
        .expect(201)
    ).body;
    noticeTopic = (
      await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ kind: 'notice', allowedFrequencies: ['monthly'] }))
        .expect(201)
    ).body;
    // 30 days before renewal_date at 09:00 (subscribers live in UTC).
    ruleId = (
      await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(lifecycleRuleInput(noticeTopic.key))
        .expect(201)
    ).body.id;
    disabledRuleId = (
      await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(lifecycleRuleInput(noticeTopic.key, { enabled: false }))
        .expect(201)
    ).body.id;

    // Digests. Weekly: due today at 09:00, on Thursday, overdue since Saturday, and due today but
    // paused until 10 March (in neither count). Monthly: due today at 12:00, and on 1 April.
    await digestSubscriber('weeklyToday', 'weekly', '2027-03-01T09:00:00Z');
    await digestSubscriber('weeklyThursday', 'weekly', '2027-03-04T09:00:00Z');
    await digestSubscriber('weeklyOverdue', 'weekly', '2027-02-27T09:00:00Z');
    await digestSubscriber('weeklyPaused', 'weekly', '2027-03-01T09:00:00Z');
    await sql(`UPDATE subscribers SET paused_until = '2027-03-10T00:00:00Z' WHERE id = $1`, [
      subs.weeklyPaused,
    ]);
    await digestSubscriber('monthlyToday', 'monthly', '2027-03-01T12:00:00Z');
    await digestSubscriber('monthlyApril', 'monthly', '2027-04-01T09:00:00Z');
    // Silent: joined on 1 January, a monthly period plus a day of grace passed with nothing.
    await sql(
      `UPDATE subscriptions SET created_at = '2027-01-01T00:00:00Z' WHERE subscriber_id = $1`,
      [subs.monthlyApril],
    );

    // Notices. Send day = renewal - 30 days, at 09:00 UTC.
    await noticeSubscriber('noticeToday', '2027-03-31'); // 1 March 09:00: today
    await noticeSubscriber('noticeFriday', '2027-04-04'); // 5 March: this week
    await noticeSubscriber('noticeLater', '2027-04-10'); // 11 March: after the week
    await noticeSubscriber('noticePast', '2027-03-30'); // 28 February: before now
    await noticeSubscriber('noticeNotSubscribed', '2027-03-31', false);
    // Written already and queued for Tuesday: counted once (by the ledger row).
    await noticeSubscriber('noticeQueued', '2027-04-01');
    await ledgerRow(
      subs.noticeQueued,
      'queued',
      '2027-03-02T09:00:00Z',
      `rule:${ruleId}:${subs.noticeQueued}:2027-04-01`,
    );
    // Sent already: not counted again from its date.
    await noticeSubscriber('noticeSent', '2027-04-02');
    await ledgerRow(
      subs.noticeSent,
      'sent',
      '2027-03-03T09:00:00Z',
      `rule:${ruleId}:${subs.noticeSent}:2027-04-02`,
    );

    // Missed deadlines: one detected on 27 February (in the last 7 days), one on 10 February.
    for (const [detected, anchor] of [
      ['2027-02-27T18:00:00Z', '2027-03-10'],
      ['2027-02-10T18:00:00Z', '2027-02-20'],
    ]) {
      const message = await ledgerRow(
        subs.noticeLater,
        'failed',
        '2027-02-01T09:00:00Z',
        `rule:${ruleId}:${subs.noticeLater}:${anchor}`,
      );
      await sql(
        `INSERT INTO lifecycle_missed_promises (rule_id, subscriber_id, message_id, anchor, deadline_at, detected_at, cause)
         VALUES ($1, $2, $3, $4, $5, $5, 'failed')`,
        [ruleId, subs.noticeLater, message, anchor, detected],
      );
    }

    // Campaigns: one on Wednesday to everyone in the digest topic, one after the week, one cancelled.
    const item = await t
      .api()
      .post('/v1/content-items')
      .send({ topic: digestTopic.key, kind: 'editorial', title: 'Spring', summary: 'Spring news.' })
      .expect(201);
    campaignId = (
      await t
        .api()
        .post('/v1/campaigns')
        .send({
          name: 'Spring news',
          topic: digestTopic.key,
          contentItem: item.body.id,
          sendAt: '2027-03-03T10:00:00Z',
        })
        .expect(201)
    ).body.id;
    await t
      .api()
      .post('/v1/campaigns')
      .send({ topic: digestTopic.key, contentItem: item.body.id, sendAt: '2027-03-20T10:00:00Z' })
      .expect(201);
    const cancelled = await t
      .api()
      .post('/v1/campaigns')
      .send({ topic: digestTopic.key, contentItem: item.body.id, sendAt: '2027-03-02T10:00:00Z' })
      .expect(201);
    await t.api().post(`/v1/campaigns/${cancelled.body.id}/cancel`).expect(200);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('counts what goes out next, exactly', async () => {
    const key = await t.keyWith('reports:read');
    const res = await t
      .http()
      .get('/v1/reports/upcoming')
      .set('Authorization', `Bearer ${key}`)
      .expect(200);
    const body = res.body;
    expect(body.window).toEqual({
      asOf: '2027-03-01T08:00:00.000Z',
      todayEnd: '2027-03-02T00:00:00.000Z',
      weekEnd: '2027-03-08T08:00:00.000Z',
    });
    // Six subscribers in the digest topic, every one active (the paused one too).
    expect(body.campaigns).toEqual([
      {
        id: campaignId,
        name: 'Spring news',
        status: 'scheduled',
        kind: 'editorial',
        sendAt: '2027-03-03T10:00:00.000Z',
        topic: { id: digestTopic.id, key: digestTopic.key, name: 'Product news' },
        segmented: false,
        audience: 6,
      },
    ]);
    expect(body.digests).toEqual([
      {
        topic: {
          id: digestTopic.id,
          key: digestTopic.key,
          name: 'Product news',
          kind: 'editorial',
        },
        frequency: 'weekly',
        today: 2,
        week: 3,
      },
      {
        topic: {
          id: digestTopic.id,
          key: digestTopic.key,
          name: 'Product news',
          kind: 'editorial',
        },
        frequency: 'monthly',
        today: 1,
        week: 1,
      },
    ]);
    expect(body.notices).toHaveLength(1);
    expect(body.notices[0]).toMatchObject({
      rule: { id: ruleId, enabled: true, topic: { key: noticeTopic.key } },
      today: 1,
      week: 3,
    });
    expect(body.notices.map((n: { rule: { id: string } }) => n.rule.id)).not.toContain(
      disabledRuleId,
    );
    expect(body.missedDeadlines).toMatchObject({
      days: 7,
      total: 1,
      byRule: [{ rule: { id: ruleId }, missed: 1 }],
    });
    expect(body.silentSubscriptions).toMatchObject({
      count: 1,
      byTopic: [{ topic: { key: digestTopic.key }, subscriptions: 1 }],
      oldest: [
        { subscriberId: subs.monthlyApril, topicKey: digestTopic.key, frequency: 'monthly' },
      ],
    });
  });

  it('moves with the clock: on Thursday the past ones drop out', async () => {
    clock.set('2027-03-04T10:00:00Z');
    try {
      const res = await t.api().get('/v1/reports/upcoming').expect(200);
      // Still scheduled (no worker started it here), so still listed.
      expect(res.body.campaigns.map((c: { id: string }) => c.id)).toEqual([campaignId]);
      // Today: Tuesday's queued notice, overdue but still to go. This week: it, Friday's, and
      // 11 March 09:00 (before the new week's end at 10:00). Monday's date passed.
      expect(res.body.notices[0]).toMatchObject({ today: 1, week: 3 });
    } finally {
      clock.set('2027-03-01T08:00:00Z');
    }
  });

  it('lists topics with their active subscriptions per frequency (counts=true only)', async () => {
    const plain = await t.api().get('/v1/topics').expect(200);
    expect(plain.body[0].subscribers).toBeUndefined();
    const res = await t.api().get('/v1/topics?counts=true').expect(200);
    const digest = res.body.find((x: { key: string }) => x.key === digestTopic.key);
    expect(digest.subscribers).toEqual({
      total: 6,
      byFrequency: { weekly: 4, biweekly: 0, monthly: 2, quarterly: 0 },
    });
    const notice = res.body.find((x: { key: string }) => x.key === noticeTopic.key);
    expect(notice.subscribers.total).toBe(6);
    await t.api().get('/v1/topics?counts=maybe').expect(400);
  });

  it('says which locales are configured', async () => {
    // Any key, whatever its scopes: every form that asks a text per locale needs them.
    const key = await t.keyWith('reports:read');
    const res = await t.http().get('/v1/locales').set('Authorization', `Bearer ${key}`).expect(200);
    expect(res.body).toEqual({ locales: ['nl', 'en'], default: 'nl' });
    await t.http().get('/v1/locales').expect(401);
  });

  describe('roles, with real sessions', () => {
    async function session(role: string) {
      const email = uniqueEmail(role);
      await sql(
        `INSERT INTO users (email, name, role, password_hash, locale) VALUES ($1, $2, $3, $4, 'en')`,
        [email, role, role, await hashPassword(PASSWORD)],
      );
      const agent = checkedByContract(request.agent(t.app.getHttpServer()), t.contract);
      const res = await agent
        .post('/v1/auth/sign-in')
        .send({ email, password: PASSWORD })
        .expect(200);
      const cookie = /tidings_session=([\w-]+)/.exec(String(res.headers['set-cookie']))![1];
      agent.set('Cookie', `tidings_session=${cookie}`);
      return { agent, csrf: res.body.csrfToken as string };
    }

    it('an analyst reads the report and topics but cannot change a topic', async () => {
      const analyst = await session('analyst');
      await analyst.agent.get('/v1/reports/upcoming').expect(200);
      await analyst.agent.get('/v1/locales').expect(200);
      const refused = await analyst.agent
        .patch(`/v1/topics/${digestTopic.key}`)
        .set('X-CSRF-Token', analyst.csrf)
        .send({ allowedFrequencies: ['weekly', 'monthly', 'quarterly'] })
        .expect(403);
      expect(refused.body.code).toBe('missing_scope');
      await analyst.agent
        .post('/v1/topics')
        .set('X-CSRF-Token', analyst.csrf)
        .send(topicInput())
        .expect(403);
      await analyst.agent
        .delete(`/v1/topics/${digestTopic.key}`)
        .set('X-CSRF-Token', analyst.csrf)
        .expect(403);
      const [row] = await sql(`SELECT allowed_frequencies FROM topics WHERE id = $1`, [
        digestTopic.id,
      ]);
      expect(row.allowed_frequencies).toEqual(['weekly', 'monthly']);
    });

    it('support cannot read the report; a marketer changes a topic and the log says so', async () => {
      const support = await session('support');
      await support.agent.get('/v1/reports/upcoming').expect(403);
      await support.agent.get('/v1/topics?counts=true').expect(200);
      const marketer = await session('marketer');
      const changed = await marketer.agent
        .patch(`/v1/topics/${digestTopic.key}`)
        .set('X-CSRF-Token', marketer.csrf)
        .send({ allowedFrequencies: ['weekly', 'monthly', 'quarterly'] })
        .expect(200);
      expect(changed.body.allowedFrequencies).toEqual(['weekly', 'monthly', 'quarterly']);
      const log = await t.api().get('/v1/activity').query({ action: 'topic.changed' }).expect(200);
      expect(log.body.items[0]).toMatchObject({
        actorType: 'user',
        action: 'topic.changed',
        targetType: 'topic',
        targetId: digestTopic.id,
        details: { key: digestTopic.key },
      });
    });
  });
});
