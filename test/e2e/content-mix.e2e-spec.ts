import { LedgerService } from '../../src/messaging/delivery/ledger.service';
import { createSubscriber, createTopics, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';
import { settled, tick } from '../support/ticks';

const DAY = 86_400_000;

describe('Content mix: promotional messages stay under the cap; notices always go (real SMTP server)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let ledger: LedgerService;
  const clock = new ControllableClock(new Date(Date.now() + 60_000));
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
      },
    });
    ledger = t.app.get(LedgerService);
    Object.assign(
      topics,
      await createTopics(t, [
        ['offers', 'promotional'],
        ['deals', 'promotional'],
        ['news', 'editorial'],
        ['renewals', 'notice'],
      ] as const),
    );
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  async function subscriber(editorialHistory: number) {
    const s = await createSubscriber(t, {
      email: uniqueEmail('mix'),
      timezone: 'UTC',
      topics: ['offers', 'deals', 'news', 'renewals'].map((k) => ({
        topic: topics[k].key,
        frequency: k === 'renewals' ? 'monthly' : 'weekly',
      })),
    });
    // Earlier editorial mail (no topic, so no frequency slot), as a welcome series would send.
    await ledger.send(
      Array.from({ length: editorialHistory }, (_, i) => ({
        dedupeKey: `history:${s.id}:${i}`,
        subscriberId: s.id,
        template: 'welcome',
        kind: 'editorial' as const,
        data: { topics: [] },
      })),
    );
    return s;
  }

  async function promotion(topic: string, title: string) {
    const item = (
      await t
        .api()
        .post('/v1/content-items')
        .send({
          topic: topics[topic].key,
          kind: 'promotional',
          title,
          summary: 'Limited time.',
          inDigests: false,
        })
        .expect(201)
    ).body;
    const campaign = (
      await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: topics[topic].key, contentItem: item.id })
        .expect(201)
    ).body;
    await eventually(async () => {
      const res = await t.api().get(`/v1/campaigns/${campaign.id}`).expect(200);
      return res.body.status === 'sent';
    });
    return campaign.id as string;
  }

  const rowOf = async (campaignId: string, subscriberId: string) =>
    (
      await t.dataSource.query<{ status: string; skip_reason: string | null }[]>(
        `SELECT status, skip_reason FROM outbound_messages WHERE campaign_id = $1 AND subscriber_id = $2`,
        [campaignId, subscriberId],
      )
    )[0];

  it('skips a promotional campaign for a subscriber at the share cap with content_mix; a notice still goes out', async () => {
    const a = await subscriber(3);
    await settled(t.dataSource, clock.now());
    await tick(t.app); // their first period starts
    clock.advance(8 * DAY);

    // 1 promotional out of 4 messages = 25%: allowed.
    const first = await promotion('offers', 'Spring offer');
    await settled(t.dataSource, clock.now());
    expect(await rowOf(first, a.id)).toEqual({ status: 'sent', skip_reason: null });

    // A week later the next one would make it 2 of 5 = 40%.
    clock.advance(8 * DAY);
    const second = await promotion('offers', 'Summer offer');
    await settled(t.dataSource, clock.now());
    expect(await rowOf(second, a.id)).toEqual({ status: 'skipped', skip_reason: 'content_mix' });
    const stats = (await t.api().get(`/v1/campaigns/${second}`).expect(200)).body.stats;
    expect(stats.skipped).toEqual({ content_mix: 1 });
    // The capped send did not spend their slot for the topic.
    const sub = (await t.api().get(`/v1/subscribers/${a.id}`).expect(200)).body;
    const offers = sub.subscriptions.find((x: { topic: string }) => x.topic === topics.offers.key);
    expect(new Date(offers.nextDueAt).getTime()).toBeLessThanOrEqual(clock.now().getTime());

    // Notices are never counted or blocked.
    const [notice] = await ledger.send([
      {
        dedupeKey: `notice:${a.id}`,
        subscriberId: a.id,
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
    expect(smtp.to(a.email).map((m) => m.parsed.subject)).toEqual(
      expect.arrayContaining(['Spring offer', 'Your policy renews on 1 June']),
    );
    expect(smtp.to(a.email).map((m) => m.parsed.subject)).not.toContain('Summer offer');

    // Re-checked at send time too: a promotional row written past the campaign path is skipped.
    const [direct] = await ledger.send([
      {
        dedupeKey: `direct-promo:${a.id}`,
        subscriberId: a.id,
        topicId: topics.deals.id,
        template: 'campaign',
        kind: 'promotional',
        data: {
          topic: { name: 'Deals' },
          item: { title: 'Direct deal', summary: '', bodyHtml: '', bodyText: '', url: null },
        },
      },
    ]);
    await eventually(async () => {
      const [row] = await t.dataSource.query<{ status: string; skip_reason: string }[]>(
        `SELECT status, skip_reason FROM outbound_messages WHERE id = $1`,
        [direct],
      );
      return row.status === 'skipped' && row.skip_reason === 'content_mix';
    });
  });

  it('allows at most one promotional message per 7 days, even with room in another topic', async () => {
    const b = await subscriber(20);
    await settled(t.dataSource, clock.now());
    await tick(t.app);
    clock.advance(8 * DAY);
    const offers = await promotion('offers', 'Autumn offer');
    await settled(t.dataSource, clock.now());
    expect(await rowOf(offers, b.id)).toEqual({ status: 'sent', skip_reason: null });

    clock.advance(3 * DAY);
    const deals = await promotion('deals', 'Autumn deal');
    expect(await rowOf(deals, b.id)).toEqual({ status: 'skipped', skip_reason: 'content_mix' });

    clock.advance(5 * DAY);
    const later = await promotion('deals', 'Winter deal');
    await settled(t.dataSource, clock.now());
    expect(await rowOf(later, b.id)).toEqual({ status: 'sent', skip_reason: null });
  });

  it('goes only to topics whose kind allows promotional content', async () => {
    const res = await t
      .api()
      .post('/v1/content-items')
      .send({ topic: topics.news.key, kind: 'promotional', title: 'Buy now' })
      .expect(422);
    expect(res.body).toMatchObject({ field: 'kind', code: 'promotional_not_allowed' });
    const s = await subscriber(20);
    await settled(t.dataSource, clock.now());
    const [id] = await ledger.send([
      {
        dedupeKey: `promo-in-news:${s.id}`,
        subscriberId: s.id,
        topicId: topics.news.id,
        template: 'campaign',
        kind: 'promotional',
        data: {
          topic: { name: 'News' },
          item: { title: 'Sneaky', summary: '', bodyHtml: '', bodyText: '', url: null },
        },
      },
    ]);
    await eventually(async () => {
      const [row] = await t.dataSource.query<{ status: string; skip_reason: string }[]>(
        `SELECT status, skip_reason FROM outbound_messages WHERE id = $1`,
        [id],
      );
      return row.status === 'skipped' && row.skip_reason === 'content_mix';
    });
  });

  it('holds promotional items back from the digest of a subscriber at the cap, not from one under it', async () => {
    const capped = await subscriber(3);
    const roomy = await subscriber(20);
    await settled(t.dataSource, clock.now());
    await tick(t.app);
    clock.advance(8 * DAY);
    const spent = await promotion('offers', 'Offer that uses the cap');
    await settled(t.dataSource, clock.now());
    expect(await rowOf(spent, capped.id)).toEqual({ status: 'sent', skip_reason: null });
    expect(await rowOf(spent, roomy.id)).toEqual({ status: 'sent', skip_reason: null });
    // Room again in a week; the topic has a promotional item for digests.
    await t
      .api()
      .post('/v1/content-items')
      .send({ topic: topics.offers.key, kind: 'promotional', title: 'Digest-only offer' })
      .expect(201);
    clock.advance(8 * DAY);
    const nine = new Date(clock.now());
    nine.setUTCHours(9, 0, 0, 0);
    clock.set(nine);
    await tick(t.app);
    await settled(t.dataSource, nine);
    const digestsOf = (id: string) =>
      t.dataSource.query<{ kind: string; status: string }[]>(
        `SELECT kind, status FROM outbound_messages WHERE subscriber_id = $1 AND template = 'digest'`,
        [id],
      );
    expect(await digestsOf(capped.id)).toEqual([]);
    expect(await digestsOf(roomy.id)).toEqual([{ kind: 'promotional', status: 'sent' }]);
    expect(smtp.to(roomy.email).map((m) => m.parsed.subject)).toContain(
      'offers: Digest-only offer',
    );
  });
});
