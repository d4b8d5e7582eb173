import { LedgerService } from '../../src/messaging/delivery/ledger.service';
import { TokensService } from '../../src/platform/tokens/tokens.service';
import { createSubscriber, createTopics, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { csrfOf, pageText } from '../support/preference-center';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';
import { settled, tick } from '../support/ticks';

const DAY = 86_400_000;

describe('Overall cap: at most N regular emails a week across topics; notices always go (real SMTP server)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let ledger: LedgerService;
  const clock = new ControllableClock('2027-03-01T06:00:00Z');
  const topics: Record<string, { id: string; key: string }> = {};

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      clock,
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://tidings.test',
        SCHEDULER_INTERVAL_MS: '3600000',
        DISPATCH_INTERVAL_MS: '500',
        OVERALL_WEEKLY_CAP: '5',
      },
    });
    ledger = t.app.get(LedgerService);
    Object.assign(
      topics,
      await createTopics(t, [
        ['alpha', 'editorial'],
        ['beta', 'editorial'],
        ['gamma', 'editorial'],
        ['renewals', 'notice'],
      ] as const),
    );
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  async function campaign(topic: string, title: string) {
    const item = (
      await t
        .api()
        .post('/v1/content-items')
        .send({
          topic: topics[topic].key,
          kind: 'editorial',
          title,
          summary: 'Read on.',
          inDigests: false,
        })
        .expect(201)
    ).body;
    const created = (
      await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: topics[topic].key, contentItem: item.id })
        .expect(201)
    ).body;
    await eventually(async () => {
      const res = await t.api().get(`/v1/campaigns/${created.id}`).expect(200);
      return res.body.status === 'sent';
    });
    await settled(t.dataSource, clock.now());
    return created.id as string;
  }

  const rowOf = async (campaignId: string, subscriberId: string) =>
    (
      await t.dataSource.query<{ status: string; skip_reason: string | null }[]>(
        `SELECT status, skip_reason FROM outbound_messages WHERE campaign_id = $1 AND subscriber_id = $2`,
        [campaignId, subscriberId],
      )
    )[0];

  it('sends two of three weekly campaigns to a subscriber with cap 2, folds the third into their next digest, and a notice still goes', async () => {
    const s = await createSubscriber(t, {
      email: uniqueEmail('cap'),
      timezone: 'UTC',
      weeklyCap: 2,
      topics: ['alpha', 'beta', 'gamma', 'renewals'].map((k) => ({
        topic: topics[k].key,
        frequency: k === 'renewals' ? 'monthly' : 'weekly',
      })),
    });
    expect((s as unknown as { weeklyCap: number }).weeklyCap).toBe(2);
    await settled(t.dataSource, clock.now());
    await tick(t.app); // their first periods start

    clock.set(new Date('2027-03-02T10:00:00Z'));
    const first = await campaign('alpha', 'Alpha story');
    clock.advance(60_000);
    const second = await campaign('beta', 'Beta story');
    clock.advance(60_000);
    const third = await campaign('gamma', 'Gamma story');
    expect(await rowOf(first, s.id)).toEqual({ status: 'sent', skip_reason: null });
    expect(await rowOf(second, s.id)).toEqual({ status: 'sent', skip_reason: null });
    expect(await rowOf(third, s.id)).toEqual({ status: 'skipped', skip_reason: 'folded' });
    const stats = (await t.api().get(`/v1/campaigns/${third}`).expect(200)).body.stats;
    expect(stats.folded).toBe(1);

    // Notices never count and are never held.
    const [notice] = await ledger.send([
      {
        dedupeKey: `notice:${s.id}`,
        subscriberId: s.id,
        topicId: topics.renewals.id,
        template: 'notice',
        kind: 'notice',
        data: {
          heading: 'Your policy renews on 1 June',
          intro: 'It renews automatically.',
          reason: 'You have a policy with us.',
        },
      },
    ]);
    await eventually(async () => {
      const [row] = await t.dataSource.query<{ status: string }[]>(
        `SELECT status FROM outbound_messages WHERE id = $1`,
        [notice],
      );
      return row.status === 'sent';
    });
    expect(
      smtp
        .to(s.email)
        .map((m) => m.parsed.subject)
        .sort(),
    ).toEqual(['Alpha story', 'Beta story', 'Your policy renews on 1 June'].sort());

    // Gamma's next slot: its digest carries the folded item, but waits until the first campaign
    // email of the week leaves the 7-day window.
    const sub = (await t.api().get(`/v1/subscribers/${s.id}`).expect(200)).body;
    const gamma = sub.subscriptions.find((x: { topic: string }) => x.topic === topics.gamma.key);
    clock.set(new Date(gamma.nextDueAt));
    await tick(t.app);
    await settled(t.dataSource, clock.now());
    const [digest] = await t.dataSource.query<
      { id: string; status: string; send_after: Date; topic_id: string }[]
    >(
      `SELECT id, status, send_after, topic_id FROM outbound_messages
        WHERE subscriber_id = $1 AND template = 'digest'`,
      [s.id],
    );
    expect(digest.topic_id).toBe(topics.gamma.id);
    const [{ sent_at: firstSentAt }] = await t.dataSource.query<{ sent_at: Date }[]>(
      `SELECT sent_at FROM outbound_messages WHERE campaign_id = $1 AND subscriber_id = $2`,
      [first, s.id],
    );
    expect(clock.now().getTime()).toBeLessThan(firstSentAt.getTime() + 7 * DAY);
    expect(digest.status).toBe('queued');
    expect(digest.send_after.getTime()).toBe(firstSentAt.getTime() + 7 * DAY);
    expect(smtp.to(s.email)).toHaveLength(3);
    clock.set(digest.send_after);
    await eventually(async () => {
      const [row] = await t.dataSource.query<{ status: string }[]>(
        `SELECT status FROM outbound_messages WHERE id = $1`,
        [digest.id],
      );
      return row.status === 'sent';
    });
    const digestMail = smtp.to(s.email).find((m) => m.parsed.text?.includes('Gamma story'));
    expect(digestMail).toBeDefined();
    expect(smtp.to(s.email).map((m) => m.parsed.subject)).not.toContain('Gamma story');

    // In no 7 days did they get more than 2 regular emails.
    const sent = (
      await t.dataSource.query<{ sent_at: Date }[]>(
        `SELECT sent_at FROM outbound_messages
          WHERE subscriber_id = $1 AND kind IN ('editorial', 'promotional') AND status = 'sent'
          ORDER BY sent_at`,
        [s.id],
      )
    ).map((r) => r.sent_at.getTime());
    expect(sent).toHaveLength(3);
    for (const at of sent) {
      expect(sent.filter((x) => x > at - 7 * DAY && x <= at).length).toBeLessThanOrEqual(2);
    }
  });

  it('validates weeklyCap through the API, naming the field; null falls back to the default', async () => {
    for (const bad of [0, 51, 2.5, 'two']) {
      const res = await t
        .api()
        .post('/v1/subscribers')
        .send({ email: uniqueEmail('capbad'), weeklyCap: bad })
        .expect(400);
      expect(res.body.field).toBe('weeklyCap');
    }
    const s = await createSubscriber(t, { email: uniqueEmail('capok') });
    expect((s as unknown as { weeklyCap: number | null }).weeklyCap).toBeNull();
    const set = await t.api().patch(`/v1/subscribers/${s.id}`).send({ weeklyCap: 3 }).expect(200);
    expect(set.body.weeklyCap).toBe(3);
    const bad = await t.api().patch(`/v1/subscribers/${s.id}`).send({ weeklyCap: 100 }).expect(400);
    expect(bad.body.field).toBe('weeklyCap');
    const cleared = await t
      .api()
      .patch(`/v1/subscribers/${s.id}`)
      .send({ weeklyCap: null })
      .expect(200);
    expect(cleared.body.weeklyCap).toBeNull();
  });

  it('holds the marketer default for a subscriber without a choice (template campaigns wait)', async () => {
    // Default 5 here: six regular messages in one batch, the sixth waits for room.
    const s = await createSubscriber(t, { email: uniqueEmail('capdefault'), timezone: 'UTC' });
    const ids = await ledger.send(
      Array.from({ length: 6 }, (_, i) => ({
        dedupeKey: `welcome-series:${s.id}:${i}`,
        subscriberId: s.id,
        template: 'welcome',
        kind: 'editorial' as const,
        data: { topics: [] },
      })),
    );
    await settled(t.dataSource, clock.now());
    const rows = await t.dataSource.query<{ status: string; send_after: Date }[]>(
      `SELECT status, send_after FROM outbound_messages WHERE id = ANY($1)`,
      [ids],
    );
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(5);
    const waiting = rows.filter((r) => r.status === 'queued');
    expect(waiting).toHaveLength(1);
    expect(waiting[0].send_after.getTime()).toBeGreaterThan(clock.now().getTime() + 6 * DAY);
  });

  it('the preference page sets the limit (CSRF, old links may lower it, raising needs a fresh link; nl and en)', async () => {
    const tokens = t.app.get(TokensService);
    const s = await createSubscriber(t, {
      email: uniqueEmail('cappage'),
      topics: [{ topic: topics.alpha.key, frequency: 'weekly' }],
    });
    const weeklyCap = async () =>
      (
        await t.dataSource.query<{ weekly_cap: number | null }[]>(
          `SELECT weekly_cap FROM subscribers WHERE id = $1`,
          [s.id],
        )
      )[0].weekly_cap;
    const old = tokens.sign('manage', s.id, { now: new Date(clock.now().getTime() - 3 * DAY) });
    const page = (await t.http().get(`/p/${old}?lang=en`).expect(200)).text;
    expect(page).toContain(`action="/p/${old}/limit?lang=en"`);
    expect(page).toMatch(/<option value=""\s*selected\s*>\s*Our default \(5 emails a week\)/);
    expect(pageText(page)).toContain('How much email');
    const csrf = csrfOf(page);

    // Lowering works with an old link.
    await t
      .http()
      .post(`/p/${old}/limit?lang=en`)
      .type('form')
      .send({ csrf, weeklyCap: '2' })
      .expect(303)
      .expect('Location', `/p/${old}?lang=en&done=limit_changed#limit`);
    expect(await weeklyCap()).toBe(2);
    const after = (await t.http().get(`/p/${old}?lang=en&done=limit_changed`).expect(200)).text;
    expect(pageText(after)).toContain(
      'Saved: across all topics you now get at most 2 emails a week.',
    );
    expect(after).toMatch(/<option value="2"\s*selected\s*>\s*2 emails a week/);
    const nl = pageText(
      (await t.http().get(`/p/${old}?lang=nl&done=limit_changed`).expect(200)).text,
    );
    expect(nl).toContain('Hoeveel e-mail');
    expect(nl).toContain(
      'Opgeslagen: over alle onderwerpen samen krijg je nu hooguit 2 e-mails per week.',
    );

    // Raising it (or going back to a higher default) needs a fresh link.
    await t.http().post(`/p/${old}/limit`).type('form').send({ csrf, weeklyCap: '10' }).expect(403);
    await t.http().post(`/p/${old}/limit`).type('form').send({ csrf, weeklyCap: '' }).expect(403);
    expect(await weeklyCap()).toBe(2);
    // Out of range: 400 naming the field; without the CSRF token: 403; nothing changes.
    const bad = await t
      .http()
      .post(`/p/${old}/limit`)
      .type('form')
      .send({ csrf, weeklyCap: '0' })
      .expect(400);
    expect(pageText(bad.text)).toContain('weeklyCap');
    await t.http().post(`/p/${old}/limit`).type('form').send({ weeklyCap: '1' }).expect(403);
    expect(await weeklyCap()).toBe(2);

    const fresh = tokens.sign('manage', s.id, { now: clock.now() });
    const freshCsrf = csrfOf((await t.http().get(`/p/${fresh}`).expect(200)).text);
    await t
      .http()
      .post(`/p/${fresh}/limit?lang=en`)
      .type('form')
      .send({ csrf: freshCsrf, weeklyCap: '' })
      .expect(303)
      .expect('Location', `/p/${fresh}?lang=en&done=limit_changed#limit`);
    expect(await weeklyCap()).toBeNull();
    const back = pageText(
      (await t.http().get(`/p/${fresh}?lang=en&done=limit_changed`).expect(200)).text,
    );
    expect(back).toContain('Saved: across all topics you now get at most 5 emails a week.');
  });
});
