import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { QueueName } from '../../src/platform/queue/queues';
import { DeliveryProcessor } from '../../src/messaging/delivery/delivery.processor';
import { toClaimed } from '../../src/messaging/delivery/claimed-message';
import { LedgerService, NewMessage } from '../../src/messaging/delivery/ledger.service';
import { MessageComposer } from '../../src/messaging/delivery/message-composer';
import { buildMessage } from '../../src/messaging/delivery/mime';
import { createSubscriber, subscriberInput, topicInput, uniqueEmail } from '../factories';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

describe('Delivery: ledger, send-time checks, retries and bounces (real SMTP server in-process)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let ledger: LedgerService;
  let topicKey: string;
  let topicId: string;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://tidings.test',
        DELIVERY_RETRY_BASE_MS: '100',
        DISPATCH_INTERVAL_MS: '300',
        DELIVERY_MAX_ATTEMPTS: '4',
      },
    });
    ledger = t.app.get(LedgerService);
    const topic = topicInput();
    topicKey = topic.key;
    topicId = (await t.api().post('/v1/topics').send(topic).expect(201)).body.id;
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const subscriber = (overrides: Record<string, unknown> = {}) =>
    createSubscriber(t, { email: uniqueEmail('d'), topics: [{ topic: topicKey }], ...overrides });

  function message(subscriberId: string, key: string, extra: Partial<NewMessage> = {}): NewMessage {
    return {
      dedupeKey: key,
      subscriberId,
      topicId,
      template: 'welcome',
      kind: 'editorial',
      data: { topics: [] },
      ...extra,
    };
  }

  async function statusOf(id: string) {
    const [row] = await t.dataSource.query(
      `SELECT status, skip_reason, attempts, last_error FROM outbound_messages WHERE id = $1`,
      [id],
    );
    return row as {
      status: string;
      skip_reason: string | null;
      attempts: number;
      last_error: string | null;
    };
  }

  it('creates one row and sends one email for the same dedupe key, however often it is sent', async () => {
    const s = await subscriber();
    const key = `test:dedupe:${s.id}`;
    const first = await ledger.send([message(s.id, key)]);
    const second = await ledger.send([message(s.id, key)]);
    await Promise.all([ledger.enqueue(first), ledger.enqueue(first)]); // replayed jobs
    expect(first).toHaveLength(1);
    expect(second).toEqual([]);
    await eventually(async () => (await statusOf(first[0])).status === 'sent');
    await smtp.waitFor((m) => m.to.includes(s.email));
    // Give any duplicate job time to run, then count: the claim makes replays no-ops.
    await t.app.get(DeliveryProcessor).deliverBatch(first);
    expect(smtp.to(s.email)).toHaveLength(1);
    const rows = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM outbound_messages WHERE dedupe_key = $1`,
      [key],
    );
    expect(rows[0].n).toBe(1);
  });

  it('re-checks consent at send time: unsubscribing between queueing and sending sends nothing', async () => {
    const s = await subscriber();
    const ids = await t.dataSource.transaction((m) =>
      ledger.insert(m, [message(s.id, `test:unsub:${s.id}`)]),
    );
    await t.api().delete(`/v1/subscribers/${s.id}/subscriptions/${topicKey}`).expect(200);
    await ledger.enqueue(ids);
    await eventually(async () => (await statusOf(ids[0])).status === 'skipped');
    expect(await statusOf(ids[0])).toMatchObject({ skip_reason: 'not_subscribed' });
    expect(smtp.to(s.email)).toHaveLength(0);
  });

  it('skips paused subscribers and suppresses suppressed addresses at send time', async () => {
    const paused = await subscriber();
    await t.dataSource.query(
      `UPDATE subscribers SET paused_until = now() + interval '30 days' WHERE id = $1`,
      [paused.id],
    );
    const suppressedSub = await subscriber();
    const { SuppressionsService } =
      await import('../../src/audience/suppressions/suppressions.service');
    await t.app.get(SuppressionsService).suppress(suppressedSub.email, 'manual');
    const ids = await ledger.send([
      message(paused.id, `test:pause:${paused.id}`),
      message(suppressedSub.id, `test:supp:${suppressedSub.id}`),
    ]);
    await eventually(async () => (await statusOf(ids[1])).status === 'suppressed');
    await eventually(async () => (await statusOf(ids[0])).status === 'skipped');
    expect((await statusOf(ids[0])).skip_reason).toBe('paused');
    expect(smtp.to(paused.email)).toHaveLength(0);
    expect(smtp.to(suppressedSub.email)).toHaveLength(0);
  });

  it('retries a temporary SMTP failure (4xx) with backoff and then delivers exactly once', async () => {
    const s = await subscriber();
    smtp.failNext('rcpt', 451, '4.3.0 Try again later', 2, (r) => r === s.email);
    const ids = await ledger.send([message(s.id, `test:retry:${s.id}`)]);
    await smtp.waitFor((m) => m.to.includes(s.email), 20_000);
    await eventually(async () => (await statusOf(ids[0])).status === 'sent');
    expect(await statusOf(ids[0])).toMatchObject({ status: 'sent', attempts: 3 });
    expect(smtp.to(s.email)).toHaveLength(1);
  });

  it('retries a notice whose window has closed at the start of its next window, not at night', async () => {
    const s = await subscriber({ timezone: 'UTC' });
    // A window that starts two hours from now (wall clock, UTC) and lasts an hour.
    const hhmm = (minutes: number) =>
      `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    const nowMinutes = new Date().getUTCHours() * 60 + new Date().getUTCMinutes();
    const startMinutes = nowMinutes + 120 > 1380 ? 60 : nowMinutes + 120;
    const sendWindow = { start: hhmm(startMinutes), end: hhmm(startMinutes + 60) };
    smtp.failNext('rcpt', 451, '4.3.0 Try again later', 1, (r) => r === s.email);
    const [id] = await ledger.send([
      message(s.id, `test:window-retry:${s.id}`, {
        kind: 'notice',
        template: 'welcome',
        data: { topics: [], sendWindow },
      }),
    ]);
    await eventually(async () => (await statusOf(id)).last_error !== null);
    const [row] = await t.dataSource.query<{ status: string; send_after: Date }[]>(
      `SELECT status, send_after FROM outbound_messages WHERE id = $1`,
      [id],
    );
    expect(row.status).toBe('queued');
    expect(hhmm(row.send_after.getUTCHours() * 60 + row.send_after.getUTCMinutes())).toBe(
      sendWindow.start,
    );
    expect(row.send_after.getTime()).toBeGreaterThan(Date.now() + 3_600_000);
    expect(smtp.to(s.email)).toHaveLength(0);
  });

  it('gives up after the maximum attempts and records the error', async () => {
    const s = await subscriber();
    smtp.failNext('data', 452, '4.2.2 Mailbox full', 10, (r) => r === s.email);
    const ids = await ledger.send([message(s.id, `test:giveup:${s.id}`)]);
    await eventually(async () => (await statusOf(ids[0])).status === 'failed', 30_000);
    const row = await statusOf(ids[0]);
    expect(row.attempts).toBe(4);
    expect(row.last_error).toContain('Mailbox full');
    expect(smtp.to(s.email)).toHaveLength(0);
  });

  it('marks a permanent failure (5xx) failed and, for a hard bounce, suppresses the address', async () => {
    const s = await subscriber();
    smtp.failNext('rcpt', 550, '5.1.1 No such user', 1, (r) => r === s.email);
    const ids = await ledger.send([message(s.id, `test:bounce:${s.id}`)]);
    await eventually(async () => (await statusOf(ids[0])).status === 'failed');
    expect((await statusOf(ids[0])).attempts).toBe(1);
    const { SuppressionsService } =
      await import('../../src/audience/suppressions/suppressions.service');
    expect(await t.app.get(SuppressionsService).isSuppressed(s.email)).toBe(true);
    const after = await t.api().get(`/v1/subscribers/${s.id}`).expect(200);
    expect(after.body.status).toBe('bounced');
    // A later send to that subscriber is not even attempted.
    const later = await ledger.send([message(s.id, `test:bounce2:${s.id}`)]);
    await eventually(async () =>
      ['skipped', 'suppressed'].includes((await statusOf(later[0])).status),
    );
  });

  it('refuses control characters in names, and keeps stored data out of headers (no CR/LF injection)', async () => {
    const refused = await t
      .api()
      .post('/v1/subscribers')
      .send(subscriberInput({ name: 'Eve\r\nBcc: attacker@evil.test' }))
      .expect(400);
    expect(refused.body.field).toBe('name');
    // Data that reached the database some other way (an old import, a manual fix) still cannot inject.
    const s = await subscriber();
    await t.dataSource.query(`UPDATE subscribers SET name = $2 WHERE id = $1`, [
      s.id,
      'Eve\r\nBcc: attacker@evil.test',
    ]);
    const ids = await ledger.send([message(s.id, `test:inject:${s.id}`)]);
    const mail = await smtp.waitFor((m) => m.to.includes(s.email));
    await eventually(async () => (await statusOf(ids[0])).status === 'sent');
    expect(mail.to).toEqual([s.email]);
    expect(mail.header('Bcc')).toBeUndefined();
    const headerBlock = mail.raw.split(/\r?\n\r?\n/)[0];
    expect(headerBlock).not.toMatch(/^Bcc:/im);
    expect(headerBlock).toMatch(/^To: "Eve Bcc: attacker@evil\.test" </m);
    expect(mail.parsed.subject).not.toMatch(/[\r\n]/);
  });

  it('renders in a compose thread exactly what the main thread would build', async () => {
    const s = await subscriber({ name: 'Ada Lovelace' });
    const composer = t.app.get(MessageComposer);
    const renderHere = jest.spyOn(composer, 'compose');
    try {
      const ids = await ledger.send([message(s.id, `test:thread:${s.id}`)]);
      const mail = await smtp.waitFor((m) => m.to.includes(s.email));
      await eventually(async () => (await statusOf(ids[0])).status === 'sent');
      // Built by the thread: the main thread did not render it.
      expect(renderHere).not.toHaveBeenCalled();
      const [row] = await t.dataSource.query(
        `SELECT m.id, m.dedupe_key, m.subscriber_id, m.topic_id, m.channel, m.template, m.kind,
                m.data, m.attempts, m.deadline_at, m.created_at, s.email AS address, s.email,
                s.name, s.locale, s.timezone,
                s.status AS subscriber_status, s.paused_until, 'active' AS subscription_status,
                t.key AS topic_key, t.name AS topic_name
           FROM outbound_messages m JOIN subscribers s ON s.id = m.subscriber_id
           JOIN topics t ON t.id = m.topic_id WHERE m.id = $1`,
        [ids[0]],
      );
      const here = buildMessage(composer.compose(toClaimed(row))).raw.toString('latin1');
      // Byte for byte, apart from the Date header and the signed links' expiry (the second it
      // was built: tokens of the same length, so line wrapping is the same) and the DATA line
      // ends the SMTP server hands over.
      const withoutDate = (raw: string) =>
        raw
          .replace(/\r\n/g, '\n')
          .replace(/^Date: .*\n/m, '')
          .replace(/AQE[A-Za-z0-9_-]{16,}/g, 'TOKEN');
      expect(withoutDate(mail.raw)).toBe(withoutDate(here));
    } finally {
      renderHere.mockRestore();
    }
  });

  it('a message the thread cannot render fails with the template error from the main thread', async () => {
    const s = await subscriber();
    // Each topic of the welcome email needs a name: strict rendering refuses one without.
    const ids = await ledger.send([
      message(s.id, `test:thread-fail:${s.id}`, { data: { topics: [{}] } }),
    ]);
    await eventually(async () => (await statusOf(ids[0])).status === 'failed');
    const row = await statusOf(ids[0]);
    // The author's file and line: only the main thread has the sources to say that.
    expect(row.last_error).toMatch(
      /^render: Template "welcome" \(en\), welcome\/index\.mjml line \d+: missing variable "name"/,
    );
  });

  it('rebuilds lost work from PostgreSQL: rows never enqueued, jobs lost with Redis, claims of a dead worker', async () => {
    const neverEnqueued = await subscriber();
    const lostJob = await subscriber();
    const deadWorker = await subscriber();
    // Written in a transaction whose process died before enqueueing (no job exists).
    const [a] = await t.dataSource.transaction((m) =>
      ledger.insert(m, [message(neverEnqueued.id, `test:crash:${neverEnqueued.id}`)]),
    );
    // Enqueued an hour ago, but Redis lost the job (no job exists, the queue is empty).
    const [b] = await t.dataSource.transaction((m) =>
      ledger.insert(m, [message(lostJob.id, `test:lost:${lostJob.id}`)]),
    );
    await t.dataSource.query(
      `UPDATE outbound_messages SET enqueued_at = now() - interval '1 hour' WHERE id = $1`,
      [b],
    );
    // Claimed an hour ago by a worker that died before recording the outcome.
    const [c] = await t.dataSource.transaction((m) =>
      ledger.insert(m, [message(deadWorker.id, `test:dead:${deadWorker.id}`)]),
    );
    await t.dataSource.query(
      `UPDATE outbound_messages SET status = 'sending', claimed_at = now() - interval '1 hour', attempts = 1 WHERE id = $1`,
      [c],
    );
    for (const id of [a, b, c])
      await eventually(async () => (await statusOf(id)).status === 'sent', 20_000);
    expect(smtp.to(neverEnqueued.email)).toHaveLength(1);
    expect(smtp.to(lostJob.email)).toHaveLength(1);
    expect(smtp.to(deadWorker.email)).toHaveLength(1);
  });

  it('flushing Redis mid-run loses nothing and duplicates nothing', async () => {
    const people = await Promise.all(Array.from({ length: 20 }, () => subscriber()));
    const ids = await ledger.send(people.map((p) => message(p.id, `test:flush:${p.id}`)));
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Delivery));
    await queue.obliterate({ force: true });
    // Whatever was still waiting is now gone from Redis; PostgreSQL still knows. Age the rows as if
    // the stale limit had passed.
    await t.dataSource.query(
      `UPDATE outbound_messages SET enqueued_at = now() - interval '1 hour' WHERE id = ANY($1) AND status = 'queued'`,
      [ids],
    );
    await eventually(async () => {
      const rows = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM outbound_messages WHERE id = ANY($1) AND status = 'sent'`,
        [ids],
      );
      return rows[0].n === ids.length;
    }, 30_000);
    for (const p of people) expect(smtp.to(p.email)).toHaveLength(1);
  });
});
