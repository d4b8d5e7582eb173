import { subscriberInput, topicInput, uniqueEmail } from '../factories';
import { createTestApp, TestApp } from '../support/test-app';

describe('Marketer API: topics, subscribers, subscriptions, consent', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
  });
  afterAll(() => t.close());

  describe('authentication', () => {
    it('answers 401 without a key, with a malformed key and with a revoked key', async () => {
      const none = await t.http().get('/v1/topics').expect(401);
      expect(none.body.message).toContain('Authorization: Bearer');
      await t.http().get('/v1/topics').set('Authorization', 'Bearer tdg_nope').expect(401);

      const created = await t
        .api()
        .post('/v1/api-keys')
        .send({ name: 'temp', scopes: ['topics:read'] })
        .expect(201);
      await t
        .http()
        .get('/v1/topics')
        .set('Authorization', `Bearer ${created.body.key}`)
        .expect(200);
      await t.api().delete(`/v1/api-keys/${created.body.id}`).expect(200);
      const revoked = await t
        .http()
        .get('/v1/topics')
        .set('Authorization', `Bearer ${created.body.key}`)
        .expect(401);
      expect(revoked.body.message).toMatch(/revoked/);
    });

    it('answers 403 naming the scope a key lacks', async () => {
      const readOnly = await t.keyWith('topics:read');
      const res = await t
        .http()
        .post('/v1/topics')
        .set('Authorization', `Bearer ${readOnly}`)
        .send(topicInput())
        .expect(403);
      expect(res.body.message).toContain('topics:write');
    });

    it('never lists key secrets, only their public prefix', async () => {
      const res = await t.api().get('/v1/api-keys').expect(200);
      expect(res.body.length).toBeGreaterThan(0);
      for (const k of res.body) {
        expect(k.key).toBeUndefined();
        expect(k.secretHash).toBeUndefined();
        expect(k.prefix).toMatch(/^tdg_[a-f0-9]{12}_$/);
      }
    });
  });

  describe('topics', () => {
    it('creates, lists, gets by key and id, updates and archives a topic', async () => {
      const input = topicInput({
        allowedFrequencies: ['monthly', 'weekly'],
        defaultFrequency: undefined,
      });
      const created = await t.api().post('/v1/topics').send(input).expect(201);
      expect(created.body).toMatchObject({
        key: input.key,
        kind: 'editorial',
        allowedFrequencies: ['weekly', 'monthly'],
        defaultFrequency: 'monthly',
        prospectsAllowed: true,
        archivedAt: null,
      });
      const byId = await t.api().get(`/v1/topics/${created.body.id}`).expect(200);
      expect(byId.body.key).toBe(input.key);

      const updated = await t
        .api()
        .patch(`/v1/topics/${input.key}`)
        .send({ name: 'Renamed', allowedFrequencies: ['weekly', 'monthly', 'quarterly'] })
        .expect(200);
      expect(updated.body).toMatchObject({
        name: 'Renamed',
        allowedFrequencies: ['weekly', 'monthly', 'quarterly'],
      });

      const list = await t.api().get('/v1/topics').expect(200);
      expect(list.body.map((x: { key: string }) => x.key)).toContain(input.key);

      const archived = await t.api().delete(`/v1/topics/${input.key}`).expect(200);
      expect(archived.body.archivedAt).not.toBeNull();
      const after = await t.api().get('/v1/topics').expect(200);
      expect(after.body.map((x: { key: string }) => x.key)).not.toContain(input.key);
      const all = await t.api().get('/v1/topics?includeArchived=true').expect(200);
      expect(all.body.map((x: { key: string }) => x.key)).toContain(input.key);
    });

    it('answers 400 naming the field for bad input and unknown fields', async () => {
      const badKind = await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ kind: 'spam' }))
        .expect(400);
      expect(badKind.body.field).toBe('kind');
      const badFreq = await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ allowedFrequencies: ['daily'] }))
        .expect(400);
      expect(badFreq.body.field).toBe('allowedFrequencies');
      const badDefault = await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ allowedFrequencies: ['weekly'], defaultFrequency: 'monthly' }))
        .expect(400);
      expect(badDefault.body.field).toBe('defaultFrequency');
      const unknown = await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ colour: 'red' }))
        .expect(400);
      expect(unknown.body.field).toBe('colour');
      expect(unknown.body.message).toContain('colour should not exist');
      const badKey = await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ key: 'Not A Key' }))
        .expect(400);
      expect(badKey.body.field).toBe('key');
    });

    it('answers 409 for a duplicate key and 404 for an unknown topic', async () => {
      const input = topicInput();
      await t.api().post('/v1/topics').send(input).expect(201);
      const dup = await t.api().post('/v1/topics').send(input).expect(409);
      expect(dup.body.field).toBe('key');
      await t.api().get('/v1/topics/no-such-topic').expect(404);
    });

    it('refuses to drop a frequency that subscribers chose', async () => {
      const topic = topicInput({
        allowedFrequencies: ['weekly', 'monthly'],
        defaultFrequency: 'monthly',
      });
      await t.api().post('/v1/topics').send(topic).expect(201);
      await t
        .api()
        .post('/v1/subscribers')
        .send(subscriberInput({ topics: [{ topic: topic.key, frequency: 'weekly' }] }))
        .expect(201);
      const res = await t
        .api()
        .patch(`/v1/topics/${topic.key}`)
        .send({ allowedFrequencies: ['monthly'] })
        .expect(409);
      expect(res.body.field).toBe('allowedFrequencies');
      expect(res.body.message).toContain('1 on weekly');
    });
  });

  describe('subscribers', () => {
    it('creates a subscriber with a normalised email, dates and opt-ins recorded as consent', async () => {
      const topic = topicInput();
      await t.api().post('/v1/topics').send(topic).expect(201);
      const email = uniqueEmail('Ada').toUpperCase();
      const res = await t
        .api()
        .post('/v1/subscribers')
        .send(
          subscriberInput({
            email: `  ${email} `,
            dates: { renewal_date: '2027-01-15' },
            attributes: { plan: 'family' },
            topics: [{ topic: topic.key, frequency: 'weekly' }],
            consent: { text: 'Yes, send me product news weekly.', version: 'form-v3' },
          }),
        )
        .expect(201);
      expect(res.body).toMatchObject({
        email: email.toLowerCase(),
        status: 'active',
        dates: { renewal_date: '2027-01-15' },
        attributes: { plan: 'family' },
        subscriptions: [{ topic: topic.key, status: 'active', frequency: 'weekly' }],
      });

      const byEmail = await t
        .api()
        .get(`/v1/subscribers/${encodeURIComponent(email)}`)
        .expect(200);
      expect(byEmail.body.id).toBe(res.body.id);

      const consent = await t.api().get(`/v1/subscribers/${res.body.id}/consent`).expect(200);
      expect(consent.body).toEqual([
        expect.objectContaining({
          action: 'opt_in',
          topic: topic.key,
          wording: 'Yes, send me product news weekly.',
          wordingVersion: 'form-v3',
          source: 'api',
          details: expect.objectContaining({ frequency: 'weekly' }),
        }),
      ]);
      expect(new Date(consent.body[0].occurredAt).toISOString()).toBe(consent.body[0].occurredAt);
    });

    it('answers 409 for a duplicate email, 400 for a bad timezone or date, 404 for unknown ids', async () => {
      const input = subscriberInput();
      await t.api().post('/v1/subscribers').send(input).expect(201);
      const dup = await t
        .api()
        .post('/v1/subscribers')
        .send({ ...input, email: input.email.toUpperCase() })
        .expect(409);
      expect(dup.body.field).toBe('email');

      const tz = await t
        .api()
        .post('/v1/subscribers')
        .send(subscriberInput({ timezone: 'Mars/Olympus' }))
        .expect(400);
      expect(tz.body.field).toBe('timezone');
      const date = await t
        .api()
        .post('/v1/subscribers')
        .send(subscriberInput({ dates: { renewal_date: '2027-02-30' } }))
        .expect(400);
      expect(date.body.message).toContain('dates.renewal_date');
      const email = await t
        .api()
        .post('/v1/subscribers')
        .send(subscriberInput({ email: 'not-an-address' }))
        .expect(400);
      expect(email.body.field).toBe('email');
      const locale = await t
        .api()
        .post('/v1/subscribers')
        .send(subscriberInput({ locale: 'de' }))
        .expect(400);
      expect(locale.body.field).toBe('locale');

      await t.api().get('/v1/subscribers/00000000-0000-4000-8000-000000000000').expect(404);
      await t.api().get('/v1/subscribers/nobody%40example.test').expect(404);
    });

    it('leaves nothing behind when one opt-in of a create is refused', async () => {
      const customersOnly = topicInput({ prospectsAllowed: false });
      await t.api().post('/v1/topics').send(customersOnly).expect(201);
      const open = topicInput();
      await t.api().post('/v1/topics').send(open).expect(201);
      const input = subscriberInput({
        isCustomer: false,
        dates: { renewal_date: '2027-01-15' },
        topics: [{ topic: open.key }, { topic: customersOnly.key }],
      });
      const res = await t.api().post('/v1/subscribers').send(input).expect(422);
      expect(res.body).toMatchObject({ field: 'topics.1.topic', code: 'prospects_not_allowed' });
      await t
        .api()
        .get(`/v1/subscribers/${encodeURIComponent(input.email)}`)
        .expect(404);
      const leftovers = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM subscriber_dates d LEFT JOIN subscribers s ON s.id = d.subscriber_id WHERE s.id IS NULL`,
      );
      expect(leftovers[0].n).toBe(0);
    });

    it('merges attributes and dates on update; null removes', async () => {
      const created = await t
        .api()
        .post('/v1/subscribers')
        .send(
          subscriberInput({
            attributes: { a: 1, b: 2 },
            dates: { renewal_date: '2027-01-15', warranty_expires_on: '2028-05-01' },
          }),
        )
        .expect(201);
      const res = await t
        .api()
        .patch(`/v1/subscribers/${created.body.id}`)
        .send({
          attributes: { b: null, c: 3 },
          dates: { renewal_date: '2027-02-01', warranty_expires_on: null },
          locale: 'nl',
        })
        .expect(200);
      expect(res.body).toMatchObject({
        attributes: { a: 1, c: 3 },
        dates: { renewal_date: '2027-02-01' },
        locale: 'nl',
      });
      expect(res.body.attributes.b).toBeUndefined();
      expect(res.body.dates.warranty_expires_on).toBeUndefined();
    });

    it('lists with keyset pagination and filters by status, topic and customer', async () => {
      const topic = topicInput();
      await t.api().post('/v1/topics').send(topic).expect(201);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await t
          .api()
          .post('/v1/subscribers')
          .send(subscriberInput({ isCustomer: i % 2 === 0, topics: [{ topic: topic.key }] }))
          .expect(201);
        ids.push(r.body.id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: {
          body: { items: { id: string; isCustomer: boolean }[]; nextCursor: string | null };
        } = await t
          .http()
          .get('/v1/subscribers')
          .query({ topic: topic.key, limit: 2, ...(cursor ? { cursor } : {}) })
          .set(auth())
          .expect(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((s) => s.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(ids);

      const customers = await t
        .http()
        .get('/v1/subscribers')
        .query({ topic: topic.key, customer: 'true' })
        .set(auth())
        .expect(200);
      expect(customers.body.items.map((s: { id: string }) => s.id)).toEqual([
        ids[0],
        ids[2],
        ids[4],
      ]);

      const bad = await t
        .http()
        .get('/v1/subscribers')
        .query({ cursor: 'garbage' })
        .set(auth())
        .expect(400);
      expect(bad.body.field).toBe('cursor');
      const badLimit = await t
        .http()
        .get('/v1/subscribers')
        .query({ limit: 0 })
        .set(auth())
        .expect(400);
      expect(badLimit.body.field).toBe('limit');
    });

    it('erases a subscriber: PII and consent history gone, the address suppressed as a keyed hash', async () => {
      const topic = topicInput();
      await t.api().post('/v1/topics').send(topic).expect(201);
      const input = subscriberInput({
        dates: { renewal_date: '2027-01-15' },
        topics: [{ topic: topic.key }],
      });
      const created = await t.api().post('/v1/subscribers').send(input).expect(201);
      await t.api().delete(`/v1/subscribers/${created.body.id}`).expect(204);

      const [row] = await t.dataSource.query(
        `SELECT email, name, status, attributes FROM subscribers WHERE id = $1`,
        [created.body.id],
      );
      expect(row).toEqual({ email: null, name: null, status: 'erased', attributes: {} });
      const counts = await t.dataSource.query(
        `SELECT (SELECT count(*)::int FROM consent_events WHERE subscriber_id = $1) AS consent,
                (SELECT count(*)::int FROM subscriber_dates WHERE subscriber_id = $1) AS dates,
                (SELECT count(*)::int FROM subscriptions WHERE subscriber_id = $1) AS subs`,
        [created.body.id],
      );
      expect(counts[0]).toEqual({ consent: 0, dates: 0, subs: 0 });
      const suppressions = await t.dataSource.query(
        `SELECT address_hash, reason FROM suppressions WHERE reason = 'erasure'`,
      );
      expect(suppressions.length).toBeGreaterThan(0);
      for (const s of suppressions) expect(s.address_hash).toMatch(/^[0-9a-f]{64}$/);
      const dump = JSON.stringify(await t.dataSource.query(`SELECT * FROM suppressions`));
      expect(dump).not.toContain(input.email);

      const again = await t
        .api()
        .post('/v1/subscribers')
        .send({ ...input, topics: undefined, dates: undefined })
        .expect(422);
      expect(again.body).toMatchObject({ field: 'email', code: 'suppressed' });
      await t.api().delete(`/v1/subscribers/${created.body.id}`).expect(404);
    });
  });

  describe('subscriptions and consent', () => {
    it('subscribes, changes frequency and unsubscribes, each with one consent event; repeats record nothing', async () => {
      const topic = topicInput({
        allowedFrequencies: ['weekly', 'monthly', 'quarterly'],
        defaultFrequency: 'monthly',
      });
      await t.api().post('/v1/topics').send(topic).expect(201);
      const s = await t.api().post('/v1/subscribers').send(subscriberInput()).expect(201);
      const base = `/v1/subscribers/${s.body.id}/subscriptions`;

      const joined = await t.api().post(base).send({ topic: topic.key }).expect(201);
      expect(joined.body).toMatchObject({
        changed: true,
        subscription: { topic: topic.key, frequency: 'monthly', status: 'active' },
      });
      const repeat = await t.api().post(base).send({ topic: topic.key }).expect(200);
      expect(repeat.body.changed).toBe(false);

      const changed = await t
        .api()
        .patch(`${base}/${topic.key}`)
        .send({ frequency: 'quarterly' })
        .expect(200);
      expect(changed.body).toMatchObject({
        changed: true,
        subscription: { frequency: 'quarterly' },
      });
      const notAllowed = await t
        .api()
        .patch(`${base}/${topic.key}`)
        .send({ frequency: 'biweekly' })
        .expect(400);
      expect(notAllowed.body.field).toBe('frequency');

      const left = await t.api().delete(`${base}/${topic.key}`).expect(200);
      expect(left.body).toMatchObject({ changed: true, subscription: { status: 'unsubscribed' } });
      await t.api().delete(`${base}/${topic.key}`).expect(200);

      const consent = await t.api().get(`/v1/subscribers/${s.body.id}/consent`).expect(200);
      expect(consent.body.map((e: { action: string }) => e.action)).toEqual([
        'opt_in',
        'frequency_change',
        'opt_out',
      ]);
      expect(consent.body[1].details).toMatchObject({
        frequency: 'quarterly',
        previousFrequency: 'monthly',
      });
      expect(consent.body[2].wording).toContain('Unsubscribed from');

      const list = await t.api().get(base).expect(200);
      expect(list.body).toEqual([
        expect.objectContaining({ topic: topic.key, status: 'unsubscribed' }),
      ]);
    });

    it('refuses a prospect on a customers-only topic, an archived topic and an unknown topic', async () => {
      const customersOnly = topicInput({ prospectsAllowed: false });
      await t.api().post('/v1/topics').send(customersOnly).expect(201);
      const prospect = await t
        .api()
        .post('/v1/subscribers')
        .send(subscriberInput({ isCustomer: false }))
        .expect(201);
      const base = `/v1/subscribers/${prospect.body.id}/subscriptions`;
      const res = await t.api().post(base).send({ topic: customersOnly.key }).expect(422);
      expect(res.body).toMatchObject({ field: 'topic', code: 'prospects_not_allowed' });

      const archived = topicInput();
      await t.api().post('/v1/topics').send(archived).expect(201);
      await t.api().delete(`/v1/topics/${archived.key}`).expect(200);
      const arch = await t.api().post(base).send({ topic: archived.key }).expect(422);
      expect(arch.body.code).toBe('topic_archived');

      const unknown = await t.api().post(base).send({ topic: 'nope-nope' }).expect(404);
      expect(unknown.body.field).toBe('topic');
      const noEvents = await t.api().get(`/v1/subscribers/${prospect.body.id}/consent`).expect(200);
      expect(noEvents.body).toEqual([]);
    });

    it('keeps consent events append-only in the database itself', async () => {
      const topic = topicInput();
      await t.api().post('/v1/topics').send(topic).expect(201);
      const s = await t
        .api()
        .post('/v1/subscribers')
        .send(subscriberInput({ topics: [{ topic: topic.key }] }))
        .expect(201);
      await expect(
        t.dataSource.query(
          `UPDATE consent_events SET wording = 'forged' WHERE subscriber_id = $1`,
          [s.body.id],
        ),
      ).rejects.toThrow(/append-only/);
      await expect(
        t.dataSource.query(`DELETE FROM consent_events WHERE subscriber_id = $1`, [s.body.id]),
      ).rejects.toThrow(/append-only/);
    });
  });
});
