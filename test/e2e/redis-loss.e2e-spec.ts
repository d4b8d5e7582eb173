import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { JobName, QueueName } from '../../src/platform/queue/queues';
import {
  createSubscriber,
  lifecycleRuleInput,
  topicInput,
  unique,
  uniqueEmail,
} from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { DedicatedRedis, startRedisServer } from '../support/redis-server';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';
import { settled } from '../support/ticks';

const CHECK_MS = 250;

describe('Job schedulers heal themselves', () => {
  let t: TestApp;
  beforeAll(async () => {
    // API only: no workers in this process, as with WORKERS_ENABLED=false.
    t = await createTestApp({ workers: false, env: { QUEUE_CHECK_INTERVAL_MS: String(CHECK_MS) } });
  });
  afterAll(() => t.close());

  it('an API-only process creates them at start and re-creates a removed one within the check interval', async () => {
    const dispatch = t.app.get<Queue>(getQueueToken(QueueName.Dispatch));
    const scheduler = t.app.get<Queue>(getQueueToken(QueueName.Scheduler));
    const webhooks = t.app.get<Queue>(getQueueToken(QueueName.Webhooks));
    expect(await dispatch.getJobScheduler(JobName.DispatchDue)).toBeTruthy();
    expect(await scheduler.getJobScheduler(JobName.SchedulerTick)).toBeTruthy();
    expect(await webhooks.getJobScheduler(JobName.WebhooksRun)).toBeTruthy();

    for (const [queue, id] of [
      [dispatch, JobName.DispatchDue],
      [scheduler, JobName.SchedulerTick],
      [webhooks, JobName.WebhooksRun],
    ] as const) {
      expect(await queue.removeJobScheduler(id)).toBe(true);
      const removedAt = Date.now();
      const back = await eventually(() => queue.getJobScheduler(id), 5_000, 10);
      const tookMs = Date.now() - removedAt;
      expect(back).toMatchObject({ key: id });
      // One check interval, plus a margin for a loaded machine.
      expect(tookMs).toBeLessThan(CHECK_MS + 1_000);
    }
    // Redis kept its data: nothing is reported lost.
    const health = await t.http().get('/health').expect(200);
    expect(health.body.info.queues.status).toBe('up');
  });
});

