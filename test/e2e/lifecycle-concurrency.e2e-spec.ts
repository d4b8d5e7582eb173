import Redis from 'ioredis';
import { redisOptionsFromUrl } from '../../src/platform/redis/redis-options';
import { DeliveryProcessor } from '../../src/messaging/delivery/delivery.processor';
import { LifecycleScheduler } from '../../src/programmes/lifecycle/lifecycle-scheduler';
import { SchedulerService } from '../../src/platform/scheduler/scheduler.service';
import { lifecycleRuleInput, topicInput, unique, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { LifecycleDriver } from '../support/lifecycle-driver';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';

/**
 * Two processes of one deployment: two apps on the same database and the same Redis prefix,
 * each with its own scheduler, dispatcher and delivery workers.
 */
describe('Lifecycle scheduling across processes and a Redis flush', () => {
  let a: TestApp;
  let b: TestApp;
  let smtp: SmtpSink;
  let topicKey: string;
  const prefix = unique('lc').replace('-', '');
  const clock = new ControllableClock('2027-10-04T08:00:00Z'); // 10:00 in Amsterdam

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    const env = {
      SMTP_URL: smtp.url,
      QUEUE_PREFIX: `t${process.env.TIDINGS_TEST_RUN}-${prefix}`,
      DISPATCH_INTERVAL_MS: '60000',
      DELIVERY_RETRY_BASE_MS: '100',
      LIFECYCLE_BATCH_SIZE: '10',
    };
    a = await createTestApp({ clock, env });
    b = await createTestApp({ clock, env, databaseUrl: a.databaseUrl });
    const topic = topicInput({ kind: 'notice', allowedFrequencies: ['monthly'] });
    topicKey = topic.key;
    await a.api().post('/v1/topics').send(topic).expect(201);
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await smtp.stop();
  });

  /** Subscribers whose renewal is in `days` days, created in one statement (no API round trips). */
  async function subscribers(
    n: number,
    renewal: string,
  ): Promise<Array<{ id: string; email: string }>> {
    return a.dataSource.query(
      `WITH s AS (
         INSERT INTO subscribers (email, timezone, is_customer)
         SELECT $1 || i || '@example.test', 'Europe/Amsterdam', true FROM generate_series(1, $2) AS i
         RETURNING id, email),
       d AS (INSERT INTO subscriber_dates (subscriber_id, name, value) SELECT id, 'renewal_date', $3 FROM s),
       x AS (INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency)
             SELECT s.id, t.id, 'active', 'monthly' FROM s, topics t WHERE t.key = $4)
       SELECT id, email FROM s`,
      [uniqueEmail('c').split('@')[0], n, renewal, topicKey],
    );
  }

  async function countBy(ids: string[]) {
    const rows = await a.dataSource.query<
      Array<{ subscriber_id: string; n: number; sent: number }>
    >(
      `SELECT subscriber_id, count(*)::int AS n, count(*) FILTER (WHERE status = 'sent')::int AS sent
         FROM outbound_messages WHERE subscriber_id = ANY($1) GROUP BY subscriber_id`,
      [ids],
    );
    return rows;
  }

  it('two scheduler processes ticking at the same time on the same due set: each notice once', async () => {
    await a
      .api()
      .post('/v1/lifecycle-rules')
      .send(lifecycleRuleInput(topicKey, { key: 'renewal-twice' }))
      .expect(201);
    const people = await subscribers(45, '2027-11-03'); // send day: today
    const ids = people.map((p) => p.id);
    const now = clock.now();
    // Both processes tick together, twice, and also run the lifecycle handlers directly, without
    // the advisory locks that usually keep them apart: correctness rests on the dedupe keys.
    const sa = a.app.get(SchedulerService);
    const sb = b.app.get(SchedulerService);
    const la = a.app.get(LifecycleScheduler);
    const lb = b.app.get(LifecycleScheduler);
    await Promise.all([
      sa.tick(now),
      sb.tick(now),
      la.changes(now),
      lb.changes(now),
      la.scan(now),
      lb.scan(now),
      sa.tick(now),
      sb.tick(now),
    ]);
    await new LifecycleDriver(a, clock).settle();
    await new LifecycleDriver(b, clock).settle();
    const counts = await countBy(ids);
    expect(counts).toHaveLength(45);
    expect(counts.every((c) => c.n === 1 && c.sent === 1)).toBe(true);
    for (const p of people) expect(smtp.to(p.email)).toHaveLength(1);
    await a.api().delete('/v1/lifecycle-rules/renewal-twice').expect(204);
  });

  it('flushing Redis mid-run: the due sends are rebuilt from PostgreSQL and each goes out once', async () => {
    clock.set('2027-10-05T08:00:00Z');
    await a
      .api()
      .post('/v1/lifecycle-rules')
      .send(lifecycleRuleInput(topicKey, { key: 'renewal-flush' }))
      .expect(201);
    const people = await subscribers(30, '2027-11-04');
    const ids = people.map((p) => p.id);
    // Pause delivery in both processes, so the work stays in Redis when it is flushed.
    await Promise.all([a, b].map((x) => x.app.get(DeliveryProcessor).worker.pause()));
    await a.app.get(SchedulerService).tick();
    const queued = await a.dataSource.query<Array<{ id: string }>>(
      `SELECT id FROM outbound_messages WHERE subscriber_id = ANY($1) AND status = 'queued' ORDER BY id`,
      [ids],
    );
    expect(queued).toHaveLength(30);
    // Half goes out before the flush.
    await a.app.get(DeliveryProcessor).deliverBatch(queued.slice(0, 15).map((r) => r.id));

    const redis = new Redis(redisOptionsFromUrl(TEST_REDIS_URL));
    let cursor = '0';
    let flushed = 0;
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${a.config.redis.prefix}:*`,
        'COUNT',
        1000,
      );
      cursor = next;
      if (keys.length) flushed += await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    expect(flushed).toBeGreaterThan(0);

    for (const x of [a, b]) x.app.get(DeliveryProcessor).worker.resume();
    // Time passes (the stale limit), both processes tick and dispatch: PostgreSQL knows what is due.
    const drive = new LifecycleDriver(b, clock);
    await drive.step('2027-10-05T08:15:00Z');
    await new LifecycleDriver(a, clock).step('2027-10-05T08:16:00Z');
    const counts = await countBy(ids);
    expect(counts.every((c) => c.n === 1 && c.sent === 1)).toBe(true);
    for (const p of people) expect(smtp.to(p.email)).toHaveLength(1);
  });
});
