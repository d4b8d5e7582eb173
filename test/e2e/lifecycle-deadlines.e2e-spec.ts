import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSubscriber, lifecycleRuleInput, topicInput, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { LifecycleDriver } from '../support/lifecycle-driver';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const HOUR = 3_600_000;

describe('Lifecycle deadlines: missed promises, apologies and alerts (real SMTP server in-process)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let webhook: Server;
  const hooks: Array<Record<string, unknown>> = [];
  /** What the webhook endpoint of outgoing events (docs/webhooks-out.md) received. */
  const events: Array<{ type: string; data: Record<string, unknown> }> = [];
  let drive: LifecycleDriver;
  let topicKey: string;
  const down = new Set<string>();
  const clock = new ControllableClock('2027-01-04T09:00:00Z');

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    // Every delivery to an address in `down` is refused with a temporary error, for as long as
    // it is there: an SMTP server that keeps failing.
    smtp.failNext('rcpt', 451, '4.3.0 Mail server temporarily unavailable', 1e9, (r) =>
      down.has(r),
    );
    webhook = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/events') events.push(JSON.parse(body) as (typeof events)[number]);
        else hooks.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    t = await createTestApp({
      clock,
      env: {
        SMTP_URL: smtp.url,
        DISPATCH_INTERVAL_MS: '60000',
        DELIVERY_RETRY_BASE_MS: '60000',
        DELIVERY_MAX_ATTEMPTS: '50',
        ALERT_WEBHOOK_URL: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`,
        WEBHOOK_INTERVAL_MS: '200',
      },
    });
    await t
      .api()
      .post('/v1/webhook-endpoints')
      .send({
        url: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/events`,
        events: ['notice.deadline_missed'],
      })
      .expect(201);
    drive = new LifecycleDriver(t, clock);
    const topic = topicInput({ kind: 'notice', allowedFrequencies: ['monthly'] });
    topicKey = topic.key;
    await t.api().post('/v1/topics').send(topic).expect(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
    await new Promise((r) => webhook.close(r));
  });

  const subscriber = (dates: Record<string, string>) =>
    createSubscriber(t, { email: uniqueEmail('dl'), dates, topics: [{ topic: topicKey }] });

  async function rows(subscriberId: string) {
    return await t.dataSource.query<
      Array<{
        id: string;
        dedupe_key: string;
        template: string;
        status: string;
        skip_reason: string | null;
        attempts: number;
      }>
    >(
      `SELECT id, dedupe_key, template, status, skip_reason, attempts FROM outbound_messages
        WHERE subscriber_id = $1 ORDER BY created_at, dedupe_key LIKE 'apology:%'`,
      [subscriberId],
    );
  }

  it('a notice that keeps failing past its deadline is never sent late: one missed promise, one apology, one alert', async () => {
    const rule = (
      await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(lifecycleRuleInput(topicKey, { key: 'renewal-smtp-down', deadlineDays: -7 }))
        .expect(201)
    ).body as { id: string };
    // Renewal in 10 days: inside the 30-day lead time, deadline (7 days before) still ahead.
    const s = await subscriber({ renewal_date: '2027-01-14' });
    const ok = await subscriber({ renewal_date: '2027-01-14' });
    down.add(s.email);

    await drive.step('2027-01-04T09:00:00Z');
    expect(smtp.to(ok.email)).toHaveLength(1); // at once
    const [notice] = await rows(s.id);
    expect(notice).toMatchObject({ status: 'queued', template: 'notice' });
    expect(notice.attempts).toBeGreaterThan(0);

    // SMTP keeps refusing it, hour after hour, until the deadline (7 January, 17:00 in Amsterdam).
    await drive.walk('2027-01-07T15:00:00Z', 6 * HOUR);
    expect((await rows(s.id))[0]).toMatchObject({ status: 'queued' });
    expect((await rows(s.id))[0].attempts).toBeGreaterThan(5);
    expect(hooks).toHaveLength(0);

    await drive.step('2027-01-07T16:00:00Z');
    const after = await rows(s.id);
    expect(after[0]).toMatchObject({ status: 'skipped', skip_reason: 'deadline_missed' });
    expect(after[1]).toMatchObject({ dedupe_key: `apology:${notice.id}`, template: 'apology' });
    const missed = await t.dataSource.query(
      `SELECT rule_id, message_id, cause, last_error, apology_message_id, alerted_at
         FROM lifecycle_missed_promises WHERE subscriber_id = $1`,
      [s.id],
    );
    expect(missed).toEqual([
      expect.objectContaining({
        rule_id: rule.id,
        message_id: notice.id,
        cause: 'not_delivered',
        last_error: expect.stringContaining('temporarily unavailable'),
        apology_message_id: after[1].id,
        alerted_at: expect.any(Date),
      }),
    ]);
    expect(hooks).toEqual([
      expect.objectContaining({
        kind: 'missed_deadline',
        title: '1 notice of rule "renewal-smtp-down" missed its deadline',
        details: expect.objectContaining({ rule: 'renewal-smtp-down', count: 1 }),
      }),
    ]);
    // Systems listening for events hear of it once.
    await eventually(async () => events.length > 0);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'notice.deadline_missed',
        data: {
          subscriberId: s.id,
          messageId: notice.id,
          ruleId: rule.id,
          rule: 'renewal-smtp-down',
          anchor: '2027-01-14',
          deadlineAt: expect.any(String),
          cause: 'not_delivered',
        },
      }),
    ]);

    // The server recovers; the apology goes out (in the morning window), once.
    down.delete(s.email);
    await drive.walk('2027-01-09T12:00:00Z', 3 * HOUR);
    const mails = smtp.to(s.email);
    expect(mails).toHaveLength(1);
    expect(mails[0].parsed.subject).toBe(
      'We should have told you sooner: Your policy renews on 14 January 2027',
    );
    expect(mails[0].parsed.text).toContain('It should have reached you by 7 January 2027.');
    expect((await rows(s.id))[0].status).toBe('skipped');
    expect(hooks).toHaveLength(1);
    expect(
      (
        await t.dataSource.query(
          `SELECT count(*)::int AS n FROM alerts WHERE kind = 'missed_deadline'`,
        )
      )[0].n,
    ).toBe(1);
    // A deleted rule with history stays for the reports (the missed promise points at it).
    await t.api().delete('/v1/lifecycle-rules/renewal-smtp-down').expect(204);
    await t.api().get('/v1/lifecycle-rules/renewal-smtp-down').expect(404);
    const [kept] = await t.dataSource.query(
      `SELECT deleted_at, enabled FROM lifecycle_rules WHERE id = $1`,
      [rule.id],
    );
    expect(kept).toMatchObject({ deleted_at: expect.any(Date), enabled: false });
  });

  it('a scheduler that was down past a deadline records the miss and apologises instead of sending late', async () => {
    clock.set('2027-03-01T09:00:00Z');
    await t
      .api()
      .post('/v1/lifecycle-rules')
      .send(lifecycleRuleInput(topicKey, { key: 'renewal-scheduler-down' }))
      .expect(201);
    await drive.step('2027-03-01T09:00:00Z');
    // Send day 5 March, deadline 21 March; the scheduler does not run until 25 March.
    const s = await subscriber({ renewal_date: '2027-04-04' });
    await drive.step('2027-03-25T09:00:00Z');
    const [notice, apology] = await rows(s.id);
    expect(notice).toMatchObject({ status: 'skipped', skip_reason: 'deadline_missed' });
    expect(apology).toMatchObject({ template: 'apology', status: 'sent' });
    const [miss] = await t.dataSource.query(
      `SELECT cause FROM lifecycle_missed_promises WHERE message_id = $1`,
      [notice.id],
    );
    expect(miss.cause).toBe('scheduled_late');
    expect(smtp.to(s.email).map((m) => m.parsed.subject)).toEqual([
      'We should have told you sooner: Your policy renews on 4 April 2027',
    ]);
    await drive.step('2027-03-25T10:00:00Z');
    expect(smtp.to(s.email)).toHaveLength(1);
    expect(
      hooks.filter((h) => (h.details as { rule: string }).rule === 'renewal-scheduler-down'),
    ).toHaveLength(1);
  });
});
