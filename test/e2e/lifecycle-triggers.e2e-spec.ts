import { createSubscriber, topicInput, unique, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { LifecycleDriver } from '../support/lifecycle-driver';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const DAY = 86_400_000;
const PUBLIC_URL = 'https://tidings.test';

describe('Lifecycle triggers: events, attribute conditions and the confirmed series', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let drive: LifecycleDriver;
  let notices: string;
  let news: string;
  const clock = new ControllableClock('2027-04-05T08:00:00Z'); // Monday, 10:00 in Amsterdam

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      clock,
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        DISPATCH_INTERVAL_MS: '60000',
        DELIVERY_RETRY_BASE_MS: '100',
      },
    });
    drive = new LifecycleDriver(t, clock);
    notices = unique('usage');
    news = unique('news');
    await t
      .api()
      .post('/v1/topics')
      .send(
        topicInput({
          key: notices,
          kind: 'notice',
          name: 'Account notices',
          allowedFrequencies: ['monthly'],
        }),
      )
      .expect(201);
    await t
      .api()
      .post('/v1/topics')
      .send(topicInput({ key: news }))
      .expect(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const subscriber = (overrides: Record<string, unknown> = {}) =>
    createSubscriber(t, { email: uniqueEmail('trg'), topics: [{ topic: notices }], ...overrides });

  function postEvent(body: Record<string, unknown>, key = t.adminKey) {
    return t
      .http()
      .post('/v1/events')
      .set({ Authorization: `Bearer ${key}` })
      .send(body);
  }

  describe('event rules', () => {
    beforeAll(async () => {
      await t
        .api()
        .post('/v1/lifecycle-rules')
        .send({
          key: 'bundle-nearly-used',
          name: 'Bundle 90% used',
          topic: notices,
          template: 'notice',
          trigger: {
            type: 'event',
            event: 'usage.threshold',
            condition: { path: 'percentUsed', op: 'gte', value: 90 },
            cooldownDays: 7,
          },
          deadlineDays: 2,
          content: {
            en: {
              heading: 'You have used {event.percentUsed}% of your {event.bundle}',
              intro: 'At this pace it runs out before the month ends.',
              reason: 'You get this because your usage passed 90%.',
            },
            nl: {
              heading: 'Je hebt {event.percentUsed}% van je {event.bundle} gebruikt',
              intro: 'In dit tempo is het op voor de maand voorbij is.',
              reason: 'Je krijgt dit omdat je verbruik boven 90% kwam.',
            },
          },
        })
        .expect(201);
    });

    it('an event posted twice with the same idempotency key gives one notice; the cooldown holds until it ends', async () => {
      const s = await subscriber();
      const event = {
        subscriber: s.email,
        type: 'usage.threshold',
        data: { percentUsed: 91, bundle: 'mobile data' },
        occurredAt: '2027-04-05T07:55:00Z',
        idempotencyKey: `usage-${s.id}-1`,
      };
      const first = await postEvent(event).expect(201);
      expect(first.body).toMatchObject({
        duplicate: false,
        subscriberId: s.id,
        outcomes: [{ rule: 'bundle-nearly-used', result: 'queued', messageId: expect.any(String) }],
      });
      const again = await postEvent(event).expect(200);
      expect(again.body).toMatchObject({
        id: first.body.id,
        duplicate: true,
        outcomes: first.body.outcomes,
      });
      // Concurrent repeats of a third delivery attempt of the same event.
      const repeats = await Promise.all([postEvent(event), postEvent(event), postEvent(event)]);
      expect(repeats.map((r) => r.status)).toEqual([200, 200, 200]);
      await drive.step('2027-04-05T08:00:00Z');
      expect(smtp.to(s.email)).toHaveLength(1);
      expect(smtp.to(s.email)[0].parsed.subject).toBe('You have used 91% of your mobile data');

      // Another threshold event two days later, and one below the threshold: nothing new.
      clock.set('2027-04-07T08:00:00Z');
      const cooled = await postEvent({
        ...event,
        data: { percentUsed: 95, bundle: 'mobile data' },
        occurredAt: undefined,
        idempotencyKey: `usage-${s.id}-2`,
      }).expect(201);
      expect(cooled.body.outcomes).toEqual([{ rule: 'bundle-nearly-used', result: 'cooldown' }]);
      const below = await postEvent({
        ...event,
        data: { percentUsed: 50 },
        occurredAt: undefined,
        idempotencyKey: `usage-${s.id}-3`,
      }).expect(201);
      expect(below.body.outcomes).toEqual([
        { rule: 'bundle-nearly-used', result: 'condition_false' },
      ]);
      await drive.step('2027-04-07T08:00:00Z');
      expect(smtp.to(s.email)).toHaveLength(1);

      // After the seven days: a new event gives a new notice.
      clock.set('2027-04-12T08:00:00Z');
      const later = await postEvent({
        ...event,
        data: { percentUsed: 92, bundle: 'mobile data' },
        occurredAt: undefined,
        idempotencyKey: `usage-${s.id}-4`,
      }).expect(201);
      expect(later.body.outcomes[0].result).toBe('queued');
      await drive.step('2027-04-12T08:00:00Z');
      expect(smtp.to(s.email)).toHaveLength(2);
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM events WHERE subscriber_id = $1`,
        [s.id],
      );
      expect(n).toBe(4);
    });

    it('events outside the deadline, for unsubscribed subscribers, or malformed are answered clearly', async () => {
      const s = await subscriber();
      const base = {
        subscriber: s.id,
        type: 'usage.threshold',
        data: { percentUsed: 99, bundle: 'calls' },
      };
      const old = await postEvent({
        ...base,
        occurredAt: '2027-04-01T08:00:00Z',
        idempotencyKey: unique('old'),
      }).expect(201);
      expect(old.body.outcomes).toEqual([{ rule: 'bundle-nearly-used', result: 'too_late' }]);
      const other = await subscriber({ topics: [{ topic: news }] });
      const notSubscribed = await postEvent({
        ...base,
        subscriber: other.id,
        idempotencyKey: unique('ns'),
      }).expect(201);
      expect(notSubscribed.body.outcomes).toEqual([
        { rule: 'bundle-nearly-used', result: 'not_eligible' },
      ]);
      const unmatched = await postEvent({
        ...base,
        type: 'plan.review',
        idempotencyKey: unique('pr'),
      }).expect(201);
      expect(unmatched.body.outcomes).toEqual([]);

      const reused = await postEvent({
        ...base,
        type: 'plan.review',
        idempotencyKey: old.body.idempotencyKey,
      }).expect(409);
      expect(reused.body).toMatchObject({
        field: 'idempotencyKey',
        code: 'idempotency_key_reused',
      });
      expect(
        (
          await postEvent({
            ...base,
            subscriber: uniqueEmail('nobody'),
            idempotencyKey: unique('x'),
          }).expect(404)
        ).body.field,
      ).toBe('subscriber');
      expect(
        (
          await postEvent({ ...base, type: 'Usage Threshold', idempotencyKey: unique('x') }).expect(
            400,
          )
        ).body.field,
      ).toBe('type');
      expect((await postEvent({ ...base, idempotencyKey: '' }).expect(400)).body.field).toBe(
        'idempotencyKey',
      );
      expect(
        (
          await postEvent({ ...base, occurredAt: 'yesterday', idempotencyKey: unique('x') }).expect(
            400,
          )
        ).body.field,
      ).toBe('occurredAt');
      expect(
        (
          await postEvent({
            ...base,
            occurredAt: '2030-01-01T00:00:00Z',
            idempotencyKey: unique('x'),
          }).expect(400)
        ).body.field,
      ).toBe('occurredAt');
      expect(
        (await postEvent({ ...base, data: [1, 2], idempotencyKey: unique('x') }).expect(400)).body
          .field,
      ).toBe('data');
      // Scopes: events:write is needed.
      const reader = await t.keyWith('lifecycle:read');
      await postEvent({ ...base, idempotencyKey: unique('x') }, reader).expect(403);
      const writer = await t.keyWith('events:write');
      await postEvent(
        { ...base, data: { percentUsed: 10 }, idempotencyKey: unique('x') },
        writer,
      ).expect(201);
    });
  });

  it('an attribute condition fires once per occurrence: again only after it became false and then true', async () => {
    clock.set('2027-05-03T08:00:00Z');
    const already = await subscriber({ attributes: { vehicle_age_years: 10, cover: 'all-risk' } });
    const s = await subscriber({ attributes: { vehicle_age_years: 7, cover: 'all-risk' } });
    await t
      .api()
      .post('/v1/lifecycle-rules')
      .send({
        key: 'older-car',
        name: 'Older car on all-risk',
        topic: notices,
        template: 'notice',
        trigger: {
          type: 'attribute',
          condition: {
            all: [
              { path: 'vehicle_age_years', op: 'gte', value: 8 },
              { path: 'cover', op: 'eq', value: 'all-risk' },
            ],
          },
        },
        content: {
          en: {
            heading:
              'Your car is {attributes.vehicle_age_years} years old: all-risk may no longer pay off',
            intro: 'Third-party plus could cost you less.',
            reason: 'You get this because your car turned eight and is insured all-risk.',
          },
          nl: {
            heading:
              'Je auto is {attributes.vehicle_age_years} jaar oud: allrisk loont misschien niet meer',
            intro: 'WA plus kan goedkoper zijn.',
            reason: 'Je krijgt dit omdat je auto acht jaar oud is en allrisk verzekerd.',
          },
        },
      })
      .expect(201);
    const patch = (attributes: Record<string, unknown>) =>
      t.api().patch(`/v1/subscribers/${s.id}`).send({ attributes }).expect(200);

    await drive.step('2027-05-03T08:00:00Z');
    expect(smtp.to(already.email)).toHaveLength(1); // true when the rule started: one occurrence
    expect(smtp.to(s.email)).toHaveLength(0);

    await patch({ vehicle_age_years: 8 });
    await drive.step('2027-05-03T08:01:00Z');
    expect(smtp.to(s.email).map((m) => m.parsed.subject)).toEqual([
      'Your car is 8 years old: all-risk may no longer pay off',
    ]);
    await patch({ vehicle_age_years: 9 }); // still true: not a new occurrence
    await drive.step('2027-05-03T08:02:00Z');
    await drive.step('2027-05-03T08:03:00Z');
    expect(smtp.to(s.email)).toHaveLength(1);
    await patch({ cover: 'third-party' }); // false
    await drive.step('2027-05-03T08:04:00Z');
    await patch({ cover: 'all-risk' }); // true again: a second occurrence
    await drive.step('2027-05-03T08:05:00Z');
    await drive.step('2027-05-03T08:06:00Z');
    expect(smtp.to(s.email)).toHaveLength(2);
    const [state] = await t.dataSource.query(
      `SELECT is_true, occurrence FROM lifecycle_attribute_states WHERE subscriber_id = $1`,
      [s.id],
    );
    expect(state).toEqual({ is_true: true, occurrence: 2 });
    expect(smtp.to(already.email)).toHaveLength(1);
  });

  it('the confirmed series: one welcome at confirmation, follow-ups on day 3 and 14, none for someone who left', async () => {
    clock.set('2027-06-07T08:00:00Z'); // Monday, 10:00 in Amsterdam
    for (const [key, day] of [
      ['welcome-day-3', 3],
      ['welcome-day-14', 14],
    ] as const) {
      await t
        .api()
        .post('/v1/lifecycle-rules')
        .send({
          key,
          name: `Welcome follow-up, day ${day}`,
          topic: notices,
          template: 'notice',
          trigger: { type: 'confirmed', offsetDays: day },
          content: {
            en: {
              heading: `Day ${day}: getting the most out of your account`,
              intro: 'A few tips.',
              reason: 'You get this because you signed up on {date}.',
            },
            nl: {
              heading: `Dag ${day}: haal meer uit je account`,
              intro: 'Een paar tips.',
              reason: 'Je krijgt dit omdat je je op {date} aanmeldde.',
            },
          },
        })
        .expect(201);
    }
    const stays = uniqueEmail('stays');
    const leaves = uniqueEmail('leaves');
    for (const email of [stays, leaves]) {
      await t
        .http()
        .post('/subscribe')
        .send({ email, name: 'Ada', timezone: 'Europe/Amsterdam', topics: [news, notices] })
        .expect(202);
      const confirmation = await smtp.waitFor((m) => m.to.includes(email));
      const path = new RegExp(`${PUBLIC_URL.replace(/\./g, '\\.')}(/confirm/[A-Za-z0-9_-]+)`).exec(
        confirmation.parsed.text!,
      )![1];
      await t.http().get(path).expect(200);
      await smtp.waitFor((m) => m.to.includes(email) && m !== confirmation);
    }
    const leaver = (
      await t
        .api()
        .get(`/v1/subscribers/${encodeURIComponent(leaves)}`)
        .expect(200)
    ).body as { id: string };
    const followUpsOf = async (id: string) =>
      await t.dataSource.query<
        Array<{
          status: string;
          skip_reason: string | null;
          send_after: Date;
          sent_at: Date | null;
        }>
      >(
        `SELECT status, skip_reason, send_after, sent_at FROM outbound_messages
          WHERE subscriber_id = $1 AND rule_id IS NOT NULL ORDER BY send_after`,
        [id],
      );

    const subjects = (email: string) => smtp.to(email).map((m) => m.parsed.subject);
    await drive.step('2027-06-07T08:10:00Z');
    await drive.walk('2027-06-08T08:10:00Z', DAY / 4);
    // Day 3 is written ahead for 09:00 local; then this subscriber leaves the topic.
    const [planned] = await followUpsOf(leaver.id);
    expect(planned).toMatchObject({ status: 'queued' });
    expect(planned.send_after.toISOString()).toBe('2027-06-10T07:00:00.000Z');
    await t.api().delete(`/v1/subscribers/${leaver.id}/subscriptions/${notices}`).expect(200);

    await drive.walk('2027-06-22T08:10:00Z', DAY / 4);
    expect(subjects(stays)).toEqual([
      expect.stringMatching(/confirm/i),
      expect.stringMatching(/welcome/i),
      'Day 3: getting the most out of your account',
      'Day 14: getting the most out of your account',
    ]);
    const stayer = (
      await t
        .api()
        .get(`/v1/subscribers/${encodeURIComponent(stays)}`)
        .expect(200)
    ).body as { id: string };
    expect((await followUpsOf(stayer.id)).map((r) => r.sent_at!.toISOString())).toEqual([
      '2027-06-10T08:10:00.000Z', // the first step at or after 09:00 local on day 3
      '2027-06-21T08:10:00.000Z',
    ]);
    expect(await followUpsOf(leaver.id)).toEqual([
      expect.objectContaining({ status: 'skipped', skip_reason: 'not_subscribed' }),
    ]);
    expect(subjects(leaves)).toHaveLength(2); // confirmation and welcome only
    expect(smtp.to(stays).filter((m) => /welcome/i.test(m.parsed.subject ?? ''))).toHaveLength(1);
  });

  it('erasure removes the lifecycle data kept about a person: events, cooldowns, attribute states', async () => {
    const s = await subscriber({ attributes: { vehicle_age_years: 12, cover: 'all-risk' } });
    await drive.step(new Date(clock.now().getTime() + 60_000));
    await postEvent({
      subscriber: s.id,
      type: 'usage.threshold',
      data: { percentUsed: 97, bundle: 'calls' },
      idempotencyKey: unique('erase'),
    }).expect(201);
    const count = async (table: string) =>
      (
        await t.dataSource.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS n FROM ${table} WHERE subscriber_id = $1`,
          [s.id],
        )
      )[0].n;
    expect(await count('events')).toBe(1);
    expect(await count('lifecycle_cooldowns')).toBe(1);
    expect(await count('lifecycle_attribute_states')).toBe(1);
    await t.api().delete(`/v1/subscribers/${s.id}`).expect(204);
    expect(await count('events')).toBe(0);
    expect(await count('lifecycle_cooldowns')).toBe(0);
    expect(await count('lifecycle_attribute_states')).toBe(0);
  });
});
