import { SuppressionsService } from '../../src/audience/suppressions/suppressions.service';
import { subscribersWithRoom, topicInput, unique } from '../factories';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * The console's campaign helpers: the audience count, the forecast (the fan-out's own decisions,
 * checked against a real launch) and the content preview (the real campaign email).
 */
describe('Campaign audience count, forecast and content preview', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let news: { id: string; key: string };
  let offers: { id: string; key: string };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://tidings.test',
        SCHEDULER_INTERVAL_MS: '3600000',
        DISPATCH_INTERVAL_MS: '300',
      },
    });
    const make = async (name: string, kind: string) =>
      (
        await t
          .api()
          .post('/v1/topics')
          .send(topicInput({ name, kind, allowedFrequencies: ['weekly', 'monthly'] }))
          .expect(201)
      ).body as { id: string; key: string };
    news = await make('Console news', 'editorial');
    offers = await make('Console offers', 'promotional');
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  /** Subscribers of `topic` whose period has room (their next slot has passed). */
  const subscribers = (
    topic: { key: string },
    n: number,
    extra: (i: number) => Record<string, unknown> = () => ({}),
  ) =>
    subscribersWithRoom(
      t,
      topic,
      Array.from({ length: n }, (_, i) => extra(i)),
      'fc',
    );

  const newItem = async (topic: { key: string }, title: string, kind = 'editorial') =>
    (
      await t
        .api()
        .post('/v1/content-items')
        .send({ topic: topic.key, kind, title, summary: 'S.' })
        .expect(201)
    ).body.id as string;

  async function finished(id: string) {
    return eventually(async () => {
      const res = await t.api().get(`/v1/campaigns/${id}`).expect(200);
      const s = res.body.stats;
      return res.body.status === 'sent' && s.queued === 0 && s.sending === 0 && s.bounced !== null
        ? res.body
        : null;
    });
  }

  describe('POST /v1/campaigns/audience', () => {
    it('counts the topic’s active subscribers that match the segment', async () => {
      const run = unique('count');
      await subscribers(news, 5, (i) => ({
        isCustomer: i < 3,
        attributes: { run, plan: i === 0 ? 'family' : 'solo', age: 30 + i },
      }));
      // Not in the audience: unsubscribed from the topic.
      const [gone] = await subscribers(news, 1, () => ({ attributes: { run } }));
      await t.dataSource.query(
        `UPDATE audience_subscriptions SET status = 'unsubscribed', unsubscribed_at = now() WHERE subscriber_id = $1`,
        [gone.id],
      );
      const count = (segment: Record<string, unknown>) =>
        t.api().post('/v1/campaigns/audience').send({ topic: news.key, segment }).expect(200);
      const inRun = { name: 'run', op: 'eq', value: run };
      await expect(count({ attributes: [inRun] })).resolves.toMatchObject({
        body: { topic: news.key, count: 5 },
      });
      expect((await count({ customer: true, attributes: [inRun] })).body.count).toBe(3);
      expect((await count({ customer: false, attributes: [inRun] })).body.count).toBe(2);
      expect(
        (
          await count({
            attributes: [inRun, { name: 'plan', op: 'eq', value: 'family' }],
          })
        ).body.count,
      ).toBe(1);
      expect(
        (await count({ attributes: [inRun, { name: 'age', op: 'gte', value: 32 }] })).body.count,
      ).toBe(3);
    });

    it('refuses bad input with 400 naming the field, an unknown topic with 404', async () => {
      const bad = await t
        .api()
        .post('/v1/campaigns/audience')
        .send({ topic: news.key, segment: { attributes: [{ name: 'plan', op: 'in', value: 3 }] } })
        .expect(400);
      expect(JSON.stringify(bad.body)).toContain('segment.attributes.0.value');
      const noBound = await t
        .api()
        .post('/v1/campaigns/audience')
        .send({ topic: news.key, segment: { dates: [{ name: 'renewal_date' }] } })
        .expect(400);
      expect(noBound.body.field).toBe('segment.dates.0');
      await t.api().post('/v1/campaigns/audience').send({ topic: 'no-such-topic' }).expect(404);
      const noTopic = await t.api().post('/v1/campaigns/audience').send({}).expect(400);
      expect(JSON.stringify(noTopic.body)).toContain('topic');
    });

    it('needs campaigns:read', async () => {
      const key = await t.keyWith('subscribers:read');
      await t
        .http()
        .post('/v1/campaigns/audience')
        .set('Authorization', `Bearer ${key}`)
        .send({ topic: news.key })
        .expect(403);
    });
  });

  describe('POST /v1/campaigns/forecast', () => {
    it('counts what the launch then does: sent now, folded, already received, suppressed, paused', async () => {
      const run = unique('fc');
      const segment = { attributes: [{ name: 'run', op: 'eq', value: run }] };
      const group = (g: string) => ({ attributes: { run, group: g } });
      const a = await subscribers(news, 2, () => group('a'));
      const b = await subscribers(news, 2, () => group('b'));
      const c = await subscribers(news, 4, () => group('c'));
      const item = await newItem(news, unique('The forecast item'));
      const other = await newItem(news, unique('Another item'));
      // a gets the item now, b another one: both have no room in their period afterwards.
      for (const [g, contentItem] of [
        ['a', item],
        ['b', other],
      ] as const) {
        const first = await t
          .api()
          .post('/v1/campaigns')
          .send({
            topic: news.key,
            contentItem,
            segment: { attributes: [...segment.attributes, { name: 'group', op: 'eq', value: g }] },
          })
          .expect(201);
        await finished(first.body.id);
      }
      await t.app.get(SuppressionsService).suppress(c[0].email, 'manual');
      await t.dataSource.query(
        `UPDATE audience_subscribers SET paused_until = now() + interval '10 days' WHERE id = $1`,
        [c[1].id],
      );

      const forecast = await t
        .api()
        .post('/v1/campaigns/forecast')
        .send({ topic: news.key, contentItem: item, segment })
        .expect(200);
      expect(forecast.body).toMatchObject({
        topic: news.key,
        audienceSize: 8,
        sendNow: 4,
        folded: 2,
        skipped: { already_received: 2, folded: 2, frequency: 0, content_mix: 0 },
        atSendTime: { suppressed: 1, paused: 1 },
      });
      // Nothing was written.
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM messaging_ledger_messages WHERE subscriber_id = ANY($1) AND $2::uuid = ANY(content_item_ids)`,
        [[...a, ...b, ...c].map((s) => s.id), item],
      );
      expect(n).toBe(2);

      const launched = await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: news.key, contentItem: item, segment })
        .expect(201);
      const done = await finished(launched.body.id);
      const f = forecast.body;
      expect(done.stats).toMatchObject({
        audienceSize: f.audienceSize,
        fannedOut: f.audienceSize,
        sent: f.sendNow - f.atSendTime.suppressed - f.atSendTime.paused,
        suppressed: f.atSendTime.suppressed,
        folded: f.folded,
        skipped: {
          already_received: f.skipped.already_received,
          folded: f.skipped.folded,
          paused: f.atSendTime.paused,
        },
      });
      // The two who got it now are the two unpaused, unsuppressed ones of c.
      await eventually(async () => [c[2], c[3]].every((s) => smtp.to(s.email).length > 0));
      expect(smtp.to(c[0].email)).toHaveLength(0);
      expect(smtp.to(c[1].email)).toHaveLength(0);
    });

    it('counts the content-mix cap of a promotional campaign as the launch applies it', async () => {
      const run = unique('mix');
      const segment = { attributes: [{ name: 'run', op: 'eq', value: run }] };
      const [read, , late] = await subscribers(offers, 3, () => ({ attributes: { run } }));
      // Three editorial messages in the window: a fourth, promotional, is 25%, within the cap.
      // Seven, one of them promotional two days ago: within the share (2 of 8), but inside the
      // 7 days' gap between promotions.
      for (const [who, kinds] of [
        [read, ['editorial', 'editorial', 'editorial']],
        [
          late,
          [
            'editorial',
            'editorial',
            'editorial',
            'editorial',
            'editorial',
            'editorial',
            'promotional',
          ],
        ],
      ] as const) {
        for (const [i, kind] of kinds.entries()) {
          await t.dataSource.query(
            `INSERT INTO outbound_messages (dedupe_key, subscriber_id, topic_id, template, kind, status,
                                            send_after, sent_at)
             VALUES ($1, $2, $3, 'digest', $4, 'sent', now() - make_interval(days => $5),
                     now() - make_interval(days => $5))`,
            [unique('mix-seed'), who.id, news.id, kind, kind === 'promotional' ? 2 : 10 + i],
          );
        }
      }
      const item = await newItem(offers, unique('Half price'), 'promotional');
      const forecast = await t
        .api()
        .post('/v1/campaigns/forecast')
        .send({ topic: offers.key, contentItem: item, segment })
        .expect(200);
      // A new subscriber has had no editorial mail yet: one promotional message is over the cap.
      expect(forecast.body).toMatchObject({
        audienceSize: 3,
        sendNow: 1,
        skipped: { content_mix: 2 },
      });
      const launched = await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: offers.key, contentItem: item, segment })
        .expect(201);
      const done = await finished(launched.body.id);
      expect(done.stats).toMatchObject({ sent: 1, skipped: { content_mix: 2 } });
      await eventually(async () => smtp.to(read.email).length > 0);
    });

    it('refuses what the launch refuses, naming the field', async () => {
      const item = await newItem(news, unique('Refused'));
      const bad = await t
        .api()
        .post('/v1/campaigns/forecast')
        .send({ topic: news.key, contentItem: item, sendAt: 'tomorrow' })
        .expect(400);
      expect(JSON.stringify(bad.body)).toContain('sendAt');
      const neither = await t
        .api()
        .post('/v1/campaigns/forecast')
        .send({ topic: news.key })
        .expect(400);
      expect(neither.body.field).toBe('contentItem');
      const elsewhere = await t
        .api()
        .post('/v1/campaigns/forecast')
        .send({ topic: offers.key, contentItem: item })
        .expect(422);
      expect(elsewhere.body.code).toBe('content_topic_mismatch');
      const key = await t.keyWith('content:read');
      await t
        .http()
        .post('/v1/campaigns/forecast')
        .set('Authorization', `Bearer ${key}`)
        .send({ topic: news.key, contentItem: item })
        .expect(403);
    });
  });

  describe('POST /v1/content-items/preview', () => {
    it('renders the campaign email per locale from unsaved fields, writing nothing', async () => {
      const [{ n: before }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM content_items`,
      );
      const res = await t
        .api()
        .post('/v1/content-items/preview')
        .send({
          topic: news.key,
          kind: 'editorial',
          title: 'Exports now include consent',
          summary: 'One file.',
          body: '## What changed\n\nA **lot**. <script>alert(1)</script>',
          bodyFormat: 'markdown',
          link: 'https://www.example.com/news/export',
          variants: {
            nl: { title: 'Je export bevat nu je toestemmingen', body: 'Veel **meer**.' },
          },
        })
        .expect(200);
      const byLocale = Object.fromEntries(
        (res.body.locales as Array<{ locale: string }>).map((l) => [l.locale, l as unknown]),
      ) as Record<
        string,
        { subject: string; html: string; text: string; wording: string; htmlBytes: number }
      >;
      expect(byLocale.en).toMatchObject({
        wording: 'main',
        subject: 'Exports now include consent',
      });
      expect(byLocale.en.html).toContain('<strong>lot</strong>');
      expect(byLocale.en.html).not.toContain('<script>');
      expect(byLocale.en.html).toContain('https://www.example.com/news/export');
      expect(byLocale.en.htmlBytes).toBe(Buffer.byteLength(byLocale.en.html));
      expect(byLocale.nl).toMatchObject({
        wording: 'variant',
        subject: 'Je export bevat nu je toestemmingen',
      });
      expect(byLocale.nl.html).toContain('<strong>meer</strong>');
      expect(byLocale.nl.text).toContain('Veel meer.');
      expect(res.body).toMatchObject({ warnings: [], tooLarge: null });
      const [{ n: after }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM content_items`,
      );
      expect(after).toBe(before);
    });

    it('says when the email is near or over the clip size, as publishing would refuse it', async () => {
      const paragraph = (n: number) => `<p>${'x'.repeat(n)}</p>`;
      const near = await t
        .api()
        .post('/v1/content-items/preview')
        .send({ topic: news.key, kind: 'editorial', title: 'Near', body: paragraph(92_000) })
        .expect(200);
      expect(near.body.tooLarge).toBeNull();
      expect(near.body.warnings).toHaveLength(1);
      expect(near.body.warnings[0]).toMatch(/^body: .* near the 102 KB limit/);
      const over = await t
        .api()
        .post('/v1/content-items/preview')
        .send({ topic: news.key, kind: 'editorial', title: 'Over', body: paragraph(110_000) })
        .expect(200);
      expect(over.body.tooLarge).toMatchObject({ field: 'body', code: 'content_too_large' });
      const published = await t
        .api()
        .post('/v1/content-items')
        .send({ topic: news.key, kind: 'editorial', title: 'Over', body: paragraph(110_000) })
        .expect(422);
      expect(published.body.message).toBe(over.body.tooLarge.message);
    });

    it('refuses bad input naming the field, and needs content:write', async () => {
      const bad = await t
        .api()
        .post('/v1/content-items/preview')
        .send({ topic: news.key, kind: 'gossip', title: 'x' })
        .expect(400);
      expect(JSON.stringify(bad.body)).toContain('kind');
      const noTitle = await t
        .api()
        .post('/v1/content-items/preview')
        .send({ topic: news.key, kind: 'editorial' })
        .expect(400);
      expect(JSON.stringify(noTitle.body)).toContain('title');
      const promo = await t
        .api()
        .post('/v1/content-items/preview')
        .send({ topic: news.key, kind: 'promotional', title: 'x' })
        .expect(422);
      expect(promo.body.code).toBe('promotional_not_allowed');
      const key = await t.keyWith('content:read');
      await t
        .http()
        .post('/v1/content-items/preview')
        .set('Authorization', `Bearer ${key}`)
        .send({ topic: news.key, kind: 'editorial', title: 'x' })
        .expect(403);
    });
  });
});
