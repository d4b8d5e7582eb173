import {
  createSubscriber,
  subscribersWithRoom,
  topicInput,
  unique,
  uniqueEmail,
} from '../factories';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';
import { settled, tick } from '../support/ticks';

describe('Marketer API: content items and campaigns', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let topic: { id: string; key: string };
  let other: { id: string; key: string };

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
    const make = async (name: string, kind = 'editorial') =>
      (
        await t
          .api()
          .post('/v1/topics')
          .send(topicInput({ name, kind, allowedFrequencies: ['weekly', 'monthly'] }))
          .expect(201)
      ).body as { id: string; key: string };
    topic = await make('Product news');
    other = await make('Other news');
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  /** Subscribers who have been around for a while: their period has room. */
  const subscribers = (n: number, overrides: (i: number) => Record<string, unknown> = () => ({})) =>
    subscribersWithRoom(
      t,
      topic,
      Array.from({ length: n }, (_, i) => overrides(i)),
      'api',
    );

  const item = (overrides: Record<string, unknown> = {}) =>
    t
      .api()
      .post('/v1/content-items')
      .send({
        topic: topic.key,
        kind: 'editorial',
        title: unique('Item'),
        summary: 'A summary.',
        ...overrides,
      });

  /** A content item and a campaign of it to a segment of the topic; resolves when it is sent. */
  async function segmentCampaign(title: string, segment: Record<string, unknown>) {
    const itemId = (await item({ title }).expect(201)).body.id;
    const created = await t
      .api()
      .post('/v1/campaigns')
      .send({ topic: topic.key, contentItem: itemId, segment })
      .expect(201);
    return finished(created.body.id);
  }

  /** Waits until `sent` copies went out, then says which of `people` got the subject. */
  async function recipients(
    campaignId: string,
    sent: number,
    people: Array<{ id: string; email: string }>,
    subject: string,
  ) {
    await eventually(async () => {
      const res = await t.api().get(`/v1/campaigns/${campaignId}`).expect(200);
      return res.body.stats.sent === sent;
    });
    return people
      .filter((p) => smtp.to(p.email).some((m) => m.parsed.subject === subject))
      .map((p) => p.id);
  }

  async function finished(id: string) {
    return eventually(async () => {
      const res = await t.api().get(`/v1/campaigns/${id}`).expect(200);
      return res.body.status === 'sent' ? res.body : null;
    });
  }

  describe('content items', () => {
    it('publishes sanitised HTML and Markdown, lists, gets and withdraws', async () => {
      const html = await item({
        body: '<p onclick="x()">Hello <script>alert(1)</script><a href="javascript:evil()">x</a> <b>world</b></p>',
        link: 'https://www.example.com/a',
      }).expect(201);
      expect(html.body).toMatchObject({
        topic: topic.key,
        kind: 'editorial',
        status: 'published',
        editable: true,
        bodyFormat: 'html',
        inDigests: true,
        firstSentAt: null,
      });
      expect(html.body.bodyHtml).toBe(
        '<p>Hello <a target="_blank" rel="noopener noreferrer">x</a> <b>world</b></p>',
      );
      const md = await item({ body: '**Bold** move', bodyFormat: 'markdown' }).expect(201);
      expect(md.body.bodyHtml).toBe('<p><strong>Bold</strong> move</p>');
      expect(md.body.bodyText).toBe('Bold move');
      const scheduled = await item({ publishAt: '2099-01-01T09:00:00Z' }).expect(201);
      expect(scheduled.body.status).toBe('scheduled');

      const list = await t.api().get(`/v1/content-items?topic=${topic.key}&limit=2`).expect(200);
      expect(list.body.items).toHaveLength(2);
      expect(list.body.items[0].id).toBe(scheduled.body.id);
      const next = await t
        .api()
        .get(`/v1/content-items?topic=${topic.key}&limit=2&cursor=${list.body.nextCursor}`)
        .expect(200);
      expect(next.body.items.map((i: { id: string }) => i.id)).toContain(html.body.id);
      const onlyScheduled = await t
        .api()
        .get(`/v1/content-items?topic=${topic.key}&status=scheduled`)
        .expect(200);
      expect(onlyScheduled.body.items.map((i: { id: string }) => i.id)).toEqual([
        scheduled.body.id,
      ]);

      const withdrawn = await t.api().delete(`/v1/content-items/${md.body.id}`).expect(200);
      expect(withdrawn.body).toMatchObject({ status: 'withdrawn', editable: false });
      const gone = await t
        .api()
        .patch(`/v1/content-items/${md.body.id}`)
        .send({ title: 'x' })
        .expect(410);
      expect(gone.body.code).toBe('content_withdrawn');
      await t
        .api()
        .get(`/v1/content-items/${unique('nope')}`)
        .expect(404);
    });

    it('answers 400 naming the field, 404 for an unknown topic, 422 for a notice topic', async () => {
      const noTitle = await t
        .api()
        .post('/v1/content-items')
        .send({ topic: topic.key, kind: 'editorial' })
        .expect(400);
      expect(noTitle.body.field).toBe('title');
      const badLink = await item({ link: 'ftp://example.com/x' }).expect(400);
      expect(badLink.body.field).toBe('link');
      const badVariant = await item({ variants: { nl: { summary: 'geen titel' } } }).expect(400);
      expect(badVariant.body.field).toBe('variants.nl.title');
      const badFormat = await item({ bodyFormat: 'docx' }).expect(400);
      expect(badFormat.body.field).toBe('bodyFormat');
      const unknownField = await item({ colour: 'red' }).expect(400);
      expect(unknownField.body.field).toBe('colour');
      const badExpiry = await item({
        publishAt: '2027-01-02T00:00:00Z',
        expiresAt: '2027-01-01T00:00:00Z',
      }).expect(400);
      expect(badExpiry.body.field).toBe('expiresAt');
      const noTopic = await item({ topic: 'no-such-topic' }).expect(404);
      expect(noTopic.body.field).toBe('topic');
      const notice = (
        await t
          .api()
          .post('/v1/topics')
          .send(topicInput({ kind: 'notice', allowedFrequencies: ['monthly'] }))
          .expect(201)
      ).body;
      const refused = await item({ topic: notice.key }).expect(422);
      expect(refused.body).toMatchObject({ field: 'topic', code: 'topic_carries_notices' });
    });

    it('can be edited until its first copy is sent, then no more; subscribers get their locale', async () => {
      const [en, nl] = await subscribers(2, (i) => ({ locale: i === 0 ? 'en' : 'nl' }));
      const created = await item({ title: 'Draft title' }).expect(201);
      const edited = await t
        .api()
        .patch(`/v1/content-items/${created.body.id}`)
        .send({
          title: 'Final title',
          variants: {
            nl: { title: 'Definitieve titel', summary: 'Samenvatting.', body: '<p>Hallo</p>' },
          },
        })
        .expect(200);
      expect(edited.body).toMatchObject({ title: 'Final title', editable: true });
      const campaign = await t
        .api()
        .post('/v1/campaigns')
        .send({
          topic: topic.key,
          contentItem: created.body.id,
          segment: { attributes: [{ name: 'run', op: 'missing' }] },
        })
        .expect(201);
      await finished(campaign.body.id);
      await settled(t.dataSource, new Date());
      const enMail = await smtp.waitFor((m) => m.to.includes(en.email));
      const nlMail = await smtp.waitFor((m) => m.to.includes(nl.email));
      expect(enMail.parsed.subject).toBe('Final title');
      expect(nlMail.parsed.subject).toBe('Definitieve titel');
      expect(nlMail.parsed.html).toContain('<p>Hallo</p>');
      expect(nlMail.parsed.text).toContain(
        'Je krijgt dit omdat je je hebt ingeschreven voor Product news',
      );

      const frozen = await t.api().get(`/v1/content-items/${created.body.id}`).expect(200);
      expect(frozen.body.firstSentAt).not.toBeNull();
      expect(frozen.body.editable).toBe(false);
      const refused = await t
        .api()
        .patch(`/v1/content-items/${created.body.id}`)
        .send({ title: 'Too late' })
        .expect(409);
      expect(refused.body.code).toBe('content_already_sent');
    });
  });

  describe('campaigns', () => {
    it('refuses bad requests naming the field, and writes nothing', async () => {
      const count = async () =>
        (await t.dataSource.query(`SELECT count(*)::int AS n FROM campaigns`))[0].n as number;
      const before = await count();
      const itemId = (await item().expect(201)).body.id;
      const both = await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: topic.key, contentItem: itemId, template: 'notice' })
        .expect(400);
      expect(both.body.field).toBe('contentItem');
      const neither = await t.api().post('/v1/campaigns').send({ topic: topic.key }).expect(400);
      expect(neither.body.field).toBe('contentItem');
      const unknownTemplate = await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: topic.key, template: 'nope', kind: 'editorial' })
        .expect(422);
      expect(unknownTemplate.body.field).toBe('template');
      const noKind = await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: topic.key, template: 'notice', data: {} })
        .expect(400);
      expect(noKind.body.field).toBe('kind');
      const missingData = await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: topic.key, template: 'notice', kind: 'editorial', data: { heading: 'Hi' } })
        .expect(422);
      expect(missingData.body.field).toBe('data.intro');
      const promo = await t
        .api()
        .post('/v1/campaigns')
        .send({
          topic: topic.key,
          template: 'notice',
          kind: 'promotional',
          data: { heading: 'a', intro: 'b', reason: 'c' },
        })
        .expect(422);
      expect(promo.body).toMatchObject({ field: 'kind', code: 'promotional_not_allowed' });
      const wrongTopic = await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: other.key, contentItem: itemId })
        .expect(422);
      expect(wrongTopic.body).toMatchObject({
        field: 'contentItem',
        code: 'content_topic_mismatch',
      });
      const badSegment = await t
        .api()
        .post('/v1/campaigns')
        .send({
          topic: topic.key,
          contentItem: itemId,
          segment: { attributes: [{ name: 'plan', op: 'in', value: 'x' }] },
        })
        .expect(400);
      expect(badSegment.body.field).toBe('segment.attributes.0.value');
      const noBound = await t
        .api()
        .post('/v1/campaigns')
        .send({
          topic: topic.key,
          contentItem: itemId,
          segment: { dates: [{ name: 'renewal_date' }] },
        })
        .expect(400);
      expect(noBound.body.field).toBe('segment.dates.0');
      expect(await count()).toBe(before);
    });

    it('is idempotent per key: a repeat returns the same campaign, a different request with the key is refused', async () => {
      const itemId = (await item().expect(201)).body.id;
      const key = unique('idem');
      const body = {
        topic: topic.key,
        contentItem: itemId,
        sendAt: '2099-01-01T09:00:00Z',
        idempotencyKey: key,
      };
      const first = await t.api().post('/v1/campaigns').send(body).expect(201);
      expect(first.body.status).toBe('scheduled');
      const again = await t.api().post('/v1/campaigns').send(body).expect(200);
      expect(again.body.id).toBe(first.body.id);
      const different = await t
        .api()
        .post('/v1/campaigns')
        .send({ ...body, sendAt: '2099-02-01T09:00:00Z' })
        .expect(409);
      expect(different.body).toMatchObject({
        field: 'idempotencyKey',
        code: 'idempotency_key_reused',
      });
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM campaigns WHERE idempotency_key = $1`,
        [key],
      );
      expect(n).toBe(1);
    });

    it('narrows the audience by segment: customers, attribute conditions and a dated-attribute range', async () => {
      const run = unique('seg');
      const people = await subscribers(6, (i) => ({
        isCustomer: i < 4,
        attributes: { run, plan: i % 2 === 0 ? 'family' : 'solo', age: 20 + i },
        dates: { renewal_date: i < 3 ? '2030-03-15' : '2030-06-01' },
      }));
      const itemId = (await item({ title: 'For family customers renewing in March' }).expect(201))
        .body.id;
      const created = await t
        .api()
        .post('/v1/campaigns')
        .send({
          topic: topic.key,
          contentItem: itemId,
          segment: {
            customer: true,
            attributes: [
              { name: 'run', op: 'eq', value: run },
              { name: 'plan', op: 'in', value: ['family'] },
              { name: 'age', op: 'gte', value: 20 },
            ],
            dates: [{ name: 'renewal_date', from: '2030-03-01', to: '2030-03-31' }],
          },
        })
        .expect(201);
      const done = await finished(created.body.id);
      // Customers 0..3, family: 0 and 2, renewing in March: 0..2 → 0 and 2.
      expect(done.stats.audienceSize).toBe(2);
      await eventually(async () => {
        const res = await t.api().get(`/v1/campaigns/${created.body.id}`).expect(200);
        return res.body.stats.sent === 2;
      });
      const got = people.filter((p) =>
        smtp.to(p.email).some((m) => m.parsed.subject === 'For family customers renewing in March'),
      );
      expect(got.map((p) => p.id)).toEqual([people[0].id, people[2].id]);
    });

    it('compares numbers, dates and booleans alike whether stored as JSON values or as imported text', async () => {
      const run = unique('typed');
      // A CSV import stores every attribute as text; the API stores JSON numbers and booleans.
      const values: Array<Record<string, unknown>> = [
        { age: '61', vip: 'true', since: '2025-03-01' }, // imported: matches all three
        { age: 70, vip: true, since: '2025-12-31' }, // API: matches all three
        { age: '40', vip: 'TRUE', since: '2025-03-01' }, // too young
        { age: 'sixty', vip: true, since: '2025-03-01' }, // age not a number: never matches
        { age: 58, vip: 'false', since: '2025-03-01' }, // not vip
        { age: '1e2', vip: true, since: '2024-12-31' }, // joined too early
      ];
      const people = await subscribers(values.length, (i) => ({
        attributes: { run, ...values[i] },
      }));
      const done = await segmentCampaign('For long-time older VIPs', {
        attributes: [
          { name: 'run', op: 'eq', value: run },
          { name: 'age', op: 'gte', value: 55 },
          { name: 'vip', op: 'eq', value: true },
          { name: 'since', op: 'gte', value: '2025-01-01' },
        ],
      });
      expect(done.stats.audienceSize).toBe(2);
      expect(await recipients(done.id, 2, people, 'For long-time older VIPs')).toEqual([
        people[0].id,
        people[1].id,
      ]);
    });

    it('counts numbers given as imported text in in, eq and lt conditions', async () => {
      const run = unique('typed-in');
      const people = await subscribers(3, (i) => ({
        attributes: { run, size: ['3', 3.0, '4'][i] },
      }));
      const done = await segmentCampaign('For size three', {
        attributes: [
          { name: 'run', op: 'eq', value: run },
          { name: 'size', op: 'in', value: [3, 5] },
          { name: 'size', op: 'lt', value: 3.5 },
        ],
      });
      expect(done.stats.audienceSize).toBe(2);
      expect(people).toHaveLength(3);
    });

    it('reaches new subscribers in their first period (the welcome is not a regular message), then folds the next one', async () => {
      const run = unique('fresh');
      const fresh: Array<{ id: string; email: string }> = [];
      for (let i = 0; i < 3; i++) {
        fresh.push(
          await createSubscriber(t, {
            email: uniqueEmail('fresh'),
            topics: [{ topic: topic.key }],
            attributes: { run },
          }),
        );
      }
      await tick(t.app); // Their first period starts: next_due_at is their first slot, ahead.
      const campaign = (title: string) =>
        segmentCampaign(title, { attributes: [{ name: 'run', op: 'eq', value: run }] });
      const first = await campaign('Hello, new readers');
      expect(first.stats).toMatchObject({ audienceSize: 3, folded: 0 });
      await eventually(async () =>
        fresh.every((f) => smtp.to(f.email).some((m) => m.parsed.subject === 'Hello, new readers')),
      );
      // Their period is used now: the next campaign waits for their next digest.
      const second = await campaign('Second news');
      expect(second.stats).toMatchObject({ audienceSize: 3, folded: 3 });
    });

    it('skips, in a second campaign of the same item, everyone who already has it', async () => {
      const run = unique('again');
      const [had, fresh] = await subscribers(2, () => ({ attributes: { run } }));
      const itemId = (await item({ title: 'Only once, please' }).expect(201)).body.id;
      const campaign = async (segmentRun: string) =>
        (
          await t
            .api()
            .post('/v1/campaigns')
            .send({
              topic: topic.key,
              contentItem: itemId,
              segment: { attributes: [{ name: 'run', op: 'eq', value: segmentRun }] },
            })
            .expect(201)
        ).body.id as string;
      // First only `had` is in the audience.
      await t.dataSource.query(`UPDATE subscribers SET attributes = '{}' WHERE id = $1`, [
        fresh.id,
      ]);
      const first = await campaign(run);
      await finished(first);
      await smtp.waitFor((m) => m.to.includes(had.email));
      // Both now, and both have room in their period again.
      await t.dataSource.query(
        `UPDATE subscribers SET attributes = jsonb_build_object('run', $2::text) WHERE id = $1`,
        [fresh.id, run],
      );
      await t.dataSource.query(
        `UPDATE subscriptions SET next_due_at = now() - interval '1 day' WHERE subscriber_id = ANY($1)`,
        [[had.id, fresh.id]],
      );
      const second = await campaign(run);
      const done = await finished(second);
      expect(done.stats.audienceSize).toBe(2);
      const stats = await eventually(async () => {
        const res = await t.api().get(`/v1/campaigns/${second}`).expect(200);
        return res.body.stats.sent === 1 ? res.body.stats : null;
      });
      expect(stats.skipped).toEqual({ already_received: 1 });
      await smtp.waitFor((m) => m.to.includes(fresh.email));
      await settled(t.dataSource, new Date());
      const copies = (email: string) =>
        smtp.to(email).filter((m) => m.parsed.subject === 'Only once, please').length;
      expect(copies(had.email)).toBe(1);
      expect(copies(fresh.email)).toBe(1);
    });

    it('sends a template campaign, starts a scheduled one on the tick, and skips withdrawn content', async () => {
      const run = unique('tpl');
      const people = await subscribers(2, () => ({ attributes: { run } }));
      const segment = { attributes: [{ name: 'run', op: 'eq', value: run }] };
      const notice = await t
        .api()
        .post('/v1/campaigns')
        .send({
          topic: topic.key,
          template: 'notice',
          kind: 'editorial',
          data: {
            heading: 'Planned maintenance on Sunday',
            intro: 'We will be offline for an hour.',
            reason: 'You use our service.',
          },
          segment,
        })
        .expect(201);
      expect(notice.body).toMatchObject({
        template: 'notice',
        kind: 'editorial',
        contentItem: null,
      });
      await finished(notice.body.id);
      for (const p of people)
        await smtp.waitFor(
          (m) => m.to.includes(p.email) && m.parsed.subject === 'Planned maintenance on Sunday',
        );

      // Others, with room: a scheduled campaign whose item is withdrawn before it goes.
      const later = unique('tpl');
      const others = await subscribers(2, () => ({ attributes: { run: later } }));
      const withdrawnLater = (await item({ title: 'Soon withdrawn' }).expect(201)).body.id;
      const sendAt = new Date(Date.now() + 2_000).toISOString();
      const scheduled = await t
        .api()
        .post('/v1/campaigns')
        .send({
          topic: topic.key,
          contentItem: withdrawnLater,
          sendAt,
          segment: { attributes: [{ name: 'run', op: 'eq', value: later }] },
        })
        .expect(201);
      expect(scheduled.body.status).toBe('scheduled');
      await t.api().delete(`/v1/content-items/${withdrawnLater}`).expect(200);
      await eventually(async () => Date.now() > Date.parse(sendAt));
      await tick(t.app);
      const done = await finished(scheduled.body.id);
      expect(done.startedAt).not.toBeNull();
      await eventually(async () => {
        const res = await t.api().get(`/v1/campaigns/${scheduled.body.id}`).expect(200);
        return res.body.stats.skipped.withdrawn === 2 ? res.body : null;
      });
      for (const p of others) expect(smtp.to(p.email)).toHaveLength(0);
    });

    it('counts bounces and unsubscribes after it, and lists campaigns', async () => {
      const run = unique('stats');
      const [stays, leaves, bounces] = await subscribers(3, () => ({ attributes: { run } }));
      smtp.failNext('rcpt', 550, '5.1.1 No such user', 1, (r) => r === bounces.email);
      const itemId = (await item({ title: 'Stats item' }).expect(201)).body.id;
      const created = await t
        .api()
        .post('/v1/campaigns')
        .send({
          topic: topic.key,
          contentItem: itemId,
          segment: { attributes: [{ name: 'run', op: 'eq', value: run }] },
        })
        .expect(201);
      await finished(created.body.id);
      await smtp.waitFor((m) => m.to.includes(leaves.email));
      const kept = await smtp.waitFor((m) => m.to.includes(stays.email));
      // "Was this useful? yes" from the campaign email counts in the campaign's stats.
      const yes = /https?:\/\/[^/\s]+(\/f\/[A-Za-z0-9_-]+)\/yes/.exec(kept.parsed.text ?? '')![1];
      const page = await t.http().get(yes).expect(200);
      const form = /name="form" value="([^"]+)"/.exec(page.text)![1];
      await t.http().post(yes).type('form').send({ answer: 'yes', form }).expect(200);
      await t.api().delete(`/v1/subscribers/${leaves.id}/subscriptions/${topic.key}`).expect(200);
      const stats = await eventually(async () => {
        const res = await t.api().get(`/v1/campaigns/${created.body.id}`).expect(200);
        return res.body.stats.failed === 1 ? res.body.stats : null;
      });
      expect(stats).toMatchObject({
        audienceSize: 3,
        sent: 2,
        failed: 1,
        bounced: 1,
        unsubscribedAfter: 1,
        helpfulVotes: { helpful: 1, notHelpful: 0 },
      });
      const list = await t.api().get(`/v1/campaigns?topic=${topic.key}&limit=1`).expect(200);
      expect(list.body.items[0].id).toBe(created.body.id);
      expect(list.body.nextCursor).toBeTruthy();
    });

    it('needs the campaigns and content scopes', async () => {
      const reader = await t.keyWith('campaigns:read', 'content:read');
      const res = await t
        .http()
        .post('/v1/campaigns')
        .set('Authorization', `Bearer ${reader}`)
        .send({ topic: topic.key })
        .expect(403);
      expect(res.body.message).toContain('campaigns:write');
      await t.http().get('/v1/campaigns').set('Authorization', `Bearer ${reader}`).expect(200);
      await t.http().get('/v1/content-items').set('Authorization', `Bearer ${reader}`).expect(200);
    });

    it('documents the routes in OpenAPI', async () => {
      const doc = await t.http().get('/docs/openapi.json').expect(200);
      for (const path of [
        '/v1/content-items',
        '/v1/content-items/{id}',
        '/v1/campaigns',
        '/v1/campaigns/{id}',
        '/v1/campaigns/{id}/cancel',
        '/v1/reports/silence',
      ]) {
        expect(Object.keys(doc.body.paths)).toContain(path);
      }
      expect(doc.body.components.schemas.CampaignStatsDto.properties).toHaveProperty('folded');
    });
  });
});
