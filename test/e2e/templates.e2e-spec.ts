import { readFileSync } from 'node:fs';
import { createTestApp, TestApp } from '../support/test-app';

describe('Templates API: list and preview', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      workers: false,
      env: { POSTAL_ADDRESS: 'Tidings B.V., Keizersgracht 100, 1015 AA Amsterdam' },
    });
  });
  afterAll(() => t.close());

  it('lists every template with its locales and version', async () => {
    const res = await t.api().get('/v1/templates').expect(200);
    const keys = (res.body as { key: string }[]).map((x) => x.key).sort();
    expect(keys).toEqual([
      'apology',
      'campaign',
      'confirm-subscription',
      'digest',
      'evergreen',
      'fresh-link',
      'notice',
      'welcome',
    ]);
    for (const template of res.body) {
      expect(template.locales.sort()).toEqual(['en', 'nl']);
      // Versions are numbered as published; the shipped defaults are imported as version 1.
      expect(template.version).toBe(1);
    }
  });

  it('shows a template with its sample data per locale', async () => {
    const res = await t.api().get('/v1/templates/digest').expect(200);
    expect(res.body.key).toBe('digest');
    expect(res.body.samples.nl.topic.name).toBe('Productnieuws');
    expect(res.body.samples.en.topic.name).toBe('Product news');
    await t.api().get('/v1/templates/nope').expect(404);
  });

  it('previews in Dutch and English with the sample data', async () => {
    const nl = await t
      .api()
      .post('/v1/templates/welcome/preview')
      .send({ locale: 'nl' })
      .expect(200);
    expect(nl.body.subject).toBe('Welkom bij Tidings: dit kun je van ons verwachten');
    expect(nl.body.html).toContain('<html lang="nl"');
    expect(nl.body.html).toContain('Voorkeuren beheren');
    expect(nl.body.text).toContain('Afmelden: https://mail.example.com/p/sample-token/unsubscribe');
    expect(nl.body.text).toContain('Tidings B.V., Keizersgracht 100, 1015 AA Amsterdam');

    const en = await t
      .api()
      .post('/v1/templates/welcome/preview')
      .send({ locale: 'en' })
      .expect(200);
    expect(en.body.subject).toBe("Welcome to Tidings: here's what to expect");
    expect(en.body.text).toContain(
      'Unsubscribe: https://mail.example.com/p/sample-token/unsubscribe',
    );

    const list = await t.api().get('/v1/templates').expect(200);
    const welcome = list.body.find((x: { key: string }) => x.key === 'welcome');
    expect(nl.body.templateVersion).toBe(welcome.version);
    expect(en.body.templateVersion).toBe(welcome.version);
  });

  it('merges given data over the sample, escaping it in HTML', async () => {
    const res = await t
      .api()
      .post('/v1/templates/confirm-subscription/preview')
      .send({
        locale: 'en',
        data: {
          subscriber: { name: '<b>Eve</b>', email: 'eve@example.com' },
          expiresInHours: 12,
        },
      })
      .expect(200);
    expect(res.body.html).toContain('Hi &lt;b&gt;Eve&lt;/b&gt;,');
    expect(res.body.html).not.toContain('<b>Eve</b>');
    expect(res.body.text).toContain('This link works for 12 hours.');
    // Untouched sample keys are still there.
    expect(res.body.text).toContain('https://mail.example.com/confirm/sample-token');
  });

  it('answers 404 for an unknown template', async () => {
    const res = await t
      .api()
      .post('/v1/templates/no-such-template/preview')
      .send({ locale: 'en' })
      .expect(404);
    expect(res.body.message).toContain('no-such-template');
  });

  it('answers 400 naming locale for a bad or missing locale, and data for non-object data', async () => {
    const bad = await t
      .api()
      .post('/v1/templates/welcome/preview')
      .send({ locale: 'de' })
      .expect(400);
    expect(bad.body.field).toBe('locale');
    expect(bad.body.message).toMatch(/locale must be one of the following values: nl, en/);

    const missing = await t.api().post('/v1/templates/welcome/preview').send({}).expect(400);
    expect(missing.body.field).toBe('locale');

    const data = await t
      .api()
      .post('/v1/templates/welcome/preview')
      .send({ locale: 'en', data: 'x' })
      .expect(400);
    expect(data.body.field).toBe('data');
  });

  it('answers 422 naming the template, variable and line when data lacks a variable', async () => {
    const res = await t
      .api()
      .post('/v1/templates/confirm-subscription/preview')
      .send({ locale: 'nl', data: { links: {} } })
      .expect(422);
    expect(res.body.code).toBe('template_missing_variable');
    expect(res.body.field).toBe('data.links.confirm');
    const source = readFileSync('templates/confirm-subscription/index.mjml', 'utf8').split('\n');
    const line = source.findIndex((l) => l.includes('{{links.confirm}}')) + 1;
    expect(res.body.message).toBe(
      `Template "confirm-subscription" (nl), confirm-subscription/index.mjml line ${line}: missing variable "links.confirm"`,
    );

    const marketing = await t
      .api()
      .post('/v1/templates/notice/preview')
      .send({ locale: 'en', data: { marketing: 'yes' } })
      .expect(422);
    expect(marketing.body.field).toBe('data.marketing');
  });

  it('answers 401 without a key and 403 without the templates:read scope', async () => {
    await t.http().get('/v1/templates').expect(401);
    await t.http().post('/v1/templates/welcome/preview').send({ locale: 'en' }).expect(401);

    const topicsOnly = await t.keyWith('topics:read');
    const forbidden = await t
      .http()
      .post('/v1/templates/welcome/preview')
      .set('Authorization', `Bearer ${topicsOnly}`)
      .send({ locale: 'en' })
      .expect(403);
    expect(forbidden.body.message).toContain('templates:read');
    await t.http().get('/v1/templates').set('Authorization', `Bearer ${topicsOnly}`).expect(403);

    const reader = await t.keyWith('templates:read');
    await t.http().get('/v1/templates').set('Authorization', `Bearer ${reader}`).expect(200);
    await t
      .http()
      .post('/v1/templates/welcome/preview')
      .set('Authorization', `Bearer ${reader}`)
      .send({ locale: 'en' })
      .expect(200);
  });
});
