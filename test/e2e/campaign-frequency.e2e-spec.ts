import { DateTime } from 'luxon';
import { CampaignFanout } from '../../src/programmes/campaigns/campaign-fanout.service';
import { slotAfter } from '../../src/audience/topics/frequency';
import { FREQUENCIES, Frequency } from '../../src/audience/topics/topic.entity';
import { topicInput, unique } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { eventually, ReceivedMail, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';
import { settled, tick } from '../support/ticks';

interface Person {
  id: string;
  email: string;
  timezone: string;
  frequency: Frequency;
  joinedAt: Date;
}

const AUDIENCE = 1000;

/** How often a line equal to `title` appears in the text parts of these emails. */
function copiesOf(title: string, mails: ReceivedMail[]): number {
  return mails.reduce(
    (n, m) => n + m.parsed.text!.split('\n').filter((l) => l.trim() === title).length,
    0,
  );
}

describe('A campaign to 1,000 subscribers of mixed frequencies (controllable clock, real SMTP server)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const clock = new ControllableClock('2027-01-04T06:00:00Z');
  const people: Person[] = [];
  let news: { id: string; key: string };
  let flash: { id: string; key: string };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      clock,
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://tidings.test',
        SCHEDULER_INTERVAL_MS: '3600000',
        DISPATCH_INTERVAL_MS: '500',
        CAMPAIGN_FANOUT_BATCH_SIZE: '100',
        CAMPAIGN_MAX_WAITING_JOBS: '2',
      },
    });
    const topic = (key: string, name: string) =>
      t
        .api()
        .post('/v1/topics')
        .send(
          topicInput({
            key,
            name,
            allowedFrequencies: [...FREQUENCIES],
            defaultFrequency: 'monthly',
          }),
        )
        .expect(201)
        .then((r) => r.body as { id: string; key: string });
    news = await topic(unique('news'), 'News');
    flash = await topic(unique('flash'), 'Flash');

    // 1,000 subscribers in two time zones; four frequencies; four cohorts joining three days apart.
    const run = unique('c');
    const rows = await t.dataSource.query<
      { id: string; email: string; timezone: string; g: number }[]
    >(
      `INSERT INTO subscribers (email, name, locale, timezone, status)
       SELECT 'p' || g || '.' || $1 || '@example.test', 'Person ' || g, 'en',
              CASE WHEN g % 2 = 0 THEN 'UTC' ELSE 'Europe/Amsterdam' END, 'active'
         FROM generate_series(0, $2 - 1) g
       RETURNING id, email, timezone, split_part(split_part(email, '.', 1), 'p', 2)::int AS g`,
      [run, AUDIENCE],
    );
    for (let cohort = 0; cohort < 4; cohort++) {
      const joinedAt = new Date(Date.UTC(2027, 0, 4 + 3 * cohort, 6));
      clock.set(joinedAt);
      const members = rows.filter((r) => Math.floor(r.g / 4) % 4 === cohort);
      const frequencies = members.map((r) => FREQUENCIES[r.g % 4]);
      for (const topicId of [news.id, flash.id]) {
        await t.dataSource.query(
          `INSERT INTO subscriptions (subscriber_id, topic_id, status, frequency)
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[])`,
          [
            members.map((m) => m.id),
            members.map(() => topicId),
            members.map(() => 'active'),
            frequencies,
          ],
        );
      }
      // The scheduler starts their first period when it first sees them.
      await tick(t.app);
      members.forEach((m, i) =>
        people.push({
          id: m.id,
          email: m.email,
          timezone: m.timezone,
          frequency: frequencies[i],
          joinedAt,
        }),
      );
    }
    expect(people).toHaveLength(AUDIENCE);
    // Each had news from us a year before joining this run, so their room depends on their slot
    // alone (a subscription that never had a regular message has room in its first period:
    // campaigns-api.e2e-spec.ts).
    await t.dataSource.query(
      `INSERT INTO outbound_messages (dedupe_key, subscriber_id, topic_id, template, kind, status,
                                     created_at, send_after, sent_at)
       SELECT 'earlier:' || p.id, p.id, $2, 'evergreen', 'editorial', 'sent', $3, $3, $3
         FROM unnest($1::uuid[]) AS p(id)`,
      [people.map((p) => p.id), news.id, '2026-01-04T06:00:00Z'],
    );
    // Bulk-loaded tables get planner statistics the way autovacuum would give them.
    await t.dataSource.query('ANALYZE subscribers, subscriptions');
  }, 60_000);

  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('sends it now to those with room, folds it into the next digest for the rest, and nobody gets it twice', async () => {
    const campaignAt = new Date('2027-01-20T10:00:00Z');
    const withRoom = new Set(
      people
        .filter(
          (p) => slotAfter(p.joinedAt, p.frequency, p.timezone).getTime() <= campaignAt.getTime(),
        )
        .map((p) => p.id),
    );
    // Every frequency is represented on both sides.
    expect(withRoom.size).toBeGreaterThan(200);
    expect(withRoom.size).toBeLessThan(500);

    clock.set('2027-01-20T09:30:00Z');
    const x = (
      await t
        .api()
        .post('/v1/content-items')
        .send({
          topic: news.key,
          kind: 'editorial',
          title: 'The big January update',
          summary: 'Everything that changed.',
          body: '## What changed\n\nA **lot**. Read on.',
          bodyFormat: 'markdown',
          link: 'https://www.example.com/january',
        })
        .expect(201)
    ).body;
    clock.set(campaignAt);
    const created = await t
      .api()
      .post('/v1/campaigns')
      .send({ topic: news.key, contentItem: x.id, idempotencyKey: unique('jan') })
      .expect(201);
    const campaignId = created.body.id as string;
    expect(created.body.status).toBe('running');

    const done = await eventually(async () => {
      const res = await t.api().get(`/v1/campaigns/${campaignId}`).expect(200);
      const s = res.body.stats;
      return res.body.status === 'sent' && s.queued === 0 && s.sending === 0 ? res.body : null;
    }, 60_000);
    expect(done.stats).toMatchObject({
      audienceSize: AUDIENCE,
      fannedOut: AUDIENCE,
      progress: 1,
      sent: withRoom.size,
      folded: AUDIENCE - withRoom.size,
      failed: 0,
      skipped: { folded: AUDIENCE - withRoom.size },
    });
    const rows = await t.dataSource.query<
      { subscriber_id: string; status: string; skip_reason: string | null }[]
    >(`SELECT subscriber_id, status, skip_reason FROM outbound_messages WHERE campaign_id = $1`, [
      campaignId,
    ]);
    for (const r of rows) {
      expect({ id: r.subscriber_id, status: r.status, reason: r.skip_reason }).toEqual({
        id: r.subscriber_id,
        status: withRoom.has(r.subscriber_id) ? 'sent' : 'skipped',
        reason: withRoom.has(r.subscriber_id) ? null : 'folded',
      });
    }
    const campaignMails = smtp.messages.filter(
      (m) => m.parsed.subject === 'The big January update',
    );
    expect(campaignMails).toHaveLength(withRoom.size);
    expect(new Set(campaignMails.map((m) => m.to[0]))).toEqual(
      new Set(people.filter((p) => withRoom.has(p.id)).map((p) => p.email)),
    );
    expect(campaignMails[0].parsed.html).toContain('<strong>lot</strong>');

    // More content the next day, then three months of days, ticking around both send hours.
    clock.set('2027-01-21T10:00:00Z');
    await t
      .api()
      .post('/v1/content-items')
      .send({ topic: news.key, kind: 'editorial', title: 'A February follow-up', summary: 'More.' })
      .expect(201);
    for (
      let day = DateTime.fromISO('2027-01-21T00:00:00Z', { zone: 'UTC' });
      day < DateTime.fromISO('2027-05-01T00:00:00Z', { zone: 'UTC' });
      day = day.plus({ days: 1 })
    ) {
      for (const hour of [7, 8, 9]) {
        const at = day.set({ hour }).toJSDate();
        clock.set(at);
        await tick(t.app);
        await settled(t.dataSource, at);
      }
    }

    for (const p of people) {
      const mails = smtp.to(p.email);
      // Each of them has the campaign's item exactly once and the follow-up exactly once.
      expect({ who: p.id, x: copiesOf('The big January update', mails) }).toEqual({
        who: p.id,
        x: 1,
      });
      expect({ who: p.id, y: copiesOf('A February follow-up', mails) }).toEqual({
        who: p.id,
        y: 1,
      });
      if (!withRoom.has(p.id)) {
        // Folded: their next message is a digest that carries it.
        expect(mails[0].parsed.subject).toMatch(/^News: /);
        expect(copiesOf('The big January update', [mails[0]])).toBe(1);
        const [digest] = await t.dataSource.query<{ sent_at: Date }[]>(
          `SELECT sent_at FROM outbound_messages WHERE subscriber_id = $1 AND template = 'digest'
            ORDER BY created_at LIMIT 1`,
          [p.id],
        );
        // ... on the first day their period allowed.
        expect(digest.sent_at.toISOString()).toBe(
          slotAfter(p.joinedAt, p.frequency, p.timezone).toISOString(),
        );
      }
    }
    // In the ledger too: no subscriber has the item in two messages.
    const [dupes] = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM (
         SELECT subscriber_id FROM outbound_messages
          WHERE $1 = ANY (content_item_ids) AND status IN ('queued', 'sending', 'sent')
          GROUP BY subscriber_id HAVING count(*) > 1) d`,
      [x.id],
    );
    expect(dupes.n).toBe(0);
  }, 600_000);

  it('cancelling mid-run stops the rest: no more ledger rows, queued ones skipped, nothing more sent', async () => {
    smtp.acceptDelayMs = 25;
    clock.set('2027-05-03T10:00:00Z');
    const z = (
      await t
        .api()
        .post('/v1/content-items')
        .send({
          topic: flash.key,
          kind: 'editorial',
          title: 'Flash: we moved',
          summary: 'New address.',
        })
        .expect(201)
    ).body;
    const created = await t
      .api()
      .post('/v1/campaigns')
      .send({ topic: flash.key, contentItem: z.id })
      .expect(201);
    const id = created.body.id as string;
    // Progress is visible while it runs.
    const midway = await eventually(async () => {
      const res = await t.api().get(`/v1/campaigns/${id}`).expect(200);
      return res.body.stats.sent >= 50 ? res.body : null;
    }, 30_000);
    expect(midway.status).toBe('running');
    expect(midway.stats.progress).toBeGreaterThan(0);
    expect(midway.stats.progress).toBeLessThan(1);

    const cancelled = await t.api().post(`/v1/campaigns/${id}/cancel`).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    await eventually(async () => {
      const res = await t.api().get(`/v1/campaigns/${id}`).expect(200);
      return res.body.stats.queued === 0 && res.body.stats.sending === 0;
    }, 30_000);
    // The fan-out saw the cancellation and writes nothing more, even when run again.
    expect(await t.app.get(CampaignFanout).run(id)).toEqual({ batches: 0, written: 0 });
    const final = (await t.api().get(`/v1/campaigns/${id}`).expect(200)).body;
    expect(final.status).toBe('cancelled');
    expect(final.stats.fannedOut).toBeLessThan(AUDIENCE);
    expect(final.stats.sent).toBeGreaterThanOrEqual(50);
    expect(final.stats.skipped.cancelled).toBeGreaterThan(0);
    expect(final.stats.sent + final.stats.skipped.cancelled).toBe(final.stats.fannedOut);
    const flashMails = () => smtp.messages.filter((m) => m.parsed.subject === 'Flash: we moved');
    expect(flashMails()).toHaveLength(final.stats.sent);

    // Those it never reached keep their room for the period.
    const [room] = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM outbound_messages m
         JOIN subscriptions x ON x.subscriber_id = m.subscriber_id AND x.topic_id = m.topic_id
        WHERE m.campaign_id = $1 AND m.skip_reason = 'cancelled' AND x.next_due_at > $2`,
      [id, clock.now()],
    );
    expect(room.n).toBe(0);

    // Cancelling again changes nothing; nothing else arrives once everything settled.
    await t.api().post(`/v1/campaigns/${id}/cancel`).expect(200);
    smtp.acceptDelayMs = 0;
    await settled(t.dataSource, clock.now());
    expect(flashMails()).toHaveLength(final.stats.sent);
  }, 120_000);
});
