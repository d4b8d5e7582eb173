import { createTestApp, TestApp } from '../support/test-app';

type Locale = { mjml: string; subject: string; text: string };
type Content = {
  description: string;
  marketing: boolean;
  variables: string[];
  locales: Record<string, Locale>;
};

/**
 * What the console's template editor needs from the API: a live preview of unsaved content,
 * who published each version, and the activity log's publish, restore and reset entries.
 */
describe('Template editing for the console (real PostgreSQL and Redis)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  const published = async (key: string): Promise<Content> =>
    (await t.api().get(`/v1/templates/${key}`).expect(200)).body.published as Content;

  it('previews unsaved content without storing it, and refuses broken content with field, line and column', async () => {
    const content = await published('notice');
    content.locales.en.subject = 'Unsaved: {{heading}}';
    content.locales.en.text = `UNSAVED TEXT\n${content.locales.en.text}`;
    const answer = await t
      .api()
      .post('/v1/templates/notice/preview')
      .send({ locale: 'en', content })
      .expect(200);
    expect(answer.body.subject).toMatch(/^Unsaved: /);
    expect(answer.body.text).toContain('UNSAVED TEXT');
    expect(answer.body.html).toContain('<html');
    expect(answer.body.templateVersion).toBe(0);
    expect(answer.body.warnings).toEqual([]);
    // Nothing was stored, and the preview without content is still the published version.
    const after = await t.api().get('/v1/templates/notice').expect(200);
    expect(after.body.hasDraft).toBe(false);
    const plain = await t.api().post('/v1/templates/notice/preview').send({ locale: 'en' });
    expect(plain.status).toBe(200);
    expect(plain.body.subject).not.toMatch(/^Unsaved/);
    expect(plain.body.warnings).toBeUndefined();

    // A spammy subject is a warning, not a refusal.
    content.locales.en.subject = 'FREE MONEY NOW!!! {{heading}}';
    const warned = await t
      .api()
      .post('/v1/templates/notice/preview')
      .send({ locale: 'en', content })
      .expect(200);
    expect(warned.body.warnings.length).toBeGreaterThan(0);
    for (const w of warned.body.warnings) {
      expect(w).toMatchObject({ field: 'locales.en.subject', line: 1, code: 'spammy_subject' });
    }

    // An unknown variable on line 3 of the Dutch text part, while previewing English.
    const broken = structuredClone(content);
    const lines = broken.locales.nl.text.split('\n');
    lines[2] = `Zie {{polcy.name}} ${lines[2]}`;
    broken.locales.nl.text = lines.join('\n');
    const refused = await t
      .api()
      .post('/v1/templates/notice/preview')
      .send({ locale: 'en', content: broken })
      .expect(400);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        field: 'locales.nl.text',
        line: 3,
        column: 7,
        code: 'template_unknown_variable',
      }),
    ]);

    await t
      .api()
      .post('/v1/templates/no-such-template/preview')
      .send({ locale: 'en', content })
      .expect(404);
    const bad = await t
      .api()
      .post('/v1/templates/notice/preview')
      .send({ locale: 'en', content: { ...content, marketing: 'yes' } })
      .expect(400);
    expect(JSON.stringify(bad.body)).toContain('content.marketing');
  });

  it('keeps who published each version, and logs publish, restore and reset with the version', async () => {
    const content = await published('digest');
    content.locales.en.subject = `Edited {{topic.name}}`;
    await t.api().put('/v1/templates/digest').send(content).expect(200);
    const answer = await t.api().post('/v1/templates/digest/publish').expect(200);
    expect(answer.body.template.version).toBe(2);
    const [{ name }] = await t.dataSource.query<{ name: string }[]>(
      `SELECT name FROM api_keys ORDER BY created_at LIMIT 1`,
    );
    expect(answer.body.template.publishedBy).toBe(name);

    const list = await t.api().get('/v1/templates').expect(200);
    const digest = (list.body as Array<Record<string, unknown>>).find((r) => r.key === 'digest');
    expect(digest).toMatchObject({ version: 2, publishedBy: name, hasDraft: false });
    expect(typeof digest?.publishedAt).toBe('string');

    const versions = await t.api().get('/v1/templates/digest/versions').expect(200);
    expect(versions.body).toEqual([
      expect.objectContaining({ version: 2, origin: 'draft', publishedBy: name }),
      expect.objectContaining({ version: 1, origin: 'default', publishedBy: null }),
    ]);
    const v2 = await t.api().get('/v1/templates/digest/versions/2').expect(200);
    expect(v2.body.publishedBy).toBe(name);

    await t.api().post('/v1/templates/digest/versions/1/restore').expect(200);
    await t.api().post('/v1/templates/digest/reset').expect(200);

    const log = await t.api().get('/v1/activity').expect(200);
    const entries = (
      log.body.items as Array<{ action: string; targetId: string; details: unknown }>
    ).filter((e) => e.targetId === 'digest');
    expect(entries.map((e) => [e.action, e.details])).toEqual([
      ['template.reset', {}],
      ['template.restored', { version: 1 }],
      ['template.published', { version: 2 }],
    ]);
  });

  it('lets a read-only key preview content but not save, publish, restore or reset', async () => {
    const reader = await t.keyWith('templates:read');
    const content = await published('welcome');
    const auth = { Authorization: `Bearer ${reader}` };
    await t
      .http()
      .post('/v1/templates/welcome/preview')
      .set(auth)
      .send({ locale: 'nl', content })
      .expect(200);
    for (const [method, path] of [
      ['put', '/v1/templates/welcome'],
      ['post', '/v1/templates/welcome/publish'],
      ['post', '/v1/templates/welcome/versions/1/restore'],
      ['post', '/v1/templates/welcome/reset'],
      ['post', '/v1/templates/welcome/test-send'],
    ] as const) {
      const answer = await t.http()[method](path).set(auth).send(content);
      expect([path, answer.status, answer.body.code]).toEqual([path, 403, 'missing_scope']);
    }
  });
});
