import { topicInput, uniqueEmail, usageAlertRuleInput } from '../factories';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const PUBLIC_URL = 'https://tidings.test';

/** The path of the first link in a text that starts with PUBLIC_URL + prefix. */
function linkPath(text: string, prefix: string): string {
  const match = new RegExp(`${PUBLIC_URL.replace(/\./g, '\\.')}(${prefix}[A-Za-z0-9_-]+)`).exec(
    text,
  );
  if (!match) throw new Error(`No ${prefix} link in: ${text.slice(0, 500)}`);
  return match[1];
}

describe('The welcome offers the purposes of the chosen topics, off by default', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const withPurpose = topicInput({
    name: 'Account notices',
    kind: 'notice',
    allowedFrequencies: ['monthly'],
  });
  const withoutPurpose = topicInput({ name: 'Product news' });

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        DELIVERY_RETRY_BASE_MS: '100',
        DISPATCH_INTERVAL_MS: '500',
      },
    });
    await t.api().post('/v1/topics').send(withPurpose).expect(201);
    await t.api().post('/v1/topics').send(withoutPurpose).expect(201);
    await t
      .api()
      .post('/v1/data-purposes')
      .send({
        key: 'usage-alerts',
        names: { en: 'Usage alerts', nl: 'Verbruiksmeldingen' },
        benefits: { en: 'We warn you before your bundle runs out, so you pay no extra.' },
        attributes: ['plan'],
        eventTypes: ['usage.threshold'],
        legalBasis: 'consent',
      })
      .expect(201);
    await t
      .api()
      .post('/v1/lifecycle-rules')
      .send(usageAlertRuleInput(withPurpose.key))
      .expect(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  async function welcomeFor(topic: string) {
    const email = uniqueEmail('ada');
    await t
      .http()
      .post('/subscribe')
      .send({ email, name: 'Ada', locale: 'en', topics: [topic] })
      .expect(202);
    const confirmation = await smtp.waitFor((m) => m.to.includes(email));
    await t.http().get(linkPath(confirmation.parsed.text!, '/confirm/')).expect(200);
    const welcome = await smtp.waitFor((m) => m.to.includes(email) && m !== confirmation, 30_000);
    const sub = await t
      .api()
      .get(`/v1/subscribers/${encodeURIComponent(email)}`)
      .expect(200);
    return { welcome, id: sub.body.id as string };
  }

  it('lists a consent-based purpose a rule of the topic declares, with a link to #purposes; grants nothing', async () => {
    const { welcome, id } = await welcomeFor(withPurpose.key);
    const text = welcome.parsed.text!;
    expect(text).toContain('You can also allow:');
    expect(text).toContain(
      '- Usage alerts: We warn you before your bundle runs out, so you pay no extra.',
    );
    expect(text).toMatch(
      new RegExp(`${PUBLIC_URL.replace(/\./g, '\\.')}/p/[A-Za-z0-9_-]+#purposes`),
    );
    expect(welcome.parsed.html).toMatch(
      new RegExp(`href="${PUBLIC_URL.replace(/\./g, '\\.')}/p/[A-Za-z0-9_-]+#purposes"`),
    );
    expect(welcome.parsed.html).toContain('Usage alerts');
    // Off by default: the email grants nothing and records no data-use consent.
    const purposes = (await t.api().get(`/v1/subscribers/${id}/purposes`).expect(200)).body;
    expect(purposes).toEqual([
      expect.objectContaining({ purpose: 'usage-alerts', inUse: false, decision: null }),
    ]);
    const consent = (await t.api().get(`/v1/subscribers/${id}/consent`).expect(200)).body;
    expect(consent.map((e: { action: string }) => e.action)).not.toContain('data_use_grant');
  });

  it('has no such section when no rule of the chosen topics declares a purpose', async () => {
    const { welcome } = await welcomeFor(withoutPurpose.key);
    expect(welcome.parsed.text).toContain('Product news');
    expect(welcome.parsed.text).not.toContain('You can also allow');
    expect(welcome.parsed.text).not.toContain('#purposes');
    expect(welcome.parsed.html).not.toContain('#purposes');
  });
});
