import { nextInWindow } from '../../src/messaging/send-window';
import { UpcomingNotices } from '../../src/programmes/upcoming-notices';
import { createSubscriber, lifecycleRuleInput, topicInput, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { LifecycleDriver } from '../support/lifecycle-driver';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const DAY = 86_400_000;

describe('Lifecycle date notices through simulated time (real PostgreSQL, Redis and SMTP)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let drive: LifecycleDriver;
  let topicKey: string;
  // 20 October 2026: both zones are on summer time; Amsterdam leaves it on 25 October, New York
  // on 1 November, both before the notice day (4 November).
  const clock = new ControllableClock('2026-10-20T10:00:00Z');

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      clock,
      env: { SMTP_URL: smtp.url, DISPATCH_INTERVAL_MS: '60000', DELIVERY_RETRY_BASE_MS: '100' },
    });
    drive = new LifecycleDriver(t, clock);
    const topic = topicInput({
      kind: 'notice',
      name: 'Renewal reminders',
      allowedFrequencies: ['monthly'],
    });
    topicKey = topic.key;
    await t.api().post('/v1/topics').send(topic).expect(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const subscriber = (overrides: Record<string, unknown> = {}) =>
    createSubscriber(t, {
      email: uniqueEmail('life'),
      topics: [{ topic: topicKey }],
      ...overrides,
    });

  async function rule(overrides: Record<string, unknown> = {}) {
    const res = await t
      .api()
      .post('/v1/lifecycle-rules')
      .send(lifecycleRuleInput(topicKey, overrides))
      .expect(201);
    return res.body as { id: string; key: string };
  }

  async function ledger(subscriberId: string) {
    return await t.dataSource.query<
      Array<{
        id: string;
        dedupe_key: string;
        status: string;
        skip_reason: string | null;
        send_after: Date;
        sent_at: Date | null;
        deadline_at: Date | null;
        data: Record<string, unknown>;
      }>
    >(
      `SELECT id, dedupe_key, status, skip_reason, send_after, sent_at, deadline_at, data
         FROM outbound_messages WHERE subscriber_id = $1 AND rule_id IS NOT NULL ORDER BY created_at`,
      [subscriberId],
    );
  }

  it('sends a renewal notice once, on day 15 at 09:00 local, in Amsterdam and New York across their DST changes', async () => {
    const renewal = await rule({ key: 'renewal-dst' });
    const ams = await subscriber({
      timezone: 'Europe/Amsterdam',
      dates: { renewal_date: '2026-12-04' },
    });
    const nyc = await subscriber({
      timezone: 'America/New_York',
      locale: 'nl',
      dates: { renewal_date: '2026-12-04' },
    });
    const mail = (s: { email: string }) => smtp.to(s.email);

    // Days 0 to 14, once a day: nothing goes out.
    await drive.step('2026-10-20T10:00:00Z');
    await drive.walk('2026-11-03T10:00:00Z', DAY, async () => {
      expect(mail(ams)).toHaveLength(0);
      expect(mail(nyc)).toHaveLength(0);
    });
    // Written ahead (the send day has come somewhere on earth) for 09:00 local on 4 November:
    // 08:00 UTC in Amsterdam (CET, UTC+1) and 14:00 UTC in New York (EST, UTC-5).
    const [a] = await ledger(ams.id);
    const [n] = await ledger(nyc.id);
    expect(a).toMatchObject({
      status: 'queued',
      dedupe_key: `rule:${renewal.id}:${ams.id}:2026-12-04`,
    });
    expect(a.send_after.toISOString()).toBe('2026-11-04T08:00:00.000Z');
    expect(n.send_after.toISOString()).toBe('2026-11-04T14:00:00.000Z');
    // Deadline: the end of the send window 14 days before the renewal.
    expect(a.deadline_at!.toISOString()).toBe('2026-11-20T16:00:00.000Z');

    // Day 15, every 15 minutes from midnight UTC: each goes out at its own 09:00.
    clock.set('2026-11-04T00:00:00Z');
    await drive.walk('2026-11-04T18:00:00Z', 15 * 60_000, async (at) => {
      expect(mail(ams)).toHaveLength(at >= new Date('2026-11-04T08:00:00Z') ? 1 : 0);
      expect(mail(nyc)).toHaveLength(at >= new Date('2026-11-04T14:00:00Z') ? 1 : 0);
    });
    const [sentA] = await ledger(ams.id);
    const [sentN] = await ledger(nyc.id);
    expect(sentA).toMatchObject({ status: 'sent' });
    expect(sentA.sent_at!.toISOString()).toBe('2026-11-04T08:00:00.000Z');
    expect(sentN.sent_at!.toISOString()).toBe('2026-11-04T14:00:00.000Z');
    expect(mail(ams)[0].parsed.subject).toBe('Your policy renews on 4 December 2026');
    expect(mail(nyc)[0].parsed.subject).toBe('Je policy wordt op 4 december 2026 verlengd');
    expect(mail(ams)[0].parsed.text).toContain('You can until 20 November 2026');
    expect(mail(ams)[0].header('List-Unsubscribe')).toBeTruthy();

    // On to day 46: still exactly once, and one ledger row each.
    await drive.walk('2026-12-05T10:00:00Z', DAY);
    await drive.step('2026-12-05T10:00:00Z');
    expect(mail(ams)).toHaveLength(1);
    expect(mail(nyc)).toHaveLength(1);
    expect(await ledger(ams.id)).toHaveLength(1);
    expect(await ledger(nyc.id)).toHaveLength(1);
    await t.api().delete(`/v1/lifecycle-rules/${renewal.key}`).expect(204);
  });

  it("places send windows the same way in PostgreSQL (the scans) and luxon (delivery's pause deferral), across DST changes", async () => {
    const zones = ['Europe/Amsterdam', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata'];
    const instants: string[] = [];
    // Every 50 minutes across both 2026 autumn changes and the 2027 spring ones.
    for (const [from, to] of [
      ['2026-10-24T00:00:00Z', '2026-11-02T00:00:00Z'],
      ['2027-03-13T00:00:00Z', '2027-04-05T00:00:00Z'],
    ]) {
      for (let at = Date.parse(from); at < Date.parse(to); at += 50 * 60_000) {
        instants.push(new Date(at).toISOString());
      }
    }
    const rows = await t.dataSource.query<Array<{ tz: string; at: Date; sql: Date }>>(
      `SELECT z.tz, i.at, lifecycle_next_window(i.at, z.tz, '09:00', '17:00') AS sql
         FROM unnest($1::text[]) AS z(tz), unnest($2::timestamptz[]) AS i(at)`,
      [zones, instants],
    );
    expect(rows).toHaveLength(zones.length * instants.length);
    const differing = rows.filter((r) => nextInWindow(r.at, r.tz).getTime() !== r.sql.getTime());
    expect(differing).toEqual([]);
  });

  it('sends at once to a subscriber whose renewal is already inside the lead time, while the deadline allows', async () => {
    clock.set('2027-02-01T10:00:00Z'); // 11:00 in Amsterdam
    await rule({ key: 'renewal-late', deadlineDays: -7 });
    const late = await subscriber({ dates: { renewal_date: '2027-02-11' } });
    const tooLate = await subscriber({ dates: { renewal_date: '2027-02-05' } }); // deadline 29 January: passed
    await drive.step('2027-02-01T10:00:00Z');
    const [row] = await ledger(late.id);
    expect(row).toMatchObject({ status: 'sent' });
    expect(row.sent_at!.toISOString()).toBe('2027-02-01T10:00:00.000Z');
    expect(smtp.to(late.email)).toHaveLength(1);
    expect(await ledger(tooLate.id)).toEqual([]);
    await drive.step('2027-02-01T11:00:00Z');
    expect(smtp.to(late.email)).toHaveLength(1);
    await t.api().delete('/v1/lifecycle-rules/renewal-late').expect(204);
  });

  it('reschedules when the date changes, cancels when it is removed, and never sends the cancelled one', async () => {
    clock.set('2027-03-01T06:00:00Z');
    await rule({ key: 'renewal-moves' });
    const s = await subscriber({ dates: { renewal_date: '2027-03-31' } }); // send day: 1 March
    const gone = await subscriber({ dates: { renewal_date: '2027-04-01' } }); // send day: 2 March
    await drive.step('2027-03-01T06:00:00Z');
    const [first] = await ledger(s.id);
    expect(first).toMatchObject({ status: 'queued' });
    expect(first.send_after.toISOString()).toBe('2027-03-01T08:00:00.000Z');
    expect((await ledger(gone.id))[0]).toMatchObject({ status: 'queued' });

    await t
      .api()
      .patch(`/v1/subscribers/${s.id}`)
      .send({ dates: { renewal_date: '2027-04-15' } })
      .expect(200);
    await t
      .api()
      .patch(`/v1/subscribers/${gone.id}`)
      .send({ dates: { renewal_date: null } })
      .expect(200);
    await drive.step('2027-03-01T06:01:00Z');
    const moved = await ledger(s.id);
    expect(moved[0]).toMatchObject({ status: 'skipped', skip_reason: 'date_changed' });
    expect(await ledger(gone.id)).toEqual([
      expect.objectContaining({ status: 'skipped', skip_reason: 'date_removed' }),
    ]);

    // Through the old send day: nothing. The new one (16 March) is written the day before.
    await drive.walk('2027-03-16T06:01:00Z', DAY / 2);
    expect(smtp.to(s.email)).toHaveLength(0);
    await drive.step('2027-03-16T08:00:00Z');
    const after = await ledger(s.id);
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({
      status: 'sent',
      dedupe_key: expect.stringMatching(/:2027-04-15$/),
    });
    expect(after[1].sent_at!.toISOString()).toBe('2027-03-16T08:00:00.000Z');
    expect(smtp.to(s.email)).toHaveLength(1);
    expect(smtp.to(s.email)[0].parsed.subject).toContain('15 April 2027');
    expect(smtp.to(gone.email)).toHaveLength(0);
    await t.api().delete('/v1/lifecycle-rules/renewal-moves').expect(204);
  });

  it('lists upcoming notices for the preference center, and explains a notice that comes during a pause', async () => {
    clock.set('2027-05-01T10:00:00Z');
    await rule({ key: 'renewal-upcoming' });
    const s = await subscriber({ dates: { renewal_date: '2027-07-15' } });
    const upcoming = t.app.get(UpcomingNotices);
    const list = await upcoming.for(s.id, 'en', clock.now());
    expect(list).toEqual([
      {
        description: 'A reminder 30 days before your renewal on 15 July 2027',
        plannedAt: new Date('2027-06-15T07:00:00Z'),
        topicKey,
      },
    ]);
    // Paused through the whole lead time: the deadline (1 July) would pass, so it still comes.
    await t.dataSource.query(
      `UPDATE subscribers SET paused_until = '2027-08-01T00:00:00Z' WHERE id = $1`,
      [s.id],
    );
    const [paused] = await upcoming.for(s.id, 'nl', clock.now());
    expect(paused.description).toBe(
      'Een herinnering 30 dagen voor je verlenging op 15 juli 2027 (ook tijdens je pauze: dit kan niet wachten tot je pauze voorbij is, omdat het je uiterlijk 1 juli 2027 moet bereiken)',
    );
    // A short pause: it comes after the pause instead.
    await t.dataSource.query(
      `UPDATE subscribers SET paused_until = '2027-06-20T12:00:00Z' WHERE id = $1`,
      [s.id],
    );
    const [after] = await upcoming.for(s.id, 'en', clock.now());
    expect(after.plannedAt).toEqual(new Date('2027-06-20T12:00:00Z'));
    expect(after.description).toContain('(after your pause)');
    await t.api().delete('/v1/lifecycle-rules/renewal-upcoming').expect(204);
  });

  it('a pause defers a notice to its end, but never hides one whose deadline would pass', async () => {
    clock.set('2027-09-01T06:00:00Z');
    await rule({ key: 'renewal-pause' });
    const longPause = await subscriber({ dates: { renewal_date: '2027-10-01' } }); // send 1 Sep, deadline 17 Sep
    const shortPause = await subscriber({ dates: { renewal_date: '2027-10-01' } });
    await t.dataSource.query(
      `UPDATE subscribers SET paused_until = CASE WHEN id = $1 THEN '2027-10-15T00:00:00Z'::timestamptz
                                                  ELSE '2027-09-03T20:00:00Z'::timestamptz END
        WHERE id = ANY($2)`,
      [longPause.id, [longPause.id, shortPause.id]],
    );
    await drive.step('2027-09-01T07:00:00Z');
    await drive.step('2027-09-01T08:00:00Z');
    const [sent] = await ledger(longPause.id);
    expect(sent).toMatchObject({ status: 'sent' });
    expect(smtp.to(longPause.email)).toHaveLength(1);
    const [deferred] = await ledger(shortPause.id);
    // Deferred, not skipped: back in the queue for the first window moment after the pause
    // (20:00 UTC is 22:00 in Amsterdam: the next morning, 09:00 local).
    expect(deferred).toMatchObject({ status: 'queued', skip_reason: null });
    expect(deferred.send_after.toISOString()).toBe('2027-09-04T07:00:00.000Z');
    expect(smtp.to(shortPause.email)).toHaveLength(0);
    await drive.walk('2027-09-04T07:00:00Z', DAY / 4);
    await drive.step('2027-09-04T07:00:00Z');
    expect((await ledger(shortPause.id))[0]).toMatchObject({ status: 'sent' });
    expect(smtp.to(shortPause.email)).toHaveLength(1);
  });
});
