import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { topicInput, uniqueEmail } from '../factories';
import { createTestApp, TestApp } from '../support/test-app';

describe('Subscriber import (POST /v1/subscribers/import)', () => {
  let t: TestApp;
  const auth = () => ({ Authorization: `Bearer ${t.adminKey}` });

  // Topics shared by the tests: one open to prospects, one for customers only.
  const open = topicInput({
    allowedFrequencies: ['weekly', 'monthly'],
    defaultFrequency: 'monthly',
  });
  const customersOnly = topicInput({
    allowedFrequencies: ['monthly', 'quarterly'],
    defaultFrequency: 'quarterly',
    prospectsAllowed: false,
  });

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    await t.api().post('/v1/topics').send(open).expect(201);
    await t.api().post('/v1/topics').send(customersOnly).expect(201);
  }, 60_000);
  afterAll(() => t.close(), 60_000);

  const importFile = (
    body: string,
    type = 'text/csv',
    query: Record<string, string> = {},
    key = t.adminKey,
  ) =>
    t
      .http()
      .post('/v1/subscribers/import')
      .query(query)
      .set('Authorization', `Bearer ${key}`)
      .set('Content-Type', type)
      .send(body);

  /** Streams a generated body to the listening app (supertest would buffer it first). */
  async function postStream(
    body: AsyncIterable<string>,
    query: Record<string, string> = {},
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    if (!listening) {
      await t.app.listen(0, '127.0.0.1');
      listening = true;
    }
    const url = new URL(`${await t.app.getUrl()}/v1/subscribers/import`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        url,
        { method: 'POST', headers: { ...auth(), 'Content-Type': 'text/csv' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(text) as Record<string, unknown>,
            }),
          );
        },
      );
      req.on('error', reject);
      Readable.from(body).pipe(req);
    });
  }
  let listening = false;

  const one = async <T>(sql: string, params: unknown[] = []): Promise<T> =>
    (await t.dataSource.query<T[]>(sql, params))[0];

  /** Rows in the tables an import writes to, for "nothing was written" checks. */
  const tableCounts = () =>
    one<{ subscribers: string; subscriptions: string; consent: string; dates: string }>(
      `SELECT (SELECT count(*) FROM subscribers) AS subscribers,
              (SELECT count(*) FROM subscriptions) AS subscriptions,
              (SELECT count(*) FROM consent_events) AS consent,
              (SELECT count(*) FROM subscriber_dates) AS dates`,
    );

  const subscriber = async (email: string) =>
    (
      await t
        .api()
        .get(`/v1/subscribers/${encodeURIComponent(email)}`)
        .expect(200)
    ).body;

  const consentOf = async (email: string) =>
    (
      await t
        .api()
        .get(`/v1/subscribers/${encodeURIComponent(email)}/consent`)
        .expect(200)
    ).body as Array<Record<string, unknown>>;

  it('imports a CSV: creates and updates, with attributes, dates, topics and consent as import', async () => {
    const ada = uniqueEmail('ada');
    const bob = uniqueEmail('bob');
    const csv =
      'email,name,locale,timezone,is_customer,topics,attr.plan,date.renewal_date\n' +
      `${ada.toUpperCase()},Ada,nl,Europe/Amsterdam,yes,${open.key}:weekly|${customersOnly.key},family,2027-01-15\n` +
      `${bob},Bob,,,no,${open.key},,\n`;
    const consent = {
      consentText: 'Yes, keep me posted about the product.',
      consentVersion: 'crm-export-2026-11',
    };
    const first = await importFile(csv, 'text/csv', consent).expect(200);
    expect(first.body).toEqual({
      rows: 2,
      created: 2,
      updated: 0,
      unchanged: 0,
      subscribed: 3,
      failed: 0,
      dryRun: false,
      errors: [],
      errorsTruncated: false,
    });

    expect(await subscriber(ada)).toMatchObject({
      email: ada,
      name: 'Ada',
      locale: 'nl',
      timezone: 'Europe/Amsterdam',
      status: 'active',
      isCustomer: true,
      attributes: { plan: 'family' },
      dates: { renewal_date: '2027-01-15' },
      subscriptions: expect.arrayContaining([
        expect.objectContaining({ topic: open.key, status: 'active', frequency: 'weekly' }),
        expect.objectContaining({
          topic: customersOnly.key,
          status: 'active',
          frequency: 'quarterly',
        }),
      ]),
    });
    expect(await subscriber(bob)).toMatchObject({
      locale: 'en',
      timezone: 'UTC',
      isCustomer: false,
      attributes: {},
      dates: {},
      subscriptions: [expect.objectContaining({ topic: open.key, frequency: 'monthly' })],
    });
    const history = await consentOf(ada);
    expect(history).toHaveLength(2);
    for (const e of history) {
      expect(e).toMatchObject({
        action: 'opt_in',
        source: 'import',
        wording: consent.consentText,
        wordingVersion: consent.consentVersion,
      });
    }

    // Only the fields a row gives change; attributes and dates are merged; status is kept.
    const update =
      'email,name,attr.seats,date.warranty_expires_on\n' +
      `${ada},Ada Lovelace,3,2028-06-30\n` +
      `${bob},,,\n`;
    const second = await importFile(update).expect(200);
    expect(second.body).toMatchObject({ rows: 2, created: 0, updated: 1, unchanged: 1 });
    expect(await subscriber(ada)).toMatchObject({
      name: 'Ada Lovelace',
      locale: 'nl',
      isCustomer: true,
      attributes: { plan: 'family', seats: '3' },
      dates: { renewal_date: '2027-01-15', warranty_expires_on: '2028-06-30' },
    });
    expect(await consentOf(ada)).toHaveLength(2);
  });

  it('imports NDJSON (and JSONL) with the default wording when none is given', async () => {
    const cy = uniqueEmail('cy');
    const di = uniqueEmail('di');
    const lines = [
      JSON.stringify({
        email: cy,
        name: 'Cy',
        isCustomer: true,
        attributes: { vehicle_age_years: 9, plan: 'all-risk' },
        dates: { renewal_date: '2027-03-01' },
        topics: [open.key, { topic: customersOnly.key, frequency: 'monthly' }],
      }),
      '',
      JSON.stringify({ email: di, locale: 'nl', topics: [`${open.key}:weekly`] }),
    ].join('\n');
    const res = await importFile(lines, 'application/x-ndjson').expect(200);
    expect(res.body).toMatchObject({ rows: 2, created: 2, subscribed: 3, failed: 0, errors: [] });
    expect(await subscriber(cy)).toMatchObject({
      attributes: { vehicle_age_years: 9, plan: 'all-risk' },
      dates: { renewal_date: '2027-03-01' },
      subscriptions: expect.arrayContaining([
        expect.objectContaining({ topic: customersOnly.key, frequency: 'monthly' }),
      ]),
    });
    const [event] = await consentOf(di);
    expect(event).toMatchObject({ action: 'opt_in', source: 'import', topic: open.key });
    expect(event.wording).toBe(
      `Subscribed to "${open.name}" (weekly) through an import; no consent wording was supplied.`,
    );
    expect(event.wordingVersion).toBe('tidings-default-1');

    // NDJSON can also remove: null drops an attribute or a date.
    const jsonl = JSON.stringify({
      email: cy,
      attributes: { plan: null },
      dates: { renewal_date: null },
    });
    const removal = await importFile(jsonl, 'application/jsonl').expect(200);
    expect(removal.body).toMatchObject({ rows: 1, updated: 1 });
    expect(await subscriber(cy)).toMatchObject({
      attributes: { vehicle_age_years: 9 },
      dates: {},
    });
  });

  it('is idempotent: the same file twice creates nothing twice', async () => {
    const emails = [uniqueEmail('idem'), uniqueEmail('idem'), uniqueEmail('idem')];
    const csv =
      'email,name,is_customer,date.renewal_date\n' +
      emails.map((e, i) => `${e},Person ${i},true,2027-0${i + 1}-01`).join('\n');
    const query = { topics: `${open.key},${customersOnly.key}:monthly` };
    const first = await importFile(csv, 'text/csv', query).expect(200);
    expect(first.body).toMatchObject({ rows: 3, created: 3, subscribed: 6, failed: 0 });
    const before = await tableCounts();

    const again = await importFile(csv, 'text/csv', query).expect(200);
    expect(again.body).toMatchObject({
      rows: 3,
      created: 0,
      updated: 0,
      unchanged: 3,
      subscribed: 0,
      failed: 0,
    });
    expect(await tableCounts()).toEqual(before);
    const perAddress = await one<{ subs: string; events: string }>(
      `SELECT (SELECT count(*) FROM subscribers WHERE email = ANY($1)) AS subs,
              (SELECT count(*) FROM consent_events e JOIN subscribers s ON s.id = e.subscriber_id
                WHERE s.email = ANY($1)) AS events`,
      [emails],
    );
    expect(perAddress).toEqual({ subs: '3', events: '6' });
  });

  it('lets a later row for the same address update the earlier one', async () => {
    const email = uniqueEmail('twice');
    const csv = `email,name,attr.a,attr.b\n${email},First,1,\n${email.toUpperCase()},Second,,2\n`;
    const res = await importFile(csv).expect(200);
    expect(res.body).toMatchObject({ rows: 2, created: 1, updated: 1, failed: 0 });
    expect(await subscriber(email)).toMatchObject({
      name: 'Second',
      attributes: { a: '1', b: '2' },
    });
  });

  it('keeps one subscriber per address when two imports of the same new addresses run at once', async () => {
    const emails = Array.from({ length: 2000 }, () => uniqueEmail('race'));
    const csv = `email,name\n${emails.map((e) => `${e},Racer`).join('\n')}\n`;
    const [a, b] = await Promise.all([
      importFile(csv, 'text/csv', { topics: open.key }).expect(200),
      importFile(csv, 'text/csv', { topics: open.key }).expect(200),
    ]);
    expect(a.body.failed + b.body.failed).toBe(0);
    expect(a.body.created + b.body.created).toBe(emails.length);
    expect(a.body.subscribed + b.body.subscribed).toBe(emails.length);
    const n = await one<{ subs: string; events: string }>(
      `SELECT count(DISTINCT s.id) AS subs, count(e.id) AS events
         FROM subscribers s JOIN consent_events e ON e.subscriber_id = s.id
        WHERE s.email = ANY($1)`,
      [emails],
    );
    expect(n).toEqual({ subs: String(emails.length), events: String(emails.length) });
  });

  it('reports each bad row by line and field, writes the good rows and nothing of the bad ones', async () => {
    // An erased subscriber's address is suppressed.
    const erased = uniqueEmail('erased');
    const created = await t.api().post('/v1/subscribers').send({ email: erased }).expect(201);
    await t.api().delete(`/v1/subscribers/${created.body.id}`).expect(204);

    // Someone who left the open topic, and someone who left everything.
    const leaver = uniqueEmail('leaver');
    await t
      .api()
      .post('/v1/subscribers')
      .send({ email: leaver, name: 'Leaver', topics: [{ topic: open.key }] })
      .expect(201);
    await t
      .api()
      .delete(`/v1/subscribers/${encodeURIComponent(leaver)}/subscriptions/${open.key}`)
      .expect(200);
    const gone = uniqueEmail('gone');
    await t.api().post('/v1/subscribers').send({ email: gone }).expect(201);
    await t.dataSource.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE email = $1`, [
      gone,
    ]);

    const good = uniqueEmail('good');
    const multi = uniqueEmail('multi');
    const prospect = uniqueEmail('prospect');
    const csv = [
      'email,name,timezone,is_customer,topics,date.renewal_date', // 1
      `${good},Good,Europe/Lisbon,yes,${open.key},2027-05-01`, // 2
      `${multi},"Two`, // 3: a quoted name over two lines (refused: names are single-line)
      `lines",,,,`, // 4
      'not-an-email,Bad,,,,', // 5
      `${uniqueEmail()},Tz,Mars/Olympus,,,`, // 6
      '', // 7: blank, skipped
      `${uniqueEmail()},Date,,,,2027-02-30`, // 8
      `${prospect},Prospect,,no,${customersOnly.key},`, // 9
      `${uniqueEmail()},Unknown,,,no-such-topic,`, // 10
      `${erased},Back,,,,`, // 11
      `${leaver},Renamed,,,${open.key},`, // 12
      `${gone},Renamed,,,,`, // 13
    ].join('\r\n');
    const res = await importFile(csv).expect(200);
    expect(res.body).toMatchObject({
      rows: 10,
      created: 1,
      updated: 0,
      unchanged: 0,
      failed: 9,
      errorsTruncated: false,
    });
    expect(res.body.errors).toEqual([
      {
        line: 3,
        field: 'name',
        message: 'name must not contain line breaks or control characters',
      },
      { line: 5, field: 'email', message: 'email must be a valid email address' },
      {
        line: 6,
        field: 'timezone',
        message: 'timezone must be an IANA time zone such as Europe/Amsterdam',
      },
      {
        line: 8,
        field: 'date.renewal_date',
        message: 'date.renewal_date must be a calendar date as YYYY-MM-DD',
      },
      {
        line: 9,
        field: 'topics',
        message: expect.stringContaining(`"${customersOnly.key}" is for customers only`),
      },
      { line: 10, field: 'topics', message: 'topic "no-such-topic" not found' },
      { line: 11, field: 'email', message: expect.stringContaining('suppression list') },
      {
        line: 12,
        field: 'topics',
        message: expect.stringContaining(`unsubscribed from "${open.key}"`),
      },
      {
        line: 13,
        field: 'email',
        message: expect.stringContaining('status is unsubscribed'),
      },
    ]);
    // Errors never echo the address.
    expect(JSON.stringify(res.body)).not.toContain(erased);

    await t
      .api()
      .get(`/v1/subscribers/${encodeURIComponent(multi)}`)
      .expect(404);
    expect((await subscriber(good)).subscriptions).toHaveLength(1);
    await t
      .api()
      .get(`/v1/subscribers/${encodeURIComponent(prospect)}`)
      .expect(404);
    const leaverNow = await subscriber(leaver);
    expect(leaverNow.name).toBe('Leaver');
    expect(leaverNow.subscriptions).toEqual([
      expect.objectContaining({ topic: open.key, status: 'unsubscribed' }),
    ]);
    expect(await subscriber(gone)).toMatchObject({ name: null, status: 'unsubscribed' });
    const erasedRows = await one<{ n: string }>(
      'SELECT count(*) AS n FROM subscribers WHERE email = $1',
      [erased],
    );
    expect(erasedRows.n).toBe('0');
  });

  it('refuses an unknown CSV column with a 400 naming it, before writing any row', async () => {
    const before = await tableCounts();
    const res = await importFile(`email,name,colour\n${uniqueEmail()},Ann,red\n`).expect(400);
    expect(res.body).toMatchObject({ field: 'colour', code: 'unknown_column' });
    expect(res.body.message).toContain('Unknown column "colour" in the header (line 1)');
    expect(await tableCounts()).toEqual(before);

    const empty = await importFile('').expect(400);
    expect(empty.body.message).toMatch(/empty/);
  });

  it('answers a large upload with a bad header with the 400, not a reset connection', async () => {
    async function* file() {
      yield 'email,colour\n';
      for (let i = 0; i < 200; i++) yield `${'x'.repeat(40)}@example.test,red\n`.repeat(1000);
    }
    const res = await postStream(file());
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ field: 'colour', code: 'unknown_column' });
  });

  it('answers 415 for other content types and 400 naming a bad option', async () => {
    const json = await t
      .api()
      .post('/v1/subscribers/import')
      .send({ email: uniqueEmail() })
      .expect(415);
    expect(json.body.message).toContain('text/csv or application/x-ndjson');
    await importFile('email\n', 'text/plain').expect(415);
    await importFile('email\n', 'text/csv; charset=latin1').expect(415);

    const before = await tableCounts();
    const csv = `email\n${uniqueEmail()}\n`;
    const topics = await importFile(csv, 'text/csv', { topics: `${open.key},ghost` }).expect(400);
    expect(topics.body).toMatchObject({
      field: 'topics',
      message: 'topics: topic "ghost" not found',
    });
    const freq = await importFile(csv, 'text/csv', { topics: `${open.key}:daily` }).expect(400);
    expect(freq.body.field).toBe('topics');
    const wording = await importFile(csv, 'text/csv', { consentText: 'Yes' }).expect(400);
    expect(wording.body.field).toBe('consentVersion');
    const unknown = await importFile(csv, 'text/csv', { colour: 'red' }).expect(400);
    expect(unknown.body.field).toBe('colour');
    expect(await tableCounts()).toEqual(before);

    const readOnly = await t.keyWith('subscribers:read');
    await importFile(csv, 'text/csv', {}, readOnly).expect(403);
  });

  it('documents the body types and the query options in OpenAPI', async () => {
    const doc = await t.http().get('/docs/openapi.json').expect(200);
    const op = doc.body.paths['/v1/subscribers/import'].post;
    expect(Object.keys(op.requestBody.content)).toEqual([
      'text/csv',
      'application/x-ndjson',
      'application/jsonl',
    ]);
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual([
      'topics',
      'consentText',
      'consentVersion',
      'dryRun',
    ]);
    expect(op.responses['200'].content['application/json'].schema.$ref).toMatch(/ImportResultDto/);
  });

  it('writes nothing in a dry run, and reports what a real run would do', async () => {
    const existing = uniqueEmail('dry');
    await t.api().post('/v1/subscribers').send({ email: existing, name: 'Old' });
    const before = await tableCounts();
    const csv =
      `email,name,topics\n${existing},New,${open.key}\n${uniqueEmail()},Fresh,${open.key}\n` +
      'broken,,\n';
    const res = await importFile(csv, 'text/csv', { dryRun: 'true' }).expect(200);
    expect(res.body).toMatchObject({
      rows: 3,
      created: 1,
      updated: 1,
      subscribed: 2,
      failed: 1,
      dryRun: true,
    });
    expect(res.body.errors).toEqual([
      { line: 4, field: 'email', message: 'email must be a valid email address' },
    ]);
    expect(await tableCounts()).toEqual(before);
    expect((await subscriber(existing)).name).toBe('Old');
  });

  it('streams a 20,000-row file through completely', async () => {
    const rows = 20_000;
    const prefix = `bulk-${Date.now().toString(36)}`;
    async function* file() {
      yield 'email,name,is_customer,attr.n,date.renewal_date\n';
      for (let i = 0; i < rows; i += 1000) {
        let chunk = '';
        for (let j = i; j < i + 1000; j++) {
          chunk += `${prefix}-${j}@example.test,Person ${j},${j % 2 ? 'yes' : 'no'},${j},2027-01-${String((j % 28) + 1).padStart(2, '0')}\n`;
        }
        yield chunk;
      }
    }
    const started = Date.now();
    const res = await postStream(file(), { topics: open.key });
    expect(res.status).toBe(200);
    const elapsed = Date.now() - started;
    expect(res.body).toMatchObject({
      rows,
      created: rows,
      subscribed: rows,
      failed: 0,
      errors: [],
    });
    expect(elapsed).toBeLessThan(30_000);
    const counts = await one<{
      subs: string;
      dates: string;
      subscriptions: string;
      events: string;
    }>(
      `SELECT count(*) AS subs,
              (SELECT count(*) FROM subscriber_dates d JOIN subscribers s ON s.id = d.subscriber_id
                WHERE s.email LIKE $1) AS dates,
              (SELECT count(*) FROM subscriptions x JOIN subscribers s ON s.id = x.subscriber_id
                WHERE s.email LIKE $1) AS subscriptions,
              (SELECT count(*) FROM consent_events e JOIN subscribers s ON s.id = e.subscriber_id
                WHERE s.email LIKE $1 AND e.source = 'import') AS events
         FROM subscribers WHERE email LIKE $1`,
      [`${prefix}-%`],
    );
    expect(counts).toEqual({
      subs: String(rows),
      dates: String(rows),
      subscriptions: String(rows),
      events: String(rows),
    });
  }, 60_000);
});
