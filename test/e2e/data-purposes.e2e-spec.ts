import {
  createSubscriber,
  lifecycleRuleInput,
  unique,
  uniqueEmail,
  topicInput,
  usageAlertRuleInput,
} from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { LifecycleDriver } from '../support/lifecycle-driver';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { csrfOf, pageText } from '../support/preference-center';
import { TokensService } from '../../src/platform/tokens/tokens.service';
import { createTestApp, TestApp } from '../support/test-app';

const PUBLIC_URL = 'https://tidings.test';

describe('Data-use purposes: declared by rules, granted by subscribers', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let drive: LifecycleDriver;
  let notices: string;
  const clock = new ControllableClock('2027-04-05T08:00:00Z'); // Monday, 10:00 in Amsterdam

  const usageAlerts = {
    key: 'usage-alerts',
    names: { en: 'Usage alerts', nl: 'Verbruiksmeldingen' },
    explanations: {
      en: 'We look at how much of your bundle you used and at your plan.',
      nl: 'We kijken hoeveel van je bundel je gebruikte en naar je abonnement.',
    },
    benefits: {
      en: 'We warn you before your bundle runs out, so you pay no extra.',
      nl: 'We waarschuwen je voor je bundel op is, zodat je niets extra betaalt.',
    },
    withdrawalConsequences: {
      en: 'You will no longer get a warning before your bundle runs out.',
      nl: 'Je krijgt geen waarschuwing meer voor je bundel op is.',
    },
    attributes: ['plan'],
    eventTypes: ['usage.threshold'],
    legalBasis: 'consent',
    deleteOnWithdrawal: true,
  };

  const usageRule = (overrides: Record<string, unknown> = {}) =>
    usageAlertRuleInput(notices, overrides);

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
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  let n = 0;
  const postEvent = (email: string, percentUsed = 92) =>
    t
      .api()
      .post('/v1/events')
      .send({
        subscriber: email,
        type: 'usage.threshold',
        data: { percentUsed },
        idempotencyKey: `usage-${++n}-${unique()}`,
      })
      .expect(201);

  describe('/v1/data-purposes', () => {
    it('creates, reads, lists and changes a purpose; the version goes up on a change', async () => {
      const created = await t.api().post('/v1/data-purposes').send(usageAlerts).expect(201);
      expect(created.body).toMatchObject({
        key: 'usage-alerts',
        name: 'Verbruiksmeldingen', // the default locale (nl) is the first of LOCALES
        legalBasis: 'consent',
        attributes: ['plan'],
        eventTypes: ['usage.threshold'],
        dates: [],
        deleteOnWithdrawal: true,
        version: 1,
      });
      await t.api().post('/v1/data-purposes').send(usageAlerts).expect(409);
      const got = await t.api().get('/v1/data-purposes/usage-alerts').expect(200);
      expect(got.body.benefits.en).toBe(usageAlerts.benefits.en);
      const list = await t.api().get('/v1/data-purposes').expect(200);
      expect(list.body.map((p: { key: string }) => p.key)).toContain('usage-alerts');

      const renewals = await t
        .api()
        .post('/v1/data-purposes')
        .send({
          key: 'renewal-warnings',
          name: 'Renewal warnings',
          dates: ['renewal_date'],
          legalBasis: 'contract',
        })
        .expect(201);
      const patched = await t
        .api()
        .patch('/v1/data-purposes/renewal-warnings')
        .send({ benefits: { en: 'We warn you 30 days before your renewal.' } })
        .expect(200);
      expect(patched.body).toMatchObject({ id: renewals.body.id, version: 2 });
      await t.api().get('/v1/data-purposes/nope').expect(404);
    });

    it('refuses a text for a locale that is not configured, and a bad legal basis, naming the field', async () => {
      const badLocale = await t
        .api()
        .post('/v1/data-purposes')
        .send({ ...usageAlerts, key: 'other', names: { de: 'Nutzung' } })
        .expect(400);
      expect(badLocale.body.field).toBe('names.de');
      const badBasis = await t
        .api()
        .post('/v1/data-purposes')
        .send({ ...usageAlerts, key: 'other', legalBasis: 'because' })
        .expect(400);
      expect(badBasis.body.field).toBe('legalBasis');
    });
  });

  describe('saving a rule', () => {
    it('refuses an attribute outside the declared purposes with 400 naming the attribute', async () => {
      const res = await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(
          usageRule({
            trigger: {
              type: 'attribute',
              condition: {
                all: [
                  { path: 'plan', op: 'eq', value: 'family' },
                  { path: 'vehicle_age_years', op: 'gte', value: 8 },
                ],
              },
            },
            deadlineDays: null,
          }),
        )
        .expect(400);
      expect(res.body.field).toBe('trigger.condition.all.1.path');
      expect(res.body.code).toBe('purpose_not_declared');
      expect(res.body.message).toContain('"vehicle_age_years"');

      const inContent = await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(
          usageRule({
            content: {
              nl: { heading: 'Hoi {attributes.iban}', intro: 'x', reason: 'y' },
            },
          }),
        )
        .expect(400);
      expect(inContent.body.field).toBe('content.nl.heading');
      expect(inContent.body.message).toContain('"iban"');
    });

    it('refuses a rule that uses covered data without declaring a purpose, and an unknown purpose', async () => {
      const undeclared = await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(usageRule({ purposes: undefined }))
        .expect(400);
      expect(undeclared.body).toMatchObject({
        field: 'trigger.event',
        code: 'purpose_not_declared',
      });
      expect(undeclared.body.message).toContain('"usage-alerts"');

      const unknown = await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(usageRule({ purposes: ['usage-alerts', 'no-such-purpose'] }))
        .expect(400);
      expect(unknown.body.field).toBe('purposes.1');
    });

    it('keeps a rule without purposes working while no purpose covers its data', async () => {
      const res = await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(
          usageRule({
            purposes: undefined,
            trigger: { type: 'event', event: 'order.shipped' },
            content: { nl: { heading: 'Verzonden', intro: 'x', reason: 'y' } },
          }),
        )
        .expect(201);
      expect(res.body.purposes).toBeNull();
    });
  });

  describe('a usage-alert rule relying on a consent-based purpose', () => {
    let ruleKey: string;
    beforeAll(async () => {
      const rule = await t.api().post('/v1/lifecycle-rules').send(usageRule()).expect(201);
      ruleKey = rule.body.key;
      expect(rule.body.purposes).toEqual(['usage-alerts']);
    });

    const messagesOf = async (subscriberId: string) =>
      (await t.api().get(`/v1/messages?subscriber=${subscriberId}`).expect(200)).body
        .items as Array<{
        status: string;
        skipReason: string | null;
      }>;

    it('sends nothing without the grant, sends after it, nothing after a withdrawal, and deletes the covered data', async () => {
      const s = await createSubscriber(t, {
        email: uniqueEmail('usage'),
        topics: [{ topic: notices }],
        attributes: { plan: 'family', city: 'Utrecht' },
      });

      // No grant: skipped with the reason, in the ledger.
      const before = await postEvent(s.email);
      expect(before.body.outcomes).toEqual([
        { rule: ruleKey, result: 'no_data_consent', messageId: expect.any(String) },
      ]);
      await drive.step('2027-04-05T08:01:00Z');
      expect(smtp.to(s.email)).toHaveLength(0);
      expect(await messagesOf(s.id)).toEqual([
        expect.objectContaining({ status: 'skipped', skipReason: 'no_data_consent' }),
      ]);

      // The preference page lists the purpose with the data it covers, why, what it gives, the
      // basis, and one button to allow it.
      const token = t.app.get(TokensService).sign('manage', s.id, { now: clock.now() });
      const page = (await t.http().get(`/p/${token}?lang=en`).expect(200)).text;
      const text = pageText(page);
      expect(text).toContain('How we use your data');
      expect(text).toContain('Usage alerts');
      expect(text).toContain('Off: we do not use your data for this.');
      expect(text).toMatch(/Plan: family/);
      expect(text).toContain(usageAlerts.explanations.en);
      expect(text).toContain(usageAlerts.benefits.en);
      expect(text).toContain('Your permission');
      expect(page).toContain(`action="/p/${token}/purposes?lang=en"`);

      // Granted on the page (a form post, no JavaScript): the next event sends.
      await t
        .http()
        .post(`/p/${token}/purposes?lang=en`)
        .type('form')
        .send({ csrf: csrfOf(page), purpose: 'usage-alerts', decision: 'grant' })
        .expect(303)
        .expect(
          'Location',
          `/p/${token}?lang=en&done=purpose_granted&purpose=usage-alerts#purposes`,
        );
      const granted = await t.api().get(`/v1/subscribers/${s.id}/purposes`).expect(200);
      expect(granted.body).toContainEqual(
        expect.objectContaining({ purpose: 'usage-alerts', inUse: true, decision: 'granted' }),
      );
      const after = await postEvent(s.email, 95);
      expect(after.body.outcomes).toEqual([
        { rule: ruleKey, result: 'queued', messageId: expect.any(String) },
      ]);
      await drive.step('2027-04-05T08:02:00Z');
      expect(smtp.to(s.email)).toHaveLength(1);
      expect(smtp.to(s.email)[0].parsed.subject).toBe('You used 95% of your family bundle');

      // The page now says it is on and what stopping it means; withdrawn there, the covered
      // attribute is deleted (others stay) and nothing more is sent.
      const on = (
        await t
          .http()
          .get(`/p/${token}?lang=en&done=purpose_granted&purpose=usage-alerts`)
          .expect(200)
      ).text;
      expect(pageText(on)).toContain('Saved: you allowed "Usage alerts".');
      expect(pageText(on)).toContain(`If you stop this: ${usageAlerts.withdrawalConsequences.en}`);
      expect(pageText(on)).toContain('Stopping it also deletes the data listed here.');
      await t
        .http()
        .post(`/p/${token}/purposes?lang=en`)
        .type('form')
        .send({ csrf: csrfOf(on), purpose: 'usage-alerts', decision: 'withdraw' })
        .expect(303);
      const sub = await t.api().get(`/v1/subscribers/${s.id}`).expect(200);
      expect(sub.body.attributes).toEqual({ city: 'Utrecht' });
      // ...and so are the usage events it covered.
      const [events] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM events WHERE subscriber_id = $1`,
        [s.id],
      );
      expect(events.n).toBe(0);
      const later = await postEvent(s.email, 99);
      expect(later.body.outcomes[0].result).toBe('no_data_consent');
      await drive.step('2027-04-05T08:03:00Z');
      expect(smtp.to(s.email)).toHaveLength(1);

      // The consent history holds both, with their exact wording and version.
      const consent = await t.api().get(`/v1/subscribers/${s.id}/consent`).expect(200);
      const uses = (
        consent.body as Array<{ action: string; wording: string; wordingVersion: string }>
      ).filter((e) => e.action.startsWith('data_use'));
      expect(uses).toEqual([
        expect.objectContaining({
          action: 'data_use_grant',
          source: 'preference_center',
          wordingVersion: 'purpose:usage-alerts:v1',
          wording: expect.stringContaining(usageAlerts.benefits.en),
        }),
        expect.objectContaining({
          action: 'data_use_withdrawal',
          source: 'preference_center',
          details: expect.objectContaining({
            purpose: 'usage-alerts',
            deleted: ['event:usage.threshold', 'plan'],
          }),
          wordingVersion: 'purpose:usage-alerts:v1',
          wording: expect.stringContaining(usageAlerts.withdrawalConsequences.en),
        }),
      ]);
    });

    it('puts the purposes and their history in the data export', async () => {
      const s = await createSubscriber(t, {
        email: uniqueEmail('usage'),
        topics: [{ topic: notices }],
        attributes: { plan: 'duo' },
      });
      await t
        .api()
        .post(`/v1/subscribers/${s.id}/purposes/usage-alerts/grant`)
        .send({})
        .expect(200);
      const token = t.app.get(TokensService).sign('manage', s.id, { now: clock.now() });
      const res = await t.http().get(`/p/${token}/export`).expect(200);
      const data = JSON.parse(res.text) as { dataPurposes: Array<Record<string, unknown>> };
      expect(data.dataPurposes).toContainEqual(
        expect.objectContaining({
          purpose: 'usage-alerts',
          legalBasis: 'consent',
          decision: 'granted',
          covers: expect.arrayContaining([{ kind: 'attribute', name: 'plan', value: 'duo' }]),
          history: [expect.objectContaining({ action: 'data_use_grant', source: 'api' })],
        }),
      );
    });

    it('skips a notice queued before the withdrawal when it is about to be sent', async () => {
      const s = await createSubscriber(t, {
        email: uniqueEmail('usage'),
        topics: [{ topic: notices }],
        attributes: { plan: 'solo' },
      });
      // A rule whose notice waits a day, so the withdrawal comes between queueing and sending.
      await t.api().patch(`/v1/lifecycle-rules/${ruleKey}`).send({ enabled: false }).expect(200);
      const nextDay = usageRule();
      await t
        .api()
        .post('/v1/lifecycle-rules')
        .send({ ...nextDay, trigger: { ...nextDay.trigger, offsetDays: 1 } })
        .expect(201);
      await t
        .api()
        .post(`/v1/subscribers/${s.email}/purposes/usage-alerts/grant`)
        .send({})
        .expect(200);
      const queued = await postEvent(s.email);
      expect(queued.body.outcomes[0].result).toBe('queued');
      await t
        .api()
        .post(`/v1/subscribers/${s.email}/purposes/usage-alerts/withdraw`)
        .send({})
        .expect(200);
      await drive.step('2027-04-06T08:04:00Z');
      expect(smtp.to(s.email)).toHaveLength(0);
      const msg = await t
        .api()
        .get(`/v1/messages/${queued.body.outcomes[0].messageId}`)
        .expect(200);
      expect(msg.body).toMatchObject({ status: 'skipped', skipReason: 'no_data_consent' });
    });

    it('refuses to grant a purpose that does not rest on consent (422)', async () => {
      const s = await createSubscriber(t, { topics: [{ topic: notices }] });
      const res = await t
        .api()
        .post(`/v1/subscribers/${s.id}/purposes/renewal-warnings/grant`)
        .send({})
        .expect(422);
      expect(res.body.code).toBe('not_consent_based');
      await t.api().post(`/v1/subscribers/${s.id}/purposes/nope/grant`).send({}).expect(404);
    });
  });
  describe('a renewal rule relying on a consent-based purpose, in the trust audit', () => {
    it('lists the subscriber without the grant as no_data_consent, before and after the scan writes the notice', async () => {
      await t
        .api()
        .post('/v1/data-purposes')
        .send({
          key: 'renewal-alerts',
          names: { en: 'Renewal warnings', nl: 'Waarschuwing voor verlenging' },
          benefits: {
            en: 'We warn you 30 days before your renewal.',
            nl: 'We waarschuwen je 30 dagen voor je verlenging.',
          },
          dates: ['renewal_date'],
          legalBasis: 'consent',
        })
        .expect(201);
      const rule = await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(lifecycleRuleInput(notices, { purposes: ['renewal-alerts'] }))
        .expect(201);
      const without = await createSubscriber(t, {
        email: uniqueEmail('renew'),
        topics: [{ topic: notices }],
        dates: { renewal_date: '2027-05-20' },
      });
      const withGrant = await createSubscriber(t, {
        email: uniqueEmail('renew'),
        topics: [{ topic: notices }],
        dates: { renewal_date: '2027-05-20' },
      });
      await t
        .api()
        .post(`/v1/subscribers/${withGrant.id}/purposes/renewal-alerts/grant`)
        .send({})
        .expect(200);

      type Item = {
        subscriberId: string;
        status: string;
        reason: string | null;
        messageId: string | null;
      };
      const audit = async () =>
        (await t.api().get(`/v1/reports/audit?rule=${rule.body.key}&limit=100`).expect(200)).body
          .items as Item[];
      const of = (items: Item[], id: string) => items.find((i) => i.subscriberId === id);
      let items = await audit();
      expect(of(items, without.id)).toMatchObject({ status: 'none', reason: 'no_data_consent' });
      expect(of(items, withGrant.id)).toMatchObject({ status: 'scheduled', reason: null });

      await drive.step('2027-04-20T08:00:00Z');
      expect(smtp.to(withGrant.email)).toHaveLength(1);
      expect(smtp.to(without.email)).toHaveLength(0);
      items = await audit();
      expect(of(items, without.id)).toMatchObject({
        status: 'none',
        reason: 'no_data_consent',
        messageId: expect.any(String),
      });
      expect(of(items, withGrant.id)).toMatchObject({ status: 'sent' });
    });
  });
  describe('a campaign segment', () => {
    it('must declare the purposes covering its attributes, and reaches only those who granted a consent-based one', async () => {
      const news = unique('news');
      await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ key: news }))
        .expect(201);
      const people = [];
      for (const plan of ['family', 'family']) {
        people.push(
          await createSubscriber(t, {
            email: uniqueEmail('camp'),
            topics: [{ topic: news }],
            attributes: { plan },
          }),
        );
      }
      await t.dataSource.query(
        `UPDATE subscriptions SET next_due_at = $2 WHERE subscriber_id = ANY($1)`,
        [people.map((x) => x.id), new Date(clock.now().getTime() - 86_400_000)],
      );
      await t
        .api()
        .post(`/v1/subscribers/${people[0].id}/purposes/usage-alerts/grant`)
        .send({})
        .expect(200);
      const item = await t
        .api()
        .post('/v1/content-items')
        .send({ topic: news, kind: 'editorial', title: 'Family plan news', summary: 'A summary.' })
        .expect(201);
      const segment = { attributes: [{ name: 'plan', op: 'eq', value: 'family' }] };

      const undeclared = await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: news, contentItem: item.body.id, segment })
        .expect(400);
      expect(undeclared.body).toMatchObject({
        field: 'segment.attributes.0.name',
        code: 'purpose_not_declared',
      });

      const created = await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: news, contentItem: item.body.id, segment, purposes: ['usage-alerts'] })
        .expect(201);
      expect(created.body.purposes).toEqual(['usage-alerts']);
      await eventually(async () => {
        const res = await t.api().get(`/v1/campaigns/${created.body.id}`).expect(200);
        return res.body.status === 'sent' ? res.body : null;
      });
      await drive.settle();
      expect(smtp.to(people[0].email)).toHaveLength(1);
      expect(smtp.to(people[1].email)).toHaveLength(0);
    });
  });
});
