import { DateTime } from 'luxon';
import { LedgerService } from '../../src/messaging/delivery/ledger.service';
import { slotAfter } from '../../src/audience/topics/frequency';
import { formatLocalDate } from '../../src/platform/locale';
import { FREQUENCIES } from '../../src/audience/topics/topic.entity';
import { createSubscriber, subscriberInput, topicInput, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { eventually, ReceivedMail, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';
import { settled, tick } from '../support/ticks';

const PUBLIC_URL = 'https://tidings.test';

/** The item titles of a digest, in the order the email lists them (from its text part). */
function digestTitles(mail: ReceivedMail): string[] {
  return [...mail.parsed.text!.matchAll(/^(Week \d+ news)$/gm)].map((m) => m[1]);
}

describe('Digests at each subscriber’s frequency (controllable clock, real SMTP server)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const clock = new ControllableClock('2027-01-04T12:00:00Z');

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      clock,
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        // Ticks come from the test, at the times it chooses.
        SCHEDULER_INTERVAL_MS: '3600000',
        DISPATCH_INTERVAL_MS: '500',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('tidings_next_slot() in SQL is the same rule as slotAfter() and firstDueAt()', async () => {
    const cases: Array<[string, string]> = [];
    for (const zone of ['Europe/Amsterdam', 'America/New_York', 'Asia/Kolkata', 'UTC']) {
      for (const at of [
        '2027-01-31T23:30:00Z',
        '2027-03-13T12:00:00Z',
        '2027-03-27T23:59:00Z',
        '2027-10-30T05:00:00Z',
        '2027-12-31T08:59:59Z',
      ]) {
        cases.push([zone, at]);
      }
    }
    for (const [zone, at] of cases) {
      for (const frequency of FREQUENCIES) {
        const [row] = await t.dataSource.query<{ slot: Date }[]>(
          `SELECT tidings_next_slot($1, $2, $3, 9) AS slot`,
          [at, frequency, zone],
        );
        expect({ zone, at, frequency, slot: row.slot.toISOString() }).toEqual({
          zone,
          at,
          frequency,
          slot: slotAfter(new Date(at), frequency, zone).toISOString(),
        });
      }
    }
  });

  it('over a simulated quarter: a biweekly and a quarterly subscriber get exactly the expected digests, on their local dates, each item once', async () => {
    const topic = topicInput({
      name: 'Field notes',
      allowedFrequencies: ['biweekly', 'quarterly'],
      defaultFrequency: 'quarterly',
    });
    await t.api().post('/v1/topics').send(topic).expect(201);
    const ams = subscriberInput({
      email: uniqueEmail('ams'),
      timezone: 'Europe/Amsterdam',
      topics: [{ topic: topic.key, frequency: 'biweekly' }],
    });
    const nyc = subscriberInput({
      email: uniqueEmail('nyc'),
      timezone: 'America/New_York',
      topics: [{ topic: topic.key, frequency: 'quarterly' }],
    });
    const a = await createSubscriber(t, ams);
    const b = await createSubscriber(t, nyc);

    // The first tick starts their first period (like a confirmation would).
    await tick(t.app);
    const subs = await t.api().get(`/v1/subscribers/${a.id}`).expect(200);
    expect(subs.body.subscriptions[0].nextDueAt).toBe('2027-01-18T08:00:00.000Z');

    // A quarter, content every Tuesday; ticks around both send hours (and one that must not send).
    const published: string[] = [];
    let week = 0;
    const start = DateTime.fromISO('2027-01-04T00:00:00Z', { zone: 'UTC' });
    const end = DateTime.fromISO('2027-04-05T00:00:00Z', { zone: 'UTC' });
    for (let day = start; day < end; day = day.plus({ days: 1 })) {
      if (day.weekday === 2) {
        clock.set(day.set({ hour: 10 }).toJSDate());
        week += 1;
        const title = `Week ${week} news`;
        await t
          .api()
          .post('/v1/content-items')
          .send({
            topic: topic.key,
            kind: 'editorial',
            title,
            summary: `What happened in week ${week}.`,
            link: `https://www.example.com/notes/${week}`,
          })
          .expect(201);
        published.push(title);
      }
      for (const hour of [7, 8, 13, 14, 20]) {
        const at = day.set({ hour }).toJSDate();
        if (at.getTime() < new Date('2027-01-04T12:00:00Z').getTime()) continue;
        clock.set(at);
        await tick(t.app);
        await settled(t.dataSource, at);
      }
    }
    expect(published).toHaveLength(13);

    const digests = async (subscriberId: string) =>
      t.dataSource.query<{ sent_at: Date; status: string }[]>(
        `SELECT sent_at, status FROM outbound_messages
          WHERE subscriber_id = $1 AND template = 'digest' ORDER BY created_at`,
        [subscriberId],
      );
    const local = (d: Date, zone: string) =>
      DateTime.fromJSDate(d, { zone }).toFormat("yyyy-MM-dd HH':'mm");

    const aDigests = await digests(a.id);
    expect(aDigests.map((d) => d.status)).toEqual(Array(6).fill('sent'));
    expect(aDigests.map((d) => local(d.sent_at, 'Europe/Amsterdam'))).toEqual([
      '2027-01-18 09:00',
      '2027-02-01 09:00',
      '2027-02-15 09:00',
      '2027-03-01 09:00',
      '2027-03-15 09:00',
      '2027-03-29 09:00', // after the switch to summer time on 28 March
    ]);
    const bDigests = await digests(b.id);
    expect(bDigests.map((d) => d.status)).toEqual(['sent']);
    expect(bDigests.map((d) => local(d.sent_at, 'America/New_York'))).toEqual(['2027-04-04 09:00']);

    // What arrived: the same digests, newest item first, every item once.
    const aMails = smtp.to(ams.email);
    expect(aMails).toHaveLength(6);
    expect(aMails.map(digestTitles)).toEqual([
      ['Week 2 news', 'Week 1 news'],
      ['Week 4 news', 'Week 3 news'],
      ['Week 6 news', 'Week 5 news'],
      ['Week 8 news', 'Week 7 news'],
      ['Week 10 news', 'Week 9 news'],
      ['Week 12 news', 'Week 11 news'],
    ]);
    const bMails = smtp.to(nyc.email);
    expect(bMails).toHaveLength(1);
    expect(digestTitles(bMails[0])).toEqual([...published].reverse());
    expect(bMails[0].parsed.subject).toBe('Field notes: Week 13 news and more');
    expect(bMails[0].parsed.text).toContain('You get this quarterly because you subscribed to');
    expect(aMails[0].parsed.text).toContain('You get this every two weeks because');
    expect(aMails[0].header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    // Week 13 waits for the biweekly subscriber's next digest (after the quarter).
    expect(aMails.flatMap(digestTitles)).not.toContain('Week 13 news');
  }, 300_000);

  it('sends the first digest on the date the welcome promised, and no digest before it', async () => {
    clock.set(new Date(Date.now() + 60_000));
    const topic = topicInput({
      name: 'Release notes',
      allowedFrequencies: ['weekly', 'biweekly'],
      defaultFrequency: 'biweekly',
    });
    await t.api().post('/v1/topics').send(topic).expect(201);
    const email = uniqueEmail('welcome');
    await t
      .http()
      .post('/subscribe')
      .send({
        email,
        locale: 'en',
        timezone: 'Europe/Amsterdam',
        topics: [`${topic.key}:biweekly`],
      })
      .expect(202);
    const confirmation = await smtp.waitFor((m) => m.to.includes(email));
    const confirmPath = new RegExp(
      `${PUBLIC_URL.replace(/\./g, '\\.')}(/confirm/[A-Za-z0-9_-]+)`,
    ).exec(confirmation.parsed.text!)![1];
    await t.http().get(confirmPath).expect(200);
    const welcome = await smtp.waitFor((m) => m.to.includes(email) && m !== confirmation);
    const promised = /First message expected: ([^\n]+)/.exec(welcome.parsed.text!)![1].trim();

    clock.advance(3_600_000);
    await t
      .api()
      .post('/v1/content-items')
      .send({ topic: topic.key, kind: 'editorial', title: 'First release', summary: 'It shipped.' })
      .expect(201);
    const subscriber = await t
      .api()
      .get(`/v1/subscribers/${encodeURIComponent(email)}`)
      .expect(200);
    const due = new Date(subscriber.body.subscriptions[0].nextDueAt as string);
    const dueLocal = DateTime.fromJSDate(due, { zone: 'Europe/Amsterdam' });
    expect(dueLocal.toFormat('HH:mm')).toBe('09:00');
    expect(formatLocalDate(due, 'Europe/Amsterdam', 'en')).toBe(promised);

    // The day before, at the send hour: content is waiting, but the period has not come due.
    const dayBefore = dueLocal.minus({ days: 1 }).toJSDate();
    clock.set(dayBefore);
    await tick(t.app);
    await settled(t.dataSource, dayBefore);
    expect(smtp.to(email)).toHaveLength(2);

    clock.set(due);
    await tick(t.app);
    const digest = await smtp.waitFor(
      (m) => m.to.includes(email) && m.parsed.subject!.startsWith('Release notes'),
    );
    expect(digest.parsed.text).toContain('First release');
    await eventually(async () => {
      const [row] = await t.dataSource.query<{ sent_at: Date }[]>(
        `SELECT m.sent_at FROM outbound_messages m JOIN subscribers s ON s.id = m.subscriber_id
          WHERE s.email = $1 AND m.template = 'digest' AND m.status = 'sent'`,
        [email],
      );
      return row?.sent_at.getTime() === due.getTime();
    });
  }, 60_000);

  it('folds a campaign-only item into the next digest of those without room, and of no one outside the segment', async () => {
    const topic = topicInput({
      name: 'Members',
      allowedFrequencies: ['weekly'],
      defaultFrequency: 'weekly',
    });
    const topicId = (await t.api().post('/v1/topics').send(topic).expect(201)).body.id as string;
    const join = async (isCustomer: boolean, at: string) => {
      clock.set(at);
      const s = await createSubscriber(t, {
        email: uniqueEmail('fold'),
        timezone: 'UTC',
        isCustomer,
        topics: [{ topic: topic.key }],
      });
      await tick(t.app);
      return s;
    };
    const withRoom = await join(true, '2027-06-07T10:00:00Z');
    const prospect = await join(false, '2027-06-07T10:00:00Z');
    const withoutRoom = await join(true, '2027-06-12T10:00:00Z');
    // They had news in this topic before (a year ago), so their room is their slot alone: a
    // subscription that never had a regular message has room in its first period.
    await t.dataSource.query(
      `INSERT INTO outbound_messages (dedupe_key, subscriber_id, topic_id, template, kind, status,
                                     created_at, send_after, sent_at)
       VALUES ('earlier:' || $1, $1::uuid, $2, 'evergreen', 'editorial', 'sent', $3, $3, $3)`,
      [withoutRoom.id, topicId, '2026-06-12T10:00:00Z'],
    );

    clock.set('2027-06-15T10:00:00Z');
    const item = (
      await t
        .api()
        .post('/v1/content-items')
        .send({
          topic: topic.key,
          kind: 'editorial',
          title: 'Members-only preview',
          inDigests: false,
        })
        .expect(201)
    ).body;
    const campaign = (
      await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: topic.key, contentItem: item.id, segment: { customer: true } })
        .expect(201)
    ).body;
    const done = await eventually(async () => {
      const res = await t.api().get(`/v1/campaigns/${campaign.id}`).expect(200);
      return res.body.status === 'sent' && res.body.stats.queued + res.body.stats.sending === 0
        ? res.body
        : null;
    });
    expect(done.stats).toMatchObject({ audienceSize: 2, sent: 1, folded: 1 });

    for (let day = 15; day <= 30; day++) {
      const at = new Date(Date.UTC(2027, 5, day, 9));
      clock.set(at);
      await tick(t.app);
      await settled(t.dataSource, at);
    }
    const subjects = (email: string) => smtp.to(email).map((m) => m.parsed.subject);
    expect(subjects(withRoom.email)).toEqual(['Members-only preview']);
    expect(subjects(withoutRoom.email)).toEqual(['Members: Members-only preview']);
    expect(subjects(prospect.email)).toEqual([]);
    const [digest] = await t.dataSource.query<{ sent_at: Date }[]>(
      `SELECT sent_at FROM outbound_messages WHERE subscriber_id = $1 AND template = 'digest'`,
      [withoutRoom.id],
    );
    expect(digest.sent_at.toISOString()).toBe('2027-06-19T09:00:00.000Z');
  });

  it('moves the next slot when the frequency changes, and re-checks the frequency at send time', async () => {
    const topic = topicInput({
      name: 'Tips',
      allowedFrequencies: ['weekly', 'quarterly'],
      defaultFrequency: 'quarterly',
    });
    const created = (await t.api().post('/v1/topics').send(topic).expect(201)).body;
    clock.set('2027-07-05T10:00:00Z');
    const s = await createSubscriber(t, {
      email: uniqueEmail('freq'),
      timezone: 'UTC',
      topics: [{ topic: topic.key }],
    });
    await tick(t.app);
    const nextDue = async () =>
      (await t.api().get(`/v1/subscribers/${s.id}`).expect(200)).body.subscriptions[0].nextDueAt;
    expect(await nextDue()).toBe('2027-10-05T09:00:00.000Z');
    await t
      .api()
      .patch(`/v1/subscribers/${s.id}/subscriptions/${topic.key}`)
      .send({ frequency: 'weekly' })
      .expect(200);
    expect(await nextDue()).toBe('2027-07-12T09:00:00.000Z');

    // Two regular messages of the topic within one week, written past the scheduler: the second
    // is skipped when it is about to be sent.
    const ledger = t.app.get(LedgerService);
    const message = (key: string) => ({
      dedupeKey: key,
      subscriberId: s.id,
      topicId: created.id,
      template: 'evergreen',
      kind: 'editorial' as const,
      data: { topic: { name: 'Tips', description: '' }, frequencyLabel: 'weekly' },
    });
    const [first] = await ledger.send([message(`freq-1:${s.id}`)]);
    await settled(t.dataSource, clock.now());
    clock.advance(3 * 86_400_000);
    const [second] = await ledger.send([message(`freq-2:${s.id}`)]);
    await settled(t.dataSource, clock.now());
    const rows = await t.dataSource.query<
      { id: string; status: string; skip_reason: string | null }[]
    >(`SELECT id, status, skip_reason FROM outbound_messages WHERE id = ANY($1)`, [
      [first, second],
    ]);
    expect(rows.find((r) => r.id === first)).toMatchObject({ status: 'sent' });
    expect(rows.find((r) => r.id === second)).toMatchObject({
      status: 'skipped',
      skip_reason: 'frequency',
    });
  });
});
