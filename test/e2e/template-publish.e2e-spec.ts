import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSubscriber, lifecycleRuleInput, topicInput, unique } from '../factories';
import {
  builtEntry,
  isolatedEnv,
  killAllChildren,
  RunningProcess,
  startNode,
} from '../support/child-processes';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';
import { TEST_REDIS_URL } from '../support/test-env';

const READY = /Tidings worker is running \(no HTTP\)/;
const SECRET_KEY = 'test-secret-key-that-is-long-enough-0123456789';
const MARK = 'V2MARK';

type Content = {
  locales: Record<string, { mjml: string; subject: string; text: string }>;
};

/**
 * A marketer publishes a new `notice` while two worker processes (node dist/src/worker.js) send a
 * campaign and lifecycle notices with it. The API process (this test's app) delivers nothing.
 */
describe('Publishing a template while two worker processes send with it', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const workers: RunningProcess[] = [];

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    // A slow server, so the campaign is still going out when the new version is published.
    smtp.acceptDelayMs = 25;
    t = await createTestApp({
      workers: false,
      env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://tidings.test' },
    });
    const env = isolatedEnv({
      DATABASE_URL: t.databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: t.config.redis.prefix,
      SECRET_KEY,
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://tidings.test',
      DATA_DIR: mkdtempSync(join(tmpdir(), 'tidings-publish-')),
      SMTP_POOL_SIZE: '2',
      DELIVERY_BATCH_SIZE: '10',
      DELIVERY_COMPOSE_THREADS: '1',
      DISPATCH_INTERVAL_MS: '300',
      SCHEDULER_INTERVAL_MS: '500',
      CAMPAIGN_FANOUT_BATCH_SIZE: '50',
    });
    for (let i = 0; i < 2; i++) workers.push(startNode(builtEntry('src/worker.js'), [], env));
    await Promise.all(workers.map((w) => w.waitForOutput(READY, 60_000)));
  }, 90_000);
  afterAll(async () => {
    await killAllChildren();
    await t.close();
    await smtp.stop();
  });

  it('renders every message claimed after the publish with the new version, whole, without a restart, and records it', async () => {
    const run = unique('pub');
    const topic = (
      await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ allowedFrequencies: ['weekly', 'monthly'] }))
        .expect(201)
    ).body as { id: string; key: string };
    await t.dataSource.query(
      `WITH s AS (
         INSERT INTO subscribers (email, name, locale, timezone, status, attributes)
         SELECT 'c' || g || '.' || $1 || '@example.test', 'Person ' || g,
                CASE WHEN g % 2 = 0 THEN 'nl' ELSE 'en' END, 'UTC', 'active',
                jsonb_build_object('run', $1::text)
           FROM generate_series(1, 400) g
         RETURNING id)
       INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency, next_due_at)
       SELECT s.id, $2, 'active', 'weekly', now() - interval '1 day' FROM s`,
      [run, topic.id],
    );
    const notices = (
      await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ kind: 'notice' }))
        .expect(201)
    ).body as { key: string };
    const rule = await t
      .api()
      .post('/v1/lifecycle-rules')
      .send(
        lifecycleRuleInput(notices.key, {
          deadlineDays: -3,
          sendWindow: { start: '00:00', end: '23:59' },
        }),
      );
    expect(rule.body).toMatchObject({ key: expect.any(String) });
    const renewal = new Date(Date.now() + 10 * 86400_000).toISOString().slice(0, 10);
    const noticeFor = (n: number) =>
      Promise.all(
        Array.from({ length: n }, (_, i) =>
          createSubscriber(t, {
            email: `n${i}.${unique('n')}@example.test`,
            locale: i % 2 ? 'en' : 'nl',
            timezone: 'UTC',
            topics: [{ topic: notices.key }],
            dates: { renewal_date: renewal },
          }),
        ),
      );

    // The new version, saved as a draft: subject, HTML and text all carry the mark.
    const v2 = (await t.api().get('/v1/templates/notice').expect(200)).body.published as Content;
    for (const l of Object.values(v2.locales)) {
      l.subject = `${MARK} ${l.subject}`;
      l.mjml = l.mjml.replace(
        '<mj-text mj-class="heading">',
        `<mj-text mj-class="heading">${MARK} `,
      );
      l.text = `${MARK} ${l.text}`;
    }
    await t.api().put('/v1/templates/notice').send(v2).expect(200);

    // Sending with v1: the campaign and the first lifecycle notices.
    await noticeFor(20);
    const campaign = await t
      .api()
      .post('/v1/campaigns')
      .send({
        topic: topic.key,
        template: 'notice',
        kind: 'editorial',
        data: { heading: `Campaign ${run}`, intro: 'An update.', reason: 'You asked for news.' },
        segment: { attributes: [{ name: 'run', op: 'eq', value: run }] },
      })
      .expect(201);
    await eventually(async () => smtp.messages.length >= 60, 30_000);

    const publish = await t.api().post('/v1/templates/notice/publish').expect(200);
    const publishedAt = new Date();
    expect(publish.body.template.version).toBe(2);
    await noticeFor(20);

    const rows = () =>
      t.dataSource.query<
        { id: string; status: string; template_version: number | null; claimed_at: Date }[]
      >(
        `SELECT id, status, template_version, claimed_at FROM outbound_messages
          WHERE template = 'notice' AND (campaign_id = $1 OR rule_id IS NOT NULL)`,
        [campaign.body.id],
      );
    await eventually(async () => {
      const all = await rows();
      return all.length === 440 && all.every((r) => r.status === 'sent');
    }, 60_000);
    const all = await rows();

    // The ledger records a version for every message, both versions were used, and every
    // message claimed after the publish has the new one.
    const v1 = all.filter((r) => r.template_version === 1);
    const v2rows = all.filter((r) => r.template_version === 2);
    expect(v1.length + v2rows.length).toBe(all.length);
    expect(v1.length).toBeGreaterThan(0);
    expect(v2rows.length).toBeGreaterThan(0);
    const lastV1ClaimAfterPublishMs = Math.max(
      ...v1.map((r) => r.claimed_at.getTime() - publishedAt.getTime()),
    );
    const firstV2ClaimAfterPublishMs = Math.min(
      ...v2rows.map((r) => r.claimed_at.getTime() - publishedAt.getTime()),
    );
    console.info(
      `publish during sending: ${v1.length} messages on v1, ${v2rows.length} on v2; last v1 claim ` +
        `${lastV1ClaimAfterPublishMs} ms and first v2 claim ${firstV2ClaimAfterPublishMs} ms after the publish answered`,
    );
    // Claimed with v1 only while the publish was committing: never 5 s, and in practice not 1 s.
    expect(lastV1ClaimAfterPublishMs).toBeLessThan(1000);
    for (const r of all) {
      if (r.claimed_at.getTime() > publishedAt.getTime()) expect(r.template_version).toBe(2);
    }

    // Every email is one version entirely, the one its ledger row records.
    const version = new Map(all.map((r) => [r.id, r.template_version]));
    let checked = 0;
    for (const mail of smtp.messages) {
      const id = /^<([0-9a-f-]{36})@/.exec(mail.parsed.messageId ?? '')?.[1];
      if (!id || !version.has(id)) continue;
      const marks = [
        mail.parsed.subject ?? '',
        String(mail.parsed.html),
        mail.parsed.text ?? '',
      ].map((part) => part.includes(MARK));
      expect(new Set(marks).size).toBe(1);
      expect(marks[0]).toBe(version.get(id) === 2);
      checked++;
    }
    expect(checked).toBe(all.length);

    // No restart: the same two worker processes sent everything and still run.
    for (const w of workers) expect(w.exit()).toBeNull();
  }, 120_000);
});