describe('Redis loses its data (FLUSHALL on a dedicated redis-server) mid-campaign and mid-lifecycle', () => {
  const DISPATCH_MS = 3_000;
  const CAMPAIGN_AUDIENCE = 200;
  const NOTICES_EACH = 20;
  // Frozen at noon UTC: every notice below is due, the heartbeats never look stale.
  const clock = new ControllableClock('2027-03-10T12:00:00Z');
  let redis: DedicatedRedis;
  let redisUrl: string;
  let smtp: SmtpSink;
  let t: TestApp;
  let noticeTopic: string;

  beforeAll(async () => {
    redis = await startRedisServer();
    redisUrl = redis.url;
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      clock,
      env: {
        REDIS_URL: redisUrl,
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://tidings.test',
        DISPATCH_INTERVAL_MS: String(DISPATCH_MS),
        SCHEDULER_INTERVAL_MS: '500',
        QUEUE_CHECK_INTERVAL_MS: String(CHECK_MS),
        CAMPAIGN_FANOUT_BATCH_SIZE: '25',
        CAMPAIGN_MAX_WAITING_JOBS: '4',
        DELIVERY_BATCH_SIZE: '10',
      },
    });
    const topic = topicInput({ kind: 'notice', name: 'Renewals', allowedFrequencies: ['monthly'] });
    noticeTopic = topic.key;
    await t.api().post('/v1/topics').send(topic).expect(201);
    await t.api().post('/v1/lifecycle-rules').send(lifecycleRuleInput(noticeTopic)).expect(201);
  });

  afterAll(async () => {
    await t?.close();
    await smtp?.stop();
    await redis?.stop();
  });

  /** Subscribers in the notice topic whose renewal notice (30 days before) is due now. */
  async function renewalSubscribers(n: number): Promise<string[]> {
    const created = await Promise.all(
      Array.from({ length: n }, () =>
        createSubscriber(t, {
          email: uniqueEmail('renewal'),
          timezone: 'UTC',
          topics: [{ topic: noticeTopic }],
          dates: { renewal_date: '2027-04-09' },
        }),
      ),
    );
    return created.map((s) => s.email);
  }

  it('sends every due message exactly once, within two dispatch intervals, without a restart', async () => {
    // The campaign's audience: subscribers with room in their period.
    const topic = (
      await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ allowedFrequencies: ['weekly', 'monthly'] }))
        .expect(201)
    ).body as { id: string; key: string };
    const run = unique('flush');
    const audience = await t.dataSource.query<{ id: string; email: string }[]>(
      `WITH s AS (
         INSERT INTO subscribers (email, name, locale, timezone, status)
         SELECT 'f' || g || '.' || $1 || '@example.test', 'Person ' || g, 'en', 'UTC', 'active'
           FROM generate_series(1, $2) g
         RETURNING id, email),
       x AS (
         INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency, next_due_at)
         SELECT s.id, $3, 'active', 'weekly', $4::timestamptz - interval '1 day' FROM s)
       SELECT id, email FROM s`,
      [run, CAMPAIGN_AUDIENCE, topic.id, clock.now()],
    );
    expect(audience).toHaveLength(CAMPAIGN_AUDIENCE);

    smtp.acceptDelayMs = 40;
    const subject = `Maintenance window ${run}`;
    const campaign = await t
      .api()
      .post('/v1/campaigns')
      .send({
        topic: topic.key,
        template: 'notice',
        kind: 'editorial',
        data: { heading: subject, intro: 'We will be offline for an hour.', reason: 'You use us.' },
      })
      .expect(201);
    const campaignId = campaign.body.id as string;
    const before = await renewalSubscribers(NOTICES_EACH);
    const campaignMails = () => smtp.messages.filter((m) => m.parsed.subject === subject);

    // Mid-campaign and mid-lifecycle: the fan-out is writing, mail is going out, the notices are
    // written, and delivery jobs wait in Redis.
    await eventually(async () => {
      const [row] = await t.dataSource.query<{ notices: number; waiting: number }[]>(
        `SELECT count(*) FILTER (WHERE rule_id IS NOT NULL)::int AS notices,
                count(*) FILTER (WHERE status = 'queued' AND enqueued_at IS NOT NULL)::int AS waiting
           FROM outbound_messages`,
      );
      return campaignMails().length >= 40 && row.notices === NOTICES_EACH && row.waiting > 0;
    }, 30_000);
    const flushedAt = Date.now();
    await redis.flushAll();
    smtp.acceptDelayMs = 0;
    const [progress] = await t.dataSource.query<{ status: string; fanned_out: number }[]>(
      `SELECT status, fanned_out FROM campaigns WHERE id = $1`,
      [campaignId],
    );
    expect(progress.status).toBe('running');
    expect(progress.fanned_out).toBeLessThan(CAMPAIGN_AUDIENCE);

    // /health answers 200 and names the loss.
    const during = await t.http().get('/health').expect(200);
    expect(during.body.status).toBe('ok');
    expect(during.body.info.queues.status).toBe('degraded');

    // Subscribers added after the flush get their notice from a scheduler tick that came back.
    const after = await renewalSubscribers(NOTICES_EACH);
    const expected = [...audience.map((a) => a.email), ...before, ...after];
    await eventually(
      async () => {
        const received = new Set(smtp.messages.flatMap((m) => m.to));
        return expected.every((email) => received.has(email.toLowerCase()));
      },
      4 * DISPATCH_MS,
      25,
    );
    const tookMs = Date.now() - flushedAt;
    console.info(`FLUSHALL to every due message sent: ${tookMs} ms`);
    expect(tookMs).toBeLessThanOrEqual(2 * DISPATCH_MS);

    // Exactly once: nothing more arrives once everything settled.
    await settled(t.dataSource, clock.now());
    for (const email of expected) expect(smtp.to(email)).toHaveLength(1);
    expect(campaignMails()).toHaveLength(CAMPAIGN_AUDIENCE);
    expect(smtp.messages).toHaveLength(expected.length);
    const done = await t.api().get(`/v1/campaigns/${campaignId}`).expect(200);
    expect(done.body).toMatchObject({ status: 'sent' });
    expect(done.body.stats).toMatchObject({
      fannedOut: CAMPAIGN_AUDIENCE,
      sent: CAMPAIGN_AUDIENCE,
    });

    // /health: the loss is over once the work it held was picked up again; it says what was rebuilt.
    const recovered = await eventually(async () => {
      const res = await t.http().get('/health').expect(200);
      return res.body.info.queues.status === 'up' ? res.body : null;
    }, 10_000);
    expect(recovered.status).toBe('ok');
    expect(recovered.info.queues.lastLoss).toMatchObject({
      lostAt: expect.any(String),
      rebuiltAt: expect.any(String),
      recoveredAt: expect.any(String),
      rebuilt: { ledgerRows: expect.any(Number), campaigns: 1, schedulers: 3 },
    });
    expect(recovered.info.queues.lastLoss.rebuilt.ledgerRows).toBeGreaterThan(0);
  }, 60_000);
});
