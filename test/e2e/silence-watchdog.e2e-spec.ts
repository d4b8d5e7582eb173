import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSubscriber, subscriberInput, topicInput, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';
import { settled, tick } from '../support/ticks';

const DAY = 86_400_000;
const PUBLIC_URL = 'https://tidings.test';

describe('Silence watchdog: nobody’s window passes with nothing (controllable clock, real SMTP server)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let hook: Server;
  const alerts: Array<{ kind: string; title: string; details: Record<string, unknown> }> = [];
  const start = new Date(Date.now() + 60_000);
  const clock = new ControllableClock(start);
  let quiet: { id: string; key: string };
  let bare: { id: string; key: string };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        alerts.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    t = await createTestApp({
      clock,
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        SCHEDULER_INTERVAL_MS: '3600000',
        DISPATCH_INTERVAL_MS: '500',
        SILENCE_GRACE_DAYS: '2',
        ALERT_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`,
      },
    });
    const topic = async (name: string, evergreenTemplate?: string) =>
      (
        await t
          .api()
          .post('/v1/topics')
          .send(
            topicInput({
              name,
              description: `All about ${name}.`,
              allowedFrequencies: ['weekly'],
              defaultFrequency: 'weekly',
              evergreenTemplate,
            }),
          )
          .expect(201)
      ).body as { id: string; key: string };
    quiet = await topic('Quiet corner', 'evergreen');
    bare = await topic('Bare shelf');
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
    await new Promise((r) => hook.close(r));
  });

  it('reports a subscriber whose window passed with nothing, sends the fallback once, and alerts the marketer', async () => {
    const input = subscriberInput({
      email: uniqueEmail('silent'),
      timezone: 'UTC',
      topics: [{ topic: quiet.key }, { topic: bare.key }],
    });
    const s = await createSubscriber(t, input);
    await tick(t.app);

    // Within period + grace: not silent yet.
    clock.set(new Date(start.getTime() + 8 * DAY));
    const early = await t.api().get('/v1/reports/silence').expect(200);
    expect(early.body.totalSilent).toBe(0);

    const nine = new Date(start.getTime() + 10 * DAY);
    nine.setUTCHours(9, 0, 0, 0);
    clock.set(new Date(nine.getTime() - 3 * 3_600_000)); // 06:00: before their send hour
    const report = await t.api().get('/v1/reports/silence').expect(200);
    expect(report.body.totalSilent).toBe(2);
    const byTopic = Object.fromEntries(
      report.body.topics.map((x: { topic: string }) => [x.topic, x]),
    );
    expect(byTopic[quiet.key]).toMatchObject({
      silentSubscribers: 1,
      evergreenTemplate: 'evergreen',
      fallback: 'evergreen',
      oldest: [{ subscriberId: s.id, frequency: 'weekly', lastMessageAt: null }],
    });
    expect(byTopic[bare.key]).toMatchObject({ silentSubscribers: 1, fallback: 'none' });

    // The daily run alerts the marketer, once per topic per day.
    await tick(t.app);
    await eventually(async () => alerts.length >= 2);
    await tick(t.app);
    expect(alerts.map((a) => a.kind)).toEqual(['silent_subscribers', 'silent_subscribers']);
    expect(alerts.map((a) => a.details.topic).sort()).toEqual([quiet.key, bare.key].sort());
    expect(smtp.to(input.email)).toHaveLength(0);

    // At their send hour the fallback goes out; ticking again sends nothing more.
    clock.set(nine);
    await tick(t.app);
    await settled(t.dataSource, nine);
    await tick(t.app);
    await settled(t.dataSource, nine);
    const mails = smtp.to(input.email);
    expect(mails.map((m) => m.parsed.subject)).toEqual(['Still here: Quiet corner']);
    expect(mails[0].parsed.text).toContain('All about Quiet corner.');
    expect(mails[0].header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');

    // Once per period: the following days bring nothing new; then the topic is no longer silent.
    for (let d = 1; d <= 8; d++) {
      const at = new Date(nine.getTime() + d * DAY);
      clock.set(at);
      await tick(t.app);
      await settled(t.dataSource, at);
    }
    expect(smtp.to(input.email)).toHaveLength(1);
    const after = await t.api().get('/v1/reports/silence').expect(200);
    expect(after.body.topics.map((x: { topic: string }) => x.topic)).toEqual([bare.key]);

    // The marketer heard about the bare topic once: eight more days of the same silence are not news.
    const silenceAlerts = async () =>
      (
        await t.dataSource.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM alerts WHERE dedupe_key LIKE $1`,
          [`silence:${bare.key}:%`],
        )
      )[0].n;
    expect(await silenceAlerts()).toBe(1);

    // Someone new falls silent in it: that is news, and the marketer hears it once more.
    const later = await createSubscriber(
      t,
      subscriberInput({
        email: uniqueEmail('silent2'),
        timezone: 'UTC',
        topics: [{ topic: bare.key }],
      }),
    );
    for (let d = 9; d <= 20; d++) {
      const at = new Date(nine.getTime() + d * DAY);
      clock.set(at);
      await tick(t.app);
    }
    const grown = await t.api().get('/v1/reports/silence').expect(200);
    expect(grown.body.topics).toMatchObject([{ topic: bare.key, silentSubscribers: 2 }]);
    expect(later.id).toBeTruthy();
    expect(await silenceAlerts()).toBe(2);
  });

  it('gives the share of recent confirmed opt-ins who received nothing but the confirmation', async () => {
    const before = (await t.api().get('/v1/reports/silence').expect(200)).body.optIns;
    clock.set(new Date(Date.now() + 60_000));
    // One real double opt-in: confirmation, then the welcome.
    const email = uniqueEmail('optin');
    await t
      .http()
      .post('/subscribe')
      .send({ email, locale: 'en', topics: [quiet.key] })
      .expect(202);
    const confirmation = await smtp.waitFor((m) => m.to.includes(email));
    const path = new RegExp(`${PUBLIC_URL.replace(/\./g, '\\.')}(/confirm/[A-Za-z0-9_-]+)`).exec(
      confirmation.parsed.text!,
    )![1];
    await t.http().get(path).expect(200);
    await smtp.waitFor((m) => m.to.includes(email) && m !== confirmation);
    await settled(t.dataSource, clock.now());
    // And one whose welcome never went (as if it had been lost).
    const lost = await createSubscriber(t, { email: uniqueEmail('lost') });
    await t.dataSource.query(`UPDATE subscribers SET confirmed_at = $2 WHERE id = $1`, [
      lost.id,
      clock.now(),
    ]);

    // An hour later both count (the welcome is given that hour to arrive).
    clock.advance(2 * 3_600_000);
    const optIns = (await t.api().get('/v1/reports/silence').expect(200)).body.optIns;
    expect(optIns).toEqual({
      windowDays: 90,
      confirmed: before.confirmed + 2,
      receivedNothing: before.receivedNothing + 1,
      share: (before.receivedNothing + 1) / (before.confirmed + 2),
    });
  });

  it('needs the reports:read scope', async () => {
    const key = await t.keyWith('topics:read');
    const res = await t
      .http()
      .get('/v1/reports/silence')
      .set('Authorization', `Bearer ${key}`)
      .expect(403);
    expect(res.body.message).toContain('reports:read');
    const reader = await t.keyWith('reports:read');
    await t.http().get('/v1/reports/silence').set('Authorization', `Bearer ${reader}`).expect(200);
  });
});
