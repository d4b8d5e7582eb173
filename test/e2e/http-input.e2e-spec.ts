import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { subscriberInput, topicInput, unique } from '../factories';
import { RawResponse, rawRequest } from '../support/raw-http';
import { reportFixture } from '../support/report-fixtures';
import { createTestApp, TestApp } from '../support/test-app';

const BOUNCE_SECRET = 'bounce-secret-input-0123456789';
const COMPLAINT_SECRET = 'complaint-secret-input-0123456789';

/** `depth` multipart containers, each inside the last. */
function nestedMime(depth: number): Buffer {
  let mime = `From: mailer@example.test\r\nMessage-ID: <${unique('deep')}@example.test>\r\n`;
  for (let i = 0; i < depth; i++) {
    mime += `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`;
  }
  mime += 'Content-Type: text/plain\r\n\r\nhello\r\n';
  for (let i = depth - 1; i >= 0; i--) mime += `--b${i}--\r\n`;
  return Buffer.from(mime);
}

/** One multipart with `parts` parts. */
function wideMime(parts: number): Buffer {
  let mime =
    `From: mailer@example.test\r\nMessage-ID: <${unique('wide')}@example.test>\r\n` +
    'Content-Type: multipart/mixed; boundary=b\r\n\r\n';
  for (let i = 0; i < parts; i++) mime += `--b\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`;
  return Buffer.from(`${mime}--b--\r\n`);
}

/** A topic whose name is `depth` levels deep (the body object, then arrays). */
function nestedJson(depth: number): string {
  const nested = `${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}`;
  return JSON.stringify(topicInput({ name: '@' })).replace('"@"', nested);
}

