import { createBillingPurpose, uniqueEmail } from '../factories';
import { createTopic, linkPath } from '../support/preference-center';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const PUBLIC_URL = 'https://signup-purposes.tidings.test';

describe('Data-use purposes asked for at sign-up are granted on confirmation', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let news: { key: string };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: { PUBLIC_URL, SMTP_URL: smtp.url, DISPATCH_INTERVAL_MS: '500' },
    });
    news = await createTopic(t, { name: 'Product news' });
    await t
      .api()
      .post('/v1/data-purposes')
      .send({
        key: 'usage-alerts',
        names: { en: 'Usage alerts', nl: 'Verbruiksmeldingen' },
        explanations: { en: 'We look at how much of your bundle you used.' },
        attributes: ['plan'],
        legalBasis: 'consent',
      })
      .expect(201);
    await createBillingPurpose(t);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const grantsOf = async (email: string) => {
    const { body } = await t.api().get(`/v1/subscribers/${email}/consent`).expect(200);
    return (body as Array<{ action: string }>).filter((e) => e.action === 'data_use_grant');
  };

  it('records the grant with the wording shown only when the subscriber confirms', async () => {
    const email = uniqueEmail('purposes');
    await t
      .http()
      .post('/subscribe')
      .send({ email, locale: 'en', topics: [news.key], purposes: ['usage-alerts'] })
      .expect(202);
    const confirmation = await smtp.waitFor((m) => m.to.includes(email));

    expect(await grantsOf(email)).toEqual([]);
    const before = await t.api().get(`/v1/subscribers/${email}/purposes`).expect(200);
    expect(before.body).toContainEqual(
      expect.objectContaining({ purpose: 'usage-alerts', inUse: false, decision: null }),
    );

    await t
      .http()
      .get(linkPath(confirmation.parsed.text!, PUBLIC_URL, '/confirm/'))
      .expect(200);

    const grants = await grantsOf(email);
    expect(grants).toEqual([
      expect.objectContaining({
        action: 'data_use_grant',
        source: 'form',
        wording:
          'Allowed the data use "Usage alerts". We look at how much of your bundle you used.',
        wordingVersion: 'purpose:usage-alerts:v1',
        details: expect.objectContaining({ purpose: 'usage-alerts' }),
      }),
    ]);
    const after = await t.api().get(`/v1/subscribers/${email}/purposes`).expect(200);
    expect(after.body).toContainEqual(
      expect.objectContaining({ purpose: 'usage-alerts', inUse: true, decision: 'granted' }),
    );
  });

  it('refuses an unknown or not consent-based purpose with 400 naming purposes.<i>, and keeps nothing', async () => {
    for (const [purposes, field] of [
      [['usage-alerts', 'no-such-purpose'], 'purposes.1'],
      [['billing'], 'purposes.0'],
    ] as const) {
      const email = uniqueEmail('bad-purpose');
      const res = await t
        .http()
        .post('/subscribe')
        .send({ email, locale: 'en', topics: [news.key], purposes })
        .expect(400);
      expect(res.body.field).toBe(field);
      const rows = await t.dataSource.query(`SELECT 1 FROM subscribers WHERE email = $1`, [email]);
      expect(rows).toEqual([]);
    }
  });
});
