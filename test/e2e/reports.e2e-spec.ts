import { randomUUID } from 'node:crypto';
import { uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * A small programme seeded straight into PostgreSQL with exact timestamps, and the figures the
 * reports must give for it, worked out by hand (see the comments next to each row).
 */
describe('Reports: per topic, per template and the programme summary (seeded scenario)', () => {
  const clock = new ControllableClock('2026-04-02T12:00:00Z');
  let t: TestApp;
  let readKey: string;
  const topic: Record<'news' | 'renewals' | 'offers', string> = {
    news: '',
    renewals: '',
    offers: '',
  };
  const sub: Record<string, string> = {};

  const q = (sql: string, params: unknown[] = []) => t.dataSource.query(sql, params);

  async function addTopic(key: string, kind: string): Promise<string> {
    const [row] = await q(
      `INSERT INTO topics (key, name, kind, allowed_frequencies, default_frequency)
       VALUES ($1, $2, $3, ARRAY['weekly','monthly','quarterly'], 'monthly') RETURNING id`,
      [key, key.slice(2), kind],
    );
    return row.id;
  }

  async function addSubscriber(
    name: string,
    extra: { status?: string; confirmedAt?: string; pausedUntil?: string } = {},
  ) {
    const [row] = await q(
      `INSERT INTO subscribers (email, name, status, confirmed_at, paused_until, created_at)
       VALUES ($1, $2, $3, $4, $5, '2026-01-01T00:00:00Z') RETURNING id`,
      [
        uniqueEmail(name),
        name,
        extra.status ?? 'active',
        extra.confirmedAt ?? null,
        extra.pausedUntil ?? null,
      ],
    );
    sub[name] = row.id;
  }

  async function subscribe(
    name: string,
    topicId: string,
    frequency: string,
    o: { status?: string; lastDeliveredAt?: string; createdAt?: string } = {},
  ) {
    await q(
      `INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency, last_delivered_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        sub[name],
        topicId,
        o.status ?? 'active',
        frequency,
        o.lastDeliveredAt ?? null,
        o.createdAt ?? '2026-01-01T00:00:00Z',
      ],
    );
  }

  /** A ledger row; `at` is sent_at for sent rows, the decision time (updated_at) otherwise. */
  async function message(
    name: string,
    topicId: string | null,
    template: string,
    kind: string,
    at: string,
    status = 'sent',
    skipReason: string | null = null,
  ): Promise<string> {
    const id = randomUUID();
    await q(
      `INSERT INTO outbound_messages (id, dedupe_key, subscriber_id, topic_id, template, kind, status,
                                      skip_reason, send_after, sent_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $9)`,
      [
        id,
        `seed:${id}`,
        sub[name],
        topicId,
        template,
        kind,
        status,
        skipReason,
        at,
        status === 'sent' ? at : null,
      ],
    );
    return id;
  }

  async function vote(messageId: string, helpful: boolean) {
    await q(
      `INSERT INTO feedback_votes (message_id, subscriber_id, topic_id, template, helpful, created_at, updated_at)
       SELECT id, subscriber_id, topic_id, template, $2, sent_at, sent_at FROM outbound_messages WHERE id = $1`,
      [messageId, helpful],
    );
  }

  async function signal(type: string, messageId: string, name: string, at: string) {
    const [report] = await q(
      `INSERT INTO webhook_reports (endpoint, report_key, format, received_at)
       VALUES ($1, $2, 'json', $3) RETURNING id`,
      [type === 'complaint' ? 'complaints' : 'bounces', `seed:${randomUUID()}`, at],
    );
    await q(
      `INSERT INTO delivery_signals (report_id, type, outcome, matched_by, message_id, subscriber_id, occurred_at)
       VALUES ($1, $2, 'recorded', 'message', $3, $4, $5)`,
      [report.id, type, messageId, sub[name], at],
    );
  }

  async function optOut(
    name: string,
    topicId: string | null,
    at: string,
    source = 'preference_center',
  ) {
    await q(
      `INSERT INTO consent_events (subscriber_id, action, topic_id, wording, wording_version, source, occurred_at)
       VALUES ($1, 'opt_out', $2, 'Unsubscribed', 'test', $3, $4)`,
      [sub[name], topicId, source, at],
    );
  }

  beforeAll(async () => {
    t = await createTestApp({ clock, workers: false });
    readKey = await t.keyWith('reports:read');
    topic.news = await addTopic('r-news', 'editorial');
    topic.renewals = await addTopic('r-renewals', 'notice');
    topic.offers = await addTopic('r-offers', 'promotional');
    const { news, renewals, offers } = topic;

    await addSubscriber('s1');
    await addSubscriber('s2', { status: 'complained' });
    await addSubscriber('s3');
    await addSubscriber('s4', { pausedUntil: '2026-05-01T00:00:00Z' });
    await addSubscriber('s5', { status: 'unsubscribed', confirmedAt: '2026-03-01T01:00:00Z' });
    await addSubscriber('s6', { status: 'bounced' });
    await addSubscriber('s7', { confirmedAt: '2026-04-02T11:30:00Z' }); // inside the hour of grace
    await addSubscriber('s8', { confirmedAt: '2026-03-20T10:00:00Z' }); // confirmed, then nothing

    // Silent: weekly, last message 2 March (due 9 March, + the grace, long past).
    await subscribe('s1', news, 'weekly', { lastDeliveredAt: '2026-03-02T09:00:00Z' });
    // Not silent: monthly, due 5 April.
    await subscribe('s1', renewals, 'monthly', { lastDeliveredAt: '2026-03-05T09:00:00Z' });
    // Not silent: monthly from 2 March is due 2 April 09:00, grace until 3 April.
    await subscribe('s2', news, 'monthly', { lastDeliveredAt: '2026-03-02T09:00:00Z' });
    await subscribe('s3', news, 'weekly', { status: 'unsubscribed' });
    // Not silent although nothing came since 1 January: a notice topic promises a message ahead
    // of a date, not one per period (the silence watchdog's definition).
    await subscribe('s3', renewals, 'weekly');
    // Paused subscribers are not silent.
    await subscribe('s4', renewals, 'weekly');
    // Joined 20 March quarterly: not due yet.
    await subscribe('s8', news, 'quarterly', { createdAt: '2026-03-20T10:00:00Z' });

    // news (digest): 4 sent in March, 1 failed.
    const m1 = await message('s1', news, 'digest', 'editorial', '2026-03-02T09:00:00Z');
    const m2 = await message('s2', news, 'digest', 'editorial', '2026-03-02T09:00:00Z');
    await message('s3', news, 'digest', 'editorial', '2026-03-03T09:00:00Z');
    const m4 = await message('s4', news, 'digest', 'editorial', '2026-02-27T09:00:00Z'); // before the period
    await message('s5', news, 'digest', 'editorial', '2026-03-30T09:00:00Z');
    await message('s4', news, 'digest', 'editorial', '2026-03-15T09:00:00Z', 'failed');
    await vote(m1, true);
    await vote(m2, false);
    await vote(m4, true); // on a message outside the period: not counted
    // s3 leaves news 2 days after m3: one unsubscribe for news/digest.
    await optOut('s3', news, '2026-03-05T08:00:00Z');
    // s4 leaves news 3 days after m4, which was sent before the period: counted nowhere.
    await optOut('s4', news, '2026-03-02T10:00:00Z');
    // s5 leaves everything on 1 April: the last message before it was m5 (news, 30 March).
    await optOut('s5', null, '2026-04-01T10:00:00Z');

    // renewals (notice): 4 sent; skipped twice (paused, not subscribed), suppressed once.
    const m7 = await message('s1', renewals, 'notice', 'notice', '2026-03-05T09:00:00Z');
    const m8 = await message('s2', renewals, 'notice', 'notice', '2026-03-06T09:00:00Z');
    const m9 = await message('s6', renewals, 'notice', 'notice', '2026-03-07T09:00:00Z');
    const m10 = await message('s3', renewals, 'notice', 'notice', '2026-03-08T09:00:00Z');
    await message('s2', renewals, 'notice', 'notice', '2026-03-09T09:00:00Z', 'skipped', 'paused');
    await message(
      's3',
      renewals,
      'notice',
      'notice',
      '2026-03-10T09:00:00Z',
      'skipped',
      'not_subscribed',
    );
    await message('s6', renewals, 'notice', 'notice', '2026-03-11T09:00:00Z', 'suppressed');
    await message('s1', renewals, 'notice', 'notice', '2026-02-15T09:00:00Z', 'skipped', 'paused'); // before
    await vote(m7, true);
    await vote(m8, true);
    await signal('hard_bounce', m9, 's6', '2026-03-07T09:05:00Z');
    await signal('soft_bounce', m10, 's3', '2026-03-08T09:05:00Z');

    // offers (promotional): 2 sent, one complaint (whose system opt-out is not an unsubscribe).
    const m15 = await message('s2', offers, 'offer', 'promotional', '2026-03-12T09:00:00Z');
    await message('s5', offers, 'offer', 'promotional', '2026-03-14T09:00:00Z');
    await signal('complaint', m15, 's2', '2026-03-13T08:00:00Z');
    await optOut('s2', null, '2026-03-13T08:00:00Z', 'system');
    // s7: one promotional message in January: 100% promotional over 90 days.
    await message('s7', offers, 'offer', 'promotional', '2026-01-10T09:00:00Z');

    // A confirmation email (no topic) before s5 confirmed.
    await message('s5', null, 'confirm-subscription', 'transactional', '2026-03-01T00:30:00Z');
  });
  afterAll(() => t.close());

  const get = (path: string, key = readKey) =>
    t.http().get(path).set('Authorization', `Bearer ${key}`);
  const march = '/v1/reports/topics?from=2026-03-01&to=2026-03-31';

  it('per topic', async () => {
    const res = await get(march).expect(200);
    expect(res.body.period).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-04-01T00:00:00.000Z',
    });
    const byKey = Object.fromEntries(
      res.body.rows.map((r: { topic: { key: string } | null }) => [r.topic?.key ?? '(none)', r]),
    );
    expect(Object.keys(byKey)).toEqual(['r-news', 'r-offers', 'r-renewals', '(none)']);
    expect(byKey['r-news']).toEqual({
      topic: { id: topic.news, key: 'r-news', name: 'news', kind: 'editorial' },
      sent: 4,
      helpful: 1,
      unhelpful: 1,
      helpfulRatio: 0.5,
      unsubscribes: 2,
      complaints: 0,
      bounces: { hard: 0, soft: 0 },
      skipped: {},
      suppressed: 0,
      failed: 1,
      missedDeadlines: 0,
      medianLeadDays: null,
    });
    expect(byKey['r-renewals']).toMatchObject({
      sent: 4,
      helpful: 2,
      unhelpful: 0,
      helpfulRatio: 1,
      unsubscribes: 0,
      complaints: 0,
      bounces: { hard: 1, soft: 1 },
      skipped: { paused: 1, not_subscribed: 1 },
      suppressed: 1,
      failed: 0,
    });
    expect(byKey['r-offers']).toMatchObject({
      sent: 2,
      helpful: 0,
      unhelpful: 0,
      helpfulRatio: null,
      unsubscribes: 0,
      complaints: 1,
    });
    expect(byKey['(none)']).toMatchObject({ topic: null, sent: 1, unsubscribes: 0 });
    expect(res.body.totals).toEqual({
      sent: 11,
      helpful: 3,
      unhelpful: 1,
      helpfulRatio: 0.75,
      unsubscribes: 2,
      complaints: 1,
      bounces: { hard: 1, soft: 1 },
      skipped: { paused: 1, not_subscribed: 1 },
      suppressed: 1,
      failed: 1,
      missedDeadlines: 0,
      medianLeadDays: null,
    });
  });

  it('per template', async () => {
    const res = await get('/v1/reports/templates?from=2026-03-01&to=2026-03-31').expect(200);
    const byTemplate = Object.fromEntries(
      res.body.rows.map((r: { template: string }) => [r.template, r]),
    );
    expect(Object.keys(byTemplate)).toEqual(['confirm-subscription', 'digest', 'notice', 'offer']);
    expect(byTemplate.digest).toMatchObject({
      sent: 4,
      helpful: 1,
      unhelpful: 1,
      unsubscribes: 2,
      failed: 1,
    });
    expect(byTemplate.notice).toMatchObject({
      sent: 4,
      helpful: 2,
      bounces: { hard: 1, soft: 1 },
      skipped: { paused: 1, not_subscribed: 1 },
      suppressed: 1,
    });
    expect(byTemplate.offer).toMatchObject({ sent: 2, complaints: 1 });
    expect(byTemplate['confirm-subscription']).toMatchObject({ sent: 1 });
  });

  it('a shorter period counts only what falls in it', async () => {
    // 5–8 March: m7, m8, m9, m10 (renewals); s3's opt-out on the 5th follows m3 (3 March), outside.
    const res = await get('/v1/reports/topics?from=2026-03-05&to=2026-03-08').expect(200);
    expect(res.body.rows).toHaveLength(1);
    expect(res.body.rows[0]).toMatchObject({ sent: 4, helpful: 2, unsubscribes: 0 });
    expect(res.body.totals.bounces).toEqual({ hard: 1, soft: 1 });
  });

  it('the programme summary', async () => {
    const res = await get('/v1/reports/summary?from=2026-03-01&to=2026-03-31').expect(200);
    expect(res.body.confirmedWithoutMessage).toEqual({
      count: 1,
      graceMinutes: 60,
      sample: [sub.s8],
    });
    expect(res.body.silentSubscriptions.count).toBe(1);
    expect(
      res.body.silentSubscriptions.byTopic.map(
        (x: { topic: { key: string }; subscriptions: number }) => [x.topic.key, x.subscriptions],
      ),
    ).toEqual([['r-news', 1]]);
    // Over 90 days: s1, s3, s4, s6 only non-promotional; s2 1 of 3, s5 1 of 2; s7 all promotional.
    expect(res.body.promotionalShare).toEqual({
      windowDays: 90,
      cap: 0.25,
      subscribers: 7,
      overCap: 3,
      buckets: [
        { label: '0%', min: 0, max: 0, subscribers: 4 },
        { label: 'up to 10%', min: 0, max: 0.1, subscribers: 0 },
        { label: '10–25%', min: 0.1, max: 0.25, subscribers: 0 },
        { label: '25–50%', min: 0.25, max: 0.5, subscribers: 2 },
        { label: 'over 50%', min: 0.5, max: 1, subscribers: 1 },
      ],
    });
    // 1 complaint on 11 sends: 9.09%, far above the 0.1% guideline.
    expect(res.body.complaintRate).toEqual({
      complaints: 1,
      sent: 11,
      rate: 0.090909,
      threshold: 0.001,
      withinGuideline: false,
    });
    expect(res.body.totals).toMatchObject({ sent: 11, helpful: 3, unhelpful: 1, unsubscribes: 2 });
  });

  it('defaults to the 30 days before now', async () => {
    const res = await get('/v1/reports/summary').expect(200);
    expect(res.body.period).toEqual({
      from: '2026-03-03T12:00:00.000Z',
      to: '2026-04-02T12:00:00.000Z',
    });
  });

  it('validates the period, naming the field', async () => {
    const bad = async (query: string, field: string) => {
      const res = await get(`/v1/reports/topics?${query}`).expect(400);
      expect(res.body.field).toBe(field);
    };
    await bad('from=2026-13-01', 'from');
    await bad('to=yesterday', 'to');
    await bad('from=2026-03-10&to=2026-03-01', 'from');
    await bad('from=2024-01-01&to=2026-03-01', 'to');
    await bad('from=2026-03-01&color=blue', 'color');
  });

  it('needs the reports:read scope', async () => {
    const other = await t.keyWith('topics:read');
    const res = await get(march, other).expect(403);
    expect(res.body.message).toContain('reports:read');
    await t.http().get(march).expect(401);
    await get(march, t.adminKey).expect(200);
  });

  it('is documented in the OpenAPI document', async () => {
    const doc = (await t.http().get('/docs/openapi.json').expect(200)).body;
    for (const path of ['/v1/reports/topics', '/v1/reports/templates', '/v1/reports/summary']) {
      expect(doc.paths[path].get.parameters.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining(['from', 'to']),
      );
    }
    expect(doc.paths['/v1/webhooks/bounces'].post).toBeDefined();
    expect(doc.paths['/v1/webhooks/complaints'].post).toBeDefined();
    expect(doc.components.schemas.ProgrammeSummaryDto).toBeDefined();
  });
});
