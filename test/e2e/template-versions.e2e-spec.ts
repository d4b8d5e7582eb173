import { LedgerService } from '../../src/messaging/delivery/ledger.service';
import { readDefault } from '../../src/messaging/rendering/template-content';
import { TemplateStore } from '../../src/messaging/rendering/template-store';
import { topicInput, unique } from '../factories';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

/** The `notice` sample's data, without what delivery fills in. */
const NOTICE_DATA = {
  heading: 'Your car insurance renews on 15 January 2027',
  intro: 'Your policy renews automatically.',
  details: [{ label: 'Policy', value: 'Car insurance' }],
  deadline: '1 January 2027',
  cta: { label: 'Compare your options', url: 'https://www.example.com/policies/car' },
  reason: 'You get this because your policy renews on 15 January 2027.',
};

type Content = {
  description: string;
  marketing: boolean;
  variables: string[];
  locales: Record<string, { mjml: string; subject: string; text: string }>;
};

describe('Templates in the database, versioned (real PostgreSQL, Redis and SMTP)', () => {
  let a: TestApp;
  let b: TestApp;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    const env = {
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://tidings.test',
      SCHEDULER_INTERVAL_MS: '3600000',
      DISPATCH_INTERVAL_MS: '300',
    };
    a = await createTestApp({ env });
    // A second process on the same database and queues, delivering too.
    b = await createTestApp({
      databaseUrl: a.databaseUrl,
      env: { ...env, QUEUE_PREFIX: a.config.redis.prefix },
    });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await smtp.stop();
  });

  async function published(key: string): Promise<Content> {
    return (await a.api().get(`/v1/templates/${key}`).expect(200)).body.published as Content;
  }

  it('imports the shipped defaults once, as version 1, for both processes', async () => {
    const versions = await a.api().get('/v1/templates/notice/versions').expect(200);
    expect(versions.body).toEqual([expect.objectContaining({ version: 1, origin: 'default' })]);
    // Processes starting at once import a missing default once: one insert wins, the rest wait
    // for it and do nothing.
    const content = readDefault('templates', 'evergreen');
    await a.dataSource.query(`DELETE FROM templates WHERE key = 'evergreen'`);
    const stores = [a, b].map((app) => app.app.get(TemplateStore));
    const imported = await Promise.all(
      Array.from({ length: 6 }, (_, i) => stores[i % 2].importDefault('evergreen', content)),
    );
    expect(imported.filter(Boolean)).toHaveLength(1);
    const evergreen = await a.api().get('/v1/templates/evergreen/versions').expect(200);
    expect(evergreen.body).toEqual([expect.objectContaining({ version: 1, origin: 'default' })]);

    const notice = await b.api().get('/v1/templates/notice').expect(200);
    expect(notice.body.version).toBe(1);
    expect(notice.body.description).toContain('lifecycle notice');
    expect(notice.body.marketing).toBe(true);
  });

  it('refuses a template with an MJML error, an unknown variable or no footer, naming field, line and column', async () => {
    const base = await published('notice');
    const withMjmlError = structuredClone(base);
    withMjmlError.locales.nl.mjml = withMjmlError.locales.nl.mjml.replace(
      '<mj-text mj-class="muted">{{reason}}</mj-text>',
      '<mj-txt>{{reason}}</mj-txt>',
    );
    const line =
      withMjmlError.locales.nl.mjml.split('\n').findIndex((l) => l.includes('<mj-txt>')) + 1;
    const mjml = await a.api().put('/v1/templates/notice').send(withMjmlError).expect(400);
    expect(mjml.body.errors[0]).toMatchObject({
      field: 'locales.nl.mjml',
      line,
      code: 'template_mjml_error',
    });
    expect(mjml.body.errors[0].column).toBeGreaterThan(0);

    const withUnknown = structuredClone(base);
    withUnknown.locales.en.subject = 'Renewal: {{polcy.name}}';
    const unknown = await a.api().put('/v1/templates/notice').send(withUnknown).expect(400);
    expect(unknown.body.errors).toEqual([
      expect.objectContaining({
        field: 'locales.en.subject',
        line: 1,
        column: 12,
        code: 'template_unknown_variable',
      }),
    ]);
    expect(unknown.body.message).toContain('unknown variable "polcy.name"');

    const noFooter = structuredClone(base);
    noFooter.locales.en.mjml = noFooter.locales.en.mjml.replace('{{> footer}}', '');
    const footer = await a.api().put('/v1/templates/notice').send(noFooter).expect(400);
    expect(footer.body.errors[0]).toMatchObject({
      field: 'locales.en.mjml',
      code: 'template_footer_missing',
      column: 1,
    });
    expect(footer.body.errors[0].line).toBeGreaterThan(1);

    // Nothing was saved.
    const after = await a.api().get('/v1/templates/notice').expect(200);
    expect(after.body.hasDraft).toBe(false);
    expect(after.body.version).toBe(1);
  });

  it('warns (without refusing) about an HTML part over 100 KB, a spammy subject and hidden text', async () => {
    const draft = await published('notice');
    draft.locales.en.subject = 'FREE MONEY NOW!!! {{heading}}';
    draft.locales.en.mjml = draft.locales.en.mjml.replace(
      '<mj-text mj-class="muted">{{reason}}</mj-text>',
      '<mj-text mj-class="muted"><span style="display:none">cheap</span>{{reason}}</mj-text>',
    );
    // Realistic data that makes the HTML part pass 100 KB.
    (draft.locales.en as unknown as { sample: Record<string, unknown> }).sample.intro =
      'Your policy renews automatically. '.repeat(3100);
    const res = await a.api().put('/v1/templates/notice').send(draft).expect(200);
    const codes = (res.body.warnings as { code: string }[]).map((w) => w.code);
    expect(codes).toContain('spammy_subject');
    expect(codes).toContain('hidden_text');
    expect(res.body.warnings).toContainEqual(
      expect.objectContaining({ field: 'locales.en.mjml', code: 'html_too_large' }),
    );
    // The Dutch version, untouched, has nothing to warn about.
    for (const w of res.body.warnings as { field: string }[]) {
      expect(w.field).toMatch(/^locales\.en\./);
    }
    expect(res.body.template.hasDraft).toBe(true);
    // Reset to the shipped default: the draft is the files' content again.
    const reset = await a.api().post('/v1/templates/notice/reset').expect(200);
    expect(reset.body.template.draft.locales.en.subject).toBe(
      (await published('notice')).locales.en.subject,
    );
  });

  it('publishes a new notice while two processes deliver: after the publish every message renders v2 whole, and the ledger records it', async () => {
    const run = unique('tv');
    const people = await a.dataSource.query<{ id: string }[]>(
      `INSERT INTO subscribers (email, name, locale, timezone, status)
       SELECT 'p' || g || '.' || $1 || '@example.test', 'Person ' || g,
              CASE WHEN g % 2 = 0 THEN 'nl' ELSE 'en' END, 'UTC', 'active'
         FROM generate_series(1, 160) g
       RETURNING id`,
      [run],
    );
    const ledger = a.app.get(LedgerService);
    const send = (wave: string, from: number, to: number) =>
      ledger.send(
        people.slice(from, to).map((p) => ({
          dedupeKey: `${run}:${wave}:${p.id}`,
          subscriberId: p.id,
          template: 'notice',
          kind: 'notice' as const,
          data: NOTICE_DATA,
        })),
      );

    // v2: subject, HTML and text all carry the marker, so a mixed rendering would show.
    const v2 = await published('notice');
    for (const l of Object.values(v2.locales)) {
      l.subject = `V2MARK ${l.subject}`;
      l.mjml = l.mjml.replace(
        '<mj-text mj-class="heading">',
        '<mj-text mj-class="heading">V2MARK ',
      );
      l.text = `V2MARK ${l.text}`;
    }
    await a.api().put('/v1/templates/notice').send(v2).expect(200);

    // Wave 1 is sending while the draft is published.
    const before = await send('before', 0, 80);
    const publish = await a.api().post('/v1/templates/notice/publish').expect(200);
    const publishedAt = Date.now();
    expect(publish.body.template.version).toBe(2);
    const after = await send('after', 80, 160);

    // The other process (which had v1) renders v2 in its previews well within 5 s.
    let seenAfterMs = Infinity;
    await eventually(async () => {
      const res = await b.api().post('/v1/templates/notice/preview').send({ locale: 'en' });
      if (res.body.templateVersion !== 2) return false;
      seenAfterMs = Date.now() - publishedAt;
      return true;
    }, 5000);
    expect(seenAfterMs).toBeLessThan(5000);

    const ids = [...before, ...after];
    await eventually(async () => {
      const [{ n }] = await a.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM outbound_messages WHERE id = ANY($1) AND status = 'sent'`,
        [ids],
      );
      return n === ids.length;
    }, 30_000);
    const rows = await a.dataSource.query<{ id: string; template_version: number }[]>(
      `SELECT id, template_version FROM outbound_messages WHERE id = ANY($1)`,
      [ids],
    );
    const version = new Map(rows.map((r) => [r.id, r.template_version]));
    for (const id of after) expect(version.get(id)).toBe(2);

    for (const id of ids) {
      const mail = smtp.messages.find(
        (m) => m.parsed.messageId === `<${id}@${a.config.mail.domain}>`,
      );
      expect(mail).toBeDefined();
      const marks = [
        mail!.parsed.subject ?? '',
        String(mail!.parsed.html),
        mail!.parsed.text ?? '',
      ].map((part) => part.includes('V2MARK'));
      // One version entirely: all three parts marked, or none.
      expect(new Set(marks).size).toBe(1);
      expect(marks[0]).toBe(version.get(id) === 2);
    }

    // The message view shows the version.
    const view = await a.api().get(`/v1/messages/${after[0]}`).expect(200);
    expect(view.body.templateVersion).toBe(2);
    await a.api().get('/v1/messages/not-a-message').expect(404);
    await a.api().get('/v1/messages/00000000-0000-4000-8000-00000000000f').expect(404);
    const versions = await a.api().get('/v1/templates/notice/versions').expect(200);
    expect(versions.body.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const one = await a.api().get('/v1/templates/notice/versions/2').expect(200);
    expect(one.body).toMatchObject({ version: 2, origin: 'draft' });
    expect(one.body.content.locales.nl.subject).toContain('V2MARK');
    await a.api().get('/v1/templates/notice/versions/7').expect(404);
    await a.api().get('/v1/templates/notice/versions/x').expect(400);

    // Restore v1 as the draft and publish it: version 3, with v1's content.
    await a.api().post('/v1/templates/notice/versions/1/restore').expect(200);
    const v3 = await a.api().post('/v1/templates/notice/publish').expect(200);
    expect(v3.body.template.version).toBe(3);
    expect(v3.body.template.published.locales.en.subject).not.toContain('V2MARK');
  }, 60_000);

  it('test-sends with the headers of a real send, and its one-click link unsubscribes nobody real', async () => {
    const real = await a.dataSource.query<{ id: string }[]>(
      `INSERT INTO subscribers (email, name, locale, timezone, status)
       VALUES ($1, 'Real Person', 'en', 'UTC', 'active') RETURNING id`,
      [`${unique('real')}@example.test`],
    );
    const state = () =>
      a.dataSource.query<{ n: number }[]>(
        `SELECT (SELECT count(*) FROM subscribers WHERE status = 'active')::int
              + (SELECT count(*) FROM consent_events)::int * 1000
              + (SELECT count(*) FROM subscriptions WHERE status = 'unsubscribed')::int * 1000000 AS n`,
      );
    const before = await state();

    const to = `${unique('designer')}@acme.test`;
    const res = await a
      .api()
      .post('/v1/templates/notice/test-send')
      .send({ to, locale: 'en' })
      .expect(200);
    expect(res.body.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const mail = await smtp.waitFor((m) => m.to.includes(to));
    expect(mail.parsed.subject).toMatch(/^\[TEST\] /);
    expect(mail.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.header('List-Id')).toMatch(/<updates\./);
    const listUnsubscribe = mail.header('List-Unsubscribe') ?? '';
    const url = /<(https:\/\/tidings\.test\/u\/[^>]+)>/.exec(listUnsubscribe)?.[1];
    expect(url).toBeDefined();
    expect(listUnsubscribe).toContain('<mailto:');
    // The visible links are the same working ones, on PUBLIC_URL.
    expect(String(mail.parsed.html)).toContain(url);
    expect(String(mail.parsed.html)).toContain('https://tidings.test/p/');

    const path = new URL(url!).pathname;
    const oneClick = await a
      .http()
      .post(path)
      .set('Accept', 'text/plain')
      .type('form')
      .send({ 'List-Unsubscribe': 'One-Click' })
      .expect(200);
    expect(oneClick.text).toContain('Unsubscribed');
    await a.http().get(path).expect(200);
    expect(await state()).toEqual(before);
    const [person] = await a.dataSource.query<{ status: string }[]>(
      `SELECT status FROM subscribers WHERE id = $1`,
      [real[0].id],
    );
    expect(person.status).toBe('active');
  });

  it('refuses a 120 KB content item naming the limit, and warns near it', async () => {
    const topic = (await a.api().post('/v1/topics').send(topicInput()).expect(201)).body;
    const paragraph = (kb: number) =>
      `<p>${'Lorem ipsum dolor sit amet. '.repeat((kb * 1024) / 28)}</p>`;
    const big = await a
      .api()
      .post('/v1/content-items')
      .send({ topic: topic.key, kind: 'editorial', title: 'Too long', body: paragraph(120) })
      .expect(422);
    expect(big.body.code).toBe('content_too_large');
    expect(big.body.field).toBe('body');
    expect(big.body.message).toContain('the limit is 102 KB');
    const none = await a.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM content_items WHERE title = 'Too long'`,
    );
    expect(none[0].n).toBe(0);

    const near = await a
      .api()
      .post('/v1/content-items')
      .send({ topic: topic.key, kind: 'editorial', title: 'Long', body: paragraph(88) })
      .expect(201);
    expect(near.body.warnings).toEqual([expect.stringContaining('near the 102 KB limit')]);

    const small = await a
      .api()
      .post('/v1/content-items')
      .send({ topic: topic.key, kind: 'editorial', title: 'Short', body: paragraph(2) })
      .expect(201);
    expect(small.body.warnings).toEqual([]);

    // An edit that grows it past the limit is refused too, and leaves the item as it was.
    const edit = await a
      .api()
      .patch(`/v1/content-items/${small.body.id}`)
      .send({ body: paragraph(120) })
      .expect(422);
    expect(edit.body.code).toBe('content_too_large');
    const after = await a.api().get(`/v1/content-items/${small.body.id}`).expect(200);
    expect(after.body.body).toBe(paragraph(2));
  });
  it('creates a template as a draft, previews every locale side by side with a subscriber, and publishes it', async () => {
    const base = await published('notice');
    const key = unique('renewal')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 60);
    const created = await a
      .api()
      .post('/v1/templates')
      .send({ key, ...base, description: 'Our own renewal notice' })
      .expect(201);
    expect(created.body.template).toMatchObject({ key, version: null, hasDraft: true });
    await a
      .api()
      .post('/v1/templates')
      .send({ key, ...base })
      .expect(409);
    // Not published: nothing renders it yet.
    await a.api().post(`/v1/templates/${key}/preview`).send({ locale: 'en' }).expect(404);

    const email = `${unique('anna')}@example.test`;
    await a.dataSource.query(
      `INSERT INTO subscribers (email, name, locale, timezone, status)
       VALUES ($1, 'Anna Jansen', 'nl', 'UTC', 'active')`,
      [email],
    );
    const previews = await a
      .api()
      .post(`/v1/templates/${key}/previews`)
      .send({ draft: true, subscriber: email })
      .expect(200);
    expect(previews.body.version).toBeNull();
    expect(previews.body.locales.map((l: { locale: string }) => l.locale)).toEqual(['nl', 'en']);
    for (const l of previews.body.locales) expect(l.html).toContain('Anna Jansen');
    await a
      .api()
      .post(`/v1/templates/${key}/previews`)
      .send({ subscriber: 'nobody@example.test', draft: true })
      .expect(404);

    await a.api().post(`/v1/templates/${key}/publish`).expect(200);
    await a.api().post(`/v1/templates/${key}/publish`).expect(422);
    // The other process renders it within 5 s of the publish (the nudge).
    await eventually(async () => {
      const res = await b.api().post(`/v1/templates/${key}/preview`).send({ locale: 'nl' });
      return res.status === 200 && res.body.templateVersion === 1;
    }, 5000);
    await a.api().get(`/v1/templates/${key}/versions/9/restore`).expect(404);
    await a.api().post(`/v1/templates/${key}/versions/9/restore`).expect(404);
    await a.api().post(`/v1/templates/${key}/reset`).expect(404);
    const readOnly = await a.keyWith('templates:read');
    await a
      .http()
      .put(`/v1/templates/${key}`)
      .set('Authorization', `Bearer ${readOnly}`)
      .send(base)
      .expect(403);
  });
});
