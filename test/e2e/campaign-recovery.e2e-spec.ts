import { getQueueToken } from '@nestjs/bullmq';
import { Queue, Worker } from 'bullmq';
import { JobName, QueueName } from '../../src/platform/queue/queues';
import { redisOptionsFromUrl } from '../../src/platform/redis/redis-options';
import {
  fanoutJobId,
  MAX_RESTARTS_WITHOUT_PROGRESS,
} from '../../src/programmes/campaigns/campaign-recovery.service';
import { CampaignsProcessor } from '../../src/programmes/campaigns/campaigns.processor';
import { topicInput, unique } from '../factories';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';
import { settled, tick } from '../support/ticks';

interface Person {
  id: string;
  email: string;
}

describe('Campaign fan-outs are never stranded (real PostgreSQL, Redis and SMTP)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let topic: { id: string; key: string };
  let campaigns: Queue;
  let fanoutWorker: Worker;
  const manualWorkers: Worker[] = [];

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://tidings.test',
        // Ticks only when the test runs them.
        SCHEDULER_INTERVAL_MS: '3600000',
        DISPATCH_INTERVAL_MS: '300',
        CAMPAIGN_FANOUT_BATCH_SIZE: '10',
      },
    });
    topic = (
      await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ allowedFrequencies: ['weekly', 'monthly'] }))
        .expect(201)
    ).body;
    campaigns = t.app.get<Queue>(getQueueToken(QueueName.Campaigns));
    fanoutWorker = t.app.get(CampaignsProcessor).worker;
  });
  afterEach(async () => {
    if (fanoutWorker.isPaused()) fanoutWorker.resume();
    await Promise.all(manualWorkers.splice(0).map((w) => w.close(true)));
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  /** n subscribers with room in their period, ordered by id (the fan-out's order). */
  async function audience(n: number): Promise<{ run: string; people: Person[] }> {
    const run = unique('rec');
    const people = await t.dataSource.query<Person[]>(
      `WITH s AS (
         INSERT INTO subscribers (email, name, locale, timezone, status, attributes)
         SELECT 'r' || g || '.' || $1 || '@example.test', 'Person ' || g, 'en', 'UTC', 'active',
                jsonb_build_object('run', $1::text)
           FROM generate_series(1, $2) g
         RETURNING id, email),
       x AS (
         INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency, next_due_at)
         SELECT s.id, $3, 'active', 'weekly', now() - interval '1 day' FROM s)
       SELECT id, email FROM s ORDER BY id`,
      [run, n, topic.id],
    );
    return { run, people };
  }

  async function launch(run: string): Promise<{ id: string; subject: string }> {
    const subject = `Campaign ${run}`;
    const res = await t
      .api()
      .post('/v1/campaigns')
      .send({
        topic: topic.key,
        template: 'notice',
        kind: 'editorial',
        data: { heading: subject, intro: 'An update.', reason: 'You asked for news.' },
        segment: { attributes: [{ name: 'run', op: 'eq', value: run }] },
      })
      .expect(201);
    return { id: res.body.id as string, subject };
  }

  const campaign = async (id: string) =>
    (await t.api().get(`/v1/campaigns/${id}`).expect(200)).body;

  /** A worker of our own, like another process's, that takes jobs by hand. */
  function manualWorker(options: { lockDuration?: number; stalledInterval?: number } = {}) {
    const worker = new Worker(QueueName.Campaigns, undefined, {
      connection: { ...redisOptionsFromUrl(t.config.redis.url), maxRetriesPerRequest: null },
      prefix: t.config.redis.prefix,
      autorun: false,
      maxStalledCount: 1,
      ...options,
    });
    manualWorkers.push(worker);
    return worker;
  }

  async function stateOf(jobId: string): Promise<string> {
    const job = await campaigns.getJob(jobId);
    return job ? job.getState() : 'missing';
  }

  async function expectEachGotItOnce(people: Person[], subject: string): Promise<void> {
    await settled(t.dataSource, new Date());
    for (const p of people) {
      expect(smtp.to(p.email).filter((m) => m.parsed.subject === subject)).toHaveLength(1);
    }
  }

  it('finishes campaigns whose fan-out job failed (its worker killed twice), completed and was kept, or is missing', async () => {
    await fanoutWorker.pause();
    const size = 15;

    // 1. The case: the worker holding the job is killed (its lock is never renewed), the
    // job comes back, the next worker is killed too, and the worker after them fails the job
    // ("job stalled more than allowable limit") without running it.
    const a = await audience(size);
    const failed = await launch(a.run);
    const jobId = fanoutJobId(failed.id, 0);
    const killed = manualWorker({ lockDuration: 200, stalledInterval: 100 });
    // Stall checks are spaced by a key the app's workers set for 30 s; the app's fan-out worker is
    // paused (its checker too), so clearing the key lets this worker's checker run every 100 ms.
    await (await campaigns.client).del(campaigns.toKey('stalled-check'));
    await killed.startStalledCheckTimer();
    for (const round of [1, 2]) {
      const job = await killed.getNextJob(`killed-worker-${round}`);
      expect(job?.id).toBe(jobId);
      await eventually(async () => (await stateOf(jobId)) === 'waiting', 10_000);
    }
    await killed.close();
    fanoutWorker.resume();
    await eventually(async () => (await stateOf(jobId)) === 'failed', 10_000);
    expect((await campaigns.getJob(jobId))?.failedReason).toBe(
      'job stalled more than allowable limit',
    );
    await fanoutWorker.pause();

    // 2. A completed job that is kept (as with removeOnComplete off) while the campaign runs.
    const b = await audience(size);
    const completed = await launch(b.run);
    await (await campaigns.getJob(fanoutJobId(completed.id, 0)))!.remove();
    await campaigns.add(
      JobName.CampaignFanout,
      { campaignId: completed.id },
      { jobId: fanoutJobId(completed.id, 0), removeOnComplete: false },
    );
    const finisher = manualWorker();
    const taken = await finisher.getNextJob('finisher');
    expect(taken?.id).toBe(fanoutJobId(completed.id, 0));
    await taken!.moveToCompleted({ batches: 0, written: 0 }, 'finisher', false);
    expect(await stateOf(fanoutJobId(completed.id, 0))).toBe('completed');

    // 3. The job is simply gone.
    const c = await audience(size);
    const missing = await launch(c.run);
    await (await campaigns.getJob(fanoutJobId(missing.id, 0)))!.remove();

    const ids = [failed.id, completed.id, missing.id];
    for (const id of ids) expect((await campaign(id)).status).toBe('running');
    // Nothing has reported for a while: the tick's recovery looks at them.
    await t.dataSource.query(
      `UPDATE campaigns SET heartbeat_at = now() - interval '10 minutes' WHERE id = ANY($1)`,
      [ids],
    );
    fanoutWorker.resume();
    const report = await tick(t.app);
    expect(report.handlers.campaigns).toEqual({ started: 0, resumed: 3, failed: 0 });

    for (const [run, id, subject] of [
      [a, failed.id, failed.subject],
      [b, completed.id, completed.subject],
      [c, missing.id, missing.subject],
    ] as const) {
      const done = await eventually(async () => {
        const body = await campaign(id);
        return body.status === 'sent' && body.stats.sent === size ? body : null;
      }, 20_000);
      expect(done.stats.fannedOut).toBe(size);
      await expectEachGotItOnce(run.people, subject);
    }
    const attempts = await t.dataSource.query<{ fanout_attempt: number }[]>(
      `SELECT fanout_attempt FROM campaigns WHERE id = ANY($1)`,
      [ids],
    );
    expect(attempts.map((r) => r.fanout_attempt)).toEqual([1, 1, 1]);
  });

  it('fails a campaign whose fan-out keeps stopping without progress, with an alert', async () => {
    await fanoutWorker.pause();
    const { run, people } = await audience(5);
    const { id, subject } = await launch(run);
    for (let attempt = 0; attempt <= MAX_RESTARTS_WITHOUT_PROGRESS; attempt++) {
      // Each job vanishes before a worker gets to it.
      await (await campaigns.getJob(fanoutJobId(id, attempt)))!.remove();
      await t.dataSource.query(
        `UPDATE campaigns SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`,
        [id],
      );
      const report = await tick(t.app);
      expect(report.handlers.campaigns).toEqual(
        attempt < MAX_RESTARTS_WITHOUT_PROGRESS
          ? { started: 0, resumed: 1, failed: 0 }
          : { started: 0, resumed: 0, failed: 1 },
      );
    }
    const failed = await campaign(id);
    expect(failed.status).toBe('failed');
    expect(failed.stats.failureReason).toBe(
      `the fan-out stopped ${MAX_RESTARTS_WITHOUT_PROGRESS + 1} times without progress (last: its job is missing from Redis)`,
    );
    const alerts = await t.dataSource.query(`SELECT kind FROM alerts WHERE dedupe_key = $1`, [
      `campaign-failed:${id}:${MAX_RESTARTS_WITHOUT_PROGRESS + 1}`,
    ]);
    expect(alerts).toEqual([{ kind: 'campaign_failed' }]);

    fanoutWorker.resume();
    await t.api().post(`/v1/campaigns/${id}/resume`).expect(200);
    await eventually(async () => (await campaign(id)).status === 'sent', 20_000);
    await expectEachGotItOnce(people, subject);
  });

  it('a permanent error fails the campaign (reason in its stats, an alert); resume continues from the cursor', async () => {
    const size = 25;
    const { run, people } = await audience(size);
    // A fault in the third batch (subscribers 21-30 in the fan-out's order) that a retry cannot fix.
    await t.dataSource.query(`
      CREATE FUNCTION test_fanout_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.campaign_id IS NOT NULL AND NEW.subscriber_id = '${people[22].id}' THEN
          RAISE EXCEPTION 'injected fault' USING ERRCODE = '22023';
        END IF;
        RETURN NEW;
      END $$`);
    await t.dataSource.query(`
      CREATE TRIGGER test_fanout_fault BEFORE INSERT ON outbound_messages
        FOR EACH ROW EXECUTE FUNCTION test_fanout_fault()`);
    let id: string;
    let subject: string;
    try {
      ({ id, subject } = await launch(run));
      const failed = await eventually(async () => {
        const body = await campaign(id);
        return body.status === 'failed' ? body : null;
      }, 20_000);
      expect(failed.failedAt).toEqual(expect.any(String));
      expect(failed.stats.failureReason).toBe(
        'fan-out batch failed: injected fault (SQLSTATE 22023)',
      );
      expect(failed.stats.fannedOut).toBe(20);
      // What was written before the fault still goes out.
      await eventually(async () => (await campaign(id)).stats.sent === 20, 20_000);
      const alerts = await t.dataSource.query<
        { kind: string; title: string; details: Record<string, unknown> }[]
      >(`SELECT kind, title, details FROM alerts WHERE dedupe_key = $1`, [
        `campaign-failed:${id}:0`,
      ]);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({
        kind: 'campaign_failed',
        details: {
          campaignId: id,
          reason: 'fan-out batch failed: injected fault (SQLSTATE 22023)',
          fannedOut: 20,
          audienceSize: size,
        },
      });
      // Failed stays failed: the recovery tick leaves it to the marketer.
      await t.dataSource.query(
        `UPDATE campaigns SET heartbeat_at = now() - interval '10 minutes' WHERE id = $1`,
        [id],
      );
      expect((await tick(t.app)).handlers.campaigns).toEqual({ started: 0, resumed: 0, failed: 0 });
    } finally {
      await t.dataSource.query(`DROP TRIGGER IF EXISTS test_fanout_fault ON outbound_messages`);
      await t.dataSource.query(`DROP FUNCTION IF EXISTS test_fanout_fault()`);
    }

    // The fault is fixed; the marketer resumes.
    const reader = await t.keyWith('campaigns:read');
    await t
      .http()
      .post(`/v1/campaigns/${id}/resume`)
      .set('Authorization', `Bearer ${reader}`)
      .expect(403);
    const resumed = await t.api().post(`/v1/campaigns/${id}/resume`).expect(200);
    expect(resumed.body).toMatchObject({ id, status: 'running', failedAt: null });
    expect(resumed.body.stats.failureReason).toBeNull();
    const done = await eventually(async () => {
      const body = await campaign(id);
      return body.status === 'sent' && body.stats.sent === size ? body : null;
    }, 20_000);
    expect(done.stats.fannedOut).toBe(size);
    await expectEachGotItOnce(people, subject);
    const [rows] = await t.dataSource.query<{ n: number; subscribers: number }[]>(
      `SELECT count(*)::int AS n, count(DISTINCT subscriber_id)::int AS subscribers
         FROM outbound_messages WHERE campaign_id = $1`,
      [id],
    );
    expect(rows).toEqual({ n: size, subscribers: size });

    // Only a failed campaign can be resumed.
    const again = await t.api().post(`/v1/campaigns/${id}/resume`).expect(409);
    expect(again.body).toMatchObject({ field: 'id', code: 'campaign_not_failed' });
    expect(again.body.message).toContain('is sent');
    await t.api().post(`/v1/campaigns/00000000-0000-4000-8000-000000000000/resume`).expect(404);
    await t.api().post(`/v1/campaigns/nope/resume`).expect(404);
  });

  it('documents resume in OpenAPI', async () => {
    const doc = await t.http().get('/docs/openapi.json').expect(200);
    const resume = doc.body.paths['/v1/campaigns/{id}/resume'].post;
    expect(Object.keys(resume.responses)).toEqual(expect.arrayContaining(['200', '404', '409']));
    expect(doc.body.components.schemas.CampaignDto.properties.status.enum).toContain('failed');
    expect(doc.body.components.schemas.CampaignStatsDto.properties).toHaveProperty('failureReason');
  });
});