describe('Hostile HTTP input gets a 4xx naming the field (real app, PostgreSQL, Redis)', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp({
      workers: false,
      env: { BOUNCE_WEBHOOK_SECRET: BOUNCE_SECRET, COMPLAINT_WEBHOOK_SECRET: COMPLAINT_SECRET },
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  /** A request with the admin key (unless headers say otherwise), bytes exactly as given. */
  function request(
    method: string,
    path: string,
    options: { headers?: Record<string, string>; body?: Buffer | string } = {},
  ): Promise<RawResponse> {
    return rawRequest(port, {
      method,
      path,
      headers: { authorization: `Bearer ${t.adminKey}`, ...options.headers },
      body: options.body,
    });
  }

  const json = (body: Buffer | string, headers: Record<string, string> = {}) => ({
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

  function expectError(res: RawResponse, status: number, expected: Record<string, unknown>) {
    expect({ status: res.status, text: res.text.slice(0, 300) }).toMatchObject({ status });
    const body = JSON.parse(res.text) as Record<string, unknown>;
    expect(body).toMatchObject({ statusCode: status, ...expected });
    expect(typeof body.error).toBe('string');
    expect(typeof body.message).toBe('string');
    return body;
  }

  describe('body reader', () => {
    it.each(['latin1', 'iso-8859-1', 'utf-16le', 'bogus'])(
      'a JSON body in charset %s is 415',
      async (charset) => {
        const res = await request(
          'POST',
          '/v1/topics',
          json(JSON.stringify(topicInput()), {
            'content-type': `application/json; charset=${charset}`,
          }),
        );
        expectError(res, 415, { field: 'body', code: 'unsupported_charset' });
      },
    );

    it('a form body in another charset than UTF-8 is 415', async () => {
      const res = await request('POST', '/subscribe', {
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=latin1' },
        body: 'email=a%40example.test',
      });
      expectError(res, 415, { field: 'body', code: 'unsupported_charset' });
    });

    it.each(['bogus', 'compress', 'gzip, bogus'])(
      'Content-Encoding %s is 415 (JSON, form and raw report bodies)',
      async (encoding) => {
        const headers = { 'content-encoding': encoding };
        const asJson = await request('POST', '/v1/topics', json('{}', headers));
        expectError(asJson, 415, { field: 'body', code: 'unsupported_encoding' });
        const asForm = await request('POST', '/subscribe', {
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'email=a%40example.test',
        });
        expectError(asForm, 415, { code: 'unsupported_encoding' });
        const asReport = await request('POST', '/v1/webhooks/bounces', {
          headers: {
            ...headers,
            authorization: `Bearer ${BOUNCE_SECRET}`,
            'content-type': 'message/rfc822',
          },
          body: wideMime(1),
        });
        expectError(asReport, 415, { code: 'unsupported_encoding' });
      },
    );

    it.each([
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ] as const)('a %s-compressed JSON body is inflated and accepted', async (encoding, zip) => {
      const topic = topicInput();
      const res = await request(
        'POST',
        '/v1/topics',
        json(zip(Buffer.from(JSON.stringify(topic))), { 'content-encoding': encoding }),
      );
      expect(res.status).toBe(201);
      expect(JSON.parse(res.text)).toMatchObject({ key: topic.key });
    });

    it('a body that does not inflate is 400', async () => {
      const notGzip = await request(
        'POST',
        '/v1/topics',
        json('{"key":"x"}', { 'content-encoding': 'gzip' }),
      );
      expectError(notGzip, 400, { field: 'body', code: 'invalid_encoding' });
      const truncated = gzipSync(Buffer.from(JSON.stringify(topicInput()))).subarray(0, 20);
      const cut = await request(
        'POST',
        '/v1/topics',
        json(truncated, { 'content-encoding': 'gzip' }),
      );
      expectError(cut, 400, { field: 'body', code: 'invalid_encoding' });
    });

    it('malformed JSON is 400, as JSON for the API and as a page for a browser', async () => {
      const res = await request('POST', '/v1/topics', json('{"key":'));
      const body = expectError(res, 400, { field: 'body', code: 'invalid_json' });
      expect(body.message).toMatch(/^The request body is not valid JSON/);
      const page = await request('POST', '/subscribe', json('{"email":', { accept: 'text/html' }));
      expect(page.status).toBe(400);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).toContain('not valid JSON');
    });

    it('a body over its limit is 413, counted after inflating', async () => {
      const big = JSON.stringify({ ...topicInput(), description: 'x'.repeat(1024 * 1024) });
      const res = await request('POST', '/v1/topics', json(big));
      const body = expectError(res, 413, { field: 'body', code: 'too_large' });
      expect(body.message).toBe('The request body is larger than 1 MB');

      const bomb = gzipSync(Buffer.from(`{"description":"${' '.repeat(5 * 1024 * 1024)}"}`));
      expect(bomb.length).toBeLessThan(64 * 1024);
      const inflated = await request(
        'POST',
        '/v1/topics',
        json(bomb, { 'content-encoding': 'gzip' }),
      );
      expectError(inflated, 413, { code: 'too_large' });

      const form = await request('POST', '/subscribe', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `email=${'a'.repeat(101 * 1024)}`,
      });
      expectError(form, 413, { message: 'The request body is larger than 100 KB' });
    });
  });

  describe('JSON depth', () => {
    it(`refuses JSON nested deeper than 32 levels before validation runs`, async () => {
      for (const depth of [33, 3000]) {
        const res = await request('POST', '/v1/topics', json(nestedJson(depth)));
        const body = expectError(res, 400, { field: 'body', code: 'too_deep' });
        expect(body.message).toBe(
          'The JSON body nests objects and arrays more than 32 levels deep',
        );
      }
      const deepArrays = await request('POST', '/v1/topics', json('['.repeat(5000)));
      expectError(deepArrays, 400, { code: 'too_deep' });
    });

    it('lets 32 levels through to validation, and brackets inside strings do not count', async () => {
      const atLimit = await request('POST', '/v1/topics', json(nestedJson(32)));
      expectError(atLimit, 400, { field: 'name' });
      const inString = await request(
        'POST',
        '/v1/topics',
        json(JSON.stringify(topicInput({ description: '['.repeat(100) }))),
      );
      expect(inString.status).toBe(201);
    });
  });

  describe('NUL and invalid UTF-8', () => {
    it.each([
      ['%00', 'nul'],
      ['a%00b', 'nul'],
      ['%FF', 'invalid_utf8'],
      ['%C0%AF', 'invalid_utf8'],
      ['%ED%A0%80', 'invalid_utf8'],
      ['%E2%82', 'invalid_utf8'],
      ['%ZZ', 'invalid_utf8'],
    ])('in a path parameter (%s) is 400 naming the parameter', async (value, code) => {
      const res = await request('GET', `/v1/topics/${value}`);
      expectError(res, 400, { field: 'idOrKey', code });
      const unauthenticated = await rawRequest(port, {
        method: 'GET',
        path: `/v1/topics/${value}`,
      });
      expectError(unauthenticated, 400, { field: 'idOrKey', code });
    });

    it('names the right one of two path parameters', async () => {
      const res = await request(
        'DELETE',
        '/v1/subscribers/00000000-0000-4000-8000-000000000000/subscriptions/%00',
      );
      expectError(res, 400, { field: 'topic', code: 'nul' });
      const first = await request('GET', '/v1/subscribers/%FF/subscriptions');
      expectError(first, 400, { field: 'id', code: 'invalid_utf8' });
    });

    it('on a subscriber page is a 400 page for a browser, JSON naming the token otherwise', async () => {
      for (const path of ['/p/%00', '/u/%FF', '/f/%00/yes', '/confirm/%C0%AF']) {
        const page = await rawRequest(port, {
          method: 'GET',
          path,
          headers: { accept: 'text/html' },
        });
        expect({ path, status: page.status }).toEqual({ path, status: 400 });
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        expect(page.text).toContain('token');
        const api = await rawRequest(port, { method: 'GET', path });
        expectError(api, 400, { field: 'token' });
      }
    });

    it.each([
      ['/v1/campaigns?topic=%00', 'topic', 'nul'],
      ['/v1/campaigns?limit=10&topic=%FF', 'topic', 'invalid_utf8'],
      ['/v1/subscribers?status=%C0%AF', 'status', 'invalid_utf8'],
      ['/v1/messages?subscriber=a%00', 'subscriber', 'nul'],
      ['/v1/topics?%FF=1', '%FF', 'invalid_utf8'],
      ['/p/some-token?lang=%00', 'lang', 'nul'],
    ])('in a query string (%s) is 400 naming the parameter', async (path, field, code) => {
      const res = await request('GET', path);
      expectError(res, 400, { field, code });
    });

    it.each([
      ['{"name":"a\\u0000b"}', 'name', 'nul'],
      ['{"name":"\\ud800"}', 'name', 'invalid_utf8'],
      ['{"topics":[{"topic":"ok"},{"topic":"x\\udc00"}]}', 'topics.1.topic', 'invalid_utf8'],
      ['{"attributes":{"plan":{"n\\u0000":1}}}', 'attributes.plan.n\\u0000', 'nul'],
    ])('in a JSON body (%s) is 400 naming the field path', async (body, field, code) => {
      const res = await request('POST', '/v1/subscribers', json(body));
      expectError(res, 400, { field, code });
    });

    it('as raw bytes in a JSON body is 400 naming the field the bytes are in', async () => {
      const body = Buffer.concat([
        Buffer.from('{"email":"ada@example.test","attributes":{"city":"caf'),
        Buffer.from([0xe9]),
        Buffer.from('"}}'),
      ]);
      const res = await request('POST', '/v1/subscribers', json(body));
      expectError(res, 400, { field: 'attributes.city', code: 'invalid_utf8' });
    });

    it.each([
      ['email=a%00%40example.test', 'email', 'nul'],
      ['email=a%40example.test&name=%FF', 'name', 'invalid_utf8'],
      ['email=a%40example.test&%C0%AF=1', '%C0%AF', 'invalid_utf8'],
    ])('in a form body (%s) is 400 naming the field', async (body, field, code) => {
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      const res = await request('POST', '/subscribe', { headers, body });
      expectError(res, 400, { field, code });
      const page = await request('POST', '/subscribe', {
        headers: { ...headers, accept: 'text/html' },
        body,
      });
      expect(page.status).toBe(400);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
    });

    it('in an imported row is that row’s error, and a compressed import is 415', async () => {
      const ndjson = [
        JSON.stringify(subscriberInput({ attributes: { plan: 'a\u0000' } })),
        JSON.stringify(subscriberInput({ dates: { 'renewal\u0000': '2030-01-01' } })),
      ].join('\n');
      const res = await request('POST', '/v1/subscribers/import', {
        headers: { 'content-type': 'application/x-ndjson' },
        body: ndjson,
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({
        failed: 2,
        errors: [
          { line: 1, field: 'attributes' },
          { line: 2, field: expect.stringMatching(/^dates/) },
        ],
      });
      const gz = await request('POST', '/v1/subscribers/import', {
        headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip' },
        body: gzipSync('email\nada@example.test\n'),
      });
      expect(gz.status).toBe(415);
    });
  });

  describe('webhook MIME limits', () => {
    const report = (endpoint: 'bounces' | 'complaints', body: Buffer, headers = {}) =>
      request('POST', `/v1/webhooks/${endpoint}`, {
        headers: {
          authorization: `Bearer ${endpoint === 'bounces' ? BOUNCE_SECRET : COMPLAINT_SECRET}`,
          'content-type': 'message/rfc822',
          ...headers,
        },
        body,
      });

    it('refuses more than 16 nesting levels with 422', async () => {
      for (const endpoint of ['bounces', 'complaints'] as const) {
        const res = await report(endpoint, nestedMime(17));
        const body = expectError(res, 422, { field: 'body', code: 'report_too_complex' });
        expect(body.message).toMatch(/more than 16 levels deep/);
      }
      expect((await report('bounces', nestedMime(16))).status).toBe(200);
    });

    it('refuses more than 200 MIME parts with 422', async () => {
      for (const endpoint of ['bounces', 'complaints'] as const) {
        const res = await report(endpoint, wideMime(250));
        const body = expectError(res, 422, { field: 'body', code: 'report_too_complex' });
        expect(body.message).toMatch(/more than 200 MIME parts/);
      }
      expect((await report('bounces', wideMime(150))).status).toBe(200);
    });

    it('answers the 2,000 nested parts of the issue with 422, quickly', async () => {
      const started = Date.now();
      const res = await report('bounces', nestedMime(2000));
      expectError(res, 422, { code: 'report_too_complex' });
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('reads a gzip-compressed report, and refuses one over 10 MB with 413', async () => {
      const dsn = reportFixture('dsn-delayed-postfix.eml', {
        ledgerId: '0b6f4a8e-5c2d-4e1f-9a3b-7d8c6e5f4a3b',
        recipient: 'nobody@example.test',
        domain: 'news.example.test',
      });
      const res = await report('bounces', gzipSync(dsn), { 'content-encoding': 'gzip' });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({ format: 'dsn' });

      const big = await report('bounces', Buffer.alloc(10 * 1024 * 1024 + 1, 0x41));
      const body = expectError(big, 413, { field: 'body', code: 'too_large' });
      expect(body.message).toBe('The request body is larger than 10 MB');
    });
  });
});
