import fc from 'fast-check';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { RawResponse, rawRequest } from './raw-http';

/**
 * Hostile HTTP requests for the fuzz test (test/e2e/fuzz.e2e-spec.ts): the operations come from
 * the running app (its OpenAPI document and its Express route table), the requests from
 * fast-check. A request is a plain description (what fast-check prints as a counterexample);
 * its bytes are made when it is sent.
 */

export type AuthKind = 'api' | 'bounces' | 'complaints' | 'none';

export interface Operation {
  method: string;
  /** With `{name}` placeholders for path parameters. */
  path: string;
  pathParams: string[];
  queryParams: Array<{ name: string; schema?: Schema }>;
  /** Media types of the request body the document lists (empty: none documented). */
  bodyTypes: string[];
  bodySchema?: Schema;
  auth: AuthKind;
  source: 'openapi' | 'routes';
}

export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; schema?: Schema }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: unknown[];
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the OpenAPI document, `$ref`s resolved. */
export function operationsFromOpenApi(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
      const op = item[method];
      const params = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      const json = content['application/json']?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema })),
        bodyTypes: Object.keys(content),
        bodySchema: json ? resolve(json, doc) : undefined,
        auth: path.startsWith('/v1/webhooks/bounces')
          ? 'bounces'
          : path.startsWith('/v1/webhooks/complaints')
            ? 'complaints'
            : op.security?.length
              ? 'api'
              : 'none',
        source: 'openapi',
      });
    }
  }
  return ops;
}

interface RouteLayer {
  route?: { path?: unknown; methods?: Record<string, boolean> };
}

/**
 * Routes Express serves that the OpenAPI document leaves out (the subscriber pages, the feedback
 * links, the dashboard), read from the app's route table; middleware mounted on every method is
 * not a route.
 */
export function operationsFromRoutes(stack: RouteLayer[], documented: Operation[]): Operation[] {
  const known = new Set(documented.map((o) => `${o.method} ${o.path}`));
  const ops = new Map<string, Operation>();
  for (const layer of stack) {
    const path = layer.route?.path;
    const methods = Object.keys(layer.route?.methods ?? {}).filter((m) => METHODS.includes(m));
    if (typeof path !== 'string' || /[*{}]/.test(path) || methods.length !== 1) continue;
    const template = path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const method = methods[0].toUpperCase();
    const key = `${method} ${template}`;
    if (known.has(key) || ops.has(key)) continue;
    ops.set(key, {
      method,
      path: template,
      pathParams: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
      queryParams: [],
      bodyTypes: method === 'POST' ? ['application/x-www-form-urlencoded', 'application/json'] : [],
      auth: template.startsWith('/v1/') ? 'api' : 'none',
      source: 'routes',
    });
  }
  return [...ops.values()];
}

/**
 * Bull Board's read routes under /admin/queues: a router mounted on a path, so not in the route
 * table as routes of their own. Its write routes (pause, clean, add) are left alone.
 */
export const QUEUE_BOARD_OPERATIONS: Operation[] = [
  '/admin/queues',
  '/admin/queues/api/queues',
  '/admin/queues/api/redis/stats',
  '/admin/queues/api/job-schedulers',
  '/admin/queues/api/queues/{queueName}/metrics',
  '/admin/queues/api/queues/{queueName}/{jobId}',
  '/admin/queues/api/queues/{queueName}/{jobId}/logs',
].map((path) => ({
  method: 'GET',
  path,
  pathParams: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]),
  queryParams: [
    { name: 'activeQueue' },
    { name: 'status' },
    { name: 'page' },
    { name: 'jobsPerPage' },
  ],
  bodyTypes: [],
  auth: 'none',
  source: 'routes',
}));

function resolve(schema: Schema, doc: OpenApiDocument, depth = 0): Schema {
  if (depth > 8) return {};
  if (schema.$ref) {
    const name = schema.$ref.split('/').pop()!;
    return resolve(doc.components?.schemas?.[name] ?? {}, doc, depth + 1);
  }
  if (schema.allOf?.length === 1) return { ...schema, ...resolve(schema.allOf[0], doc, depth + 1) };
  if (schema.oneOf?.length) return resolve(schema.oneOf[0], doc, depth + 1);
  return {
    ...schema,
    properties: schema.properties
      ? Object.fromEntries(
          Object.entries(schema.properties).map(([k, v]) => [k, resolve(v, doc, depth + 1)]),
        )
      : undefined,
    items: schema.items ? resolve(schema.items, doc, depth + 1) : undefined,
  };
}

/** A value the schema would accept as far as it says (its example, enum, default, type). */
export function plausible(schema: Schema | undefined, name = ''): unknown {
  if (!schema) return 'x';
  if (schema.example !== undefined) return schema.example;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.properties) {
    return Object.fromEntries(
      Object.entries(schema.properties)
        .filter(([k]) => schema.required?.includes(k))
        .map(([k, v]) => [k, plausible(v, k)]),
    );
  }
  switch (schema.type) {
    case 'array':
      return [plausible(schema.items, name)];
    case 'number':
    case 'integer':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'object':
      return {};
  }
  if (schema.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
  if (schema.format === 'date-time' || /At$/.test(name)) return '2030-01-01T09:00:00Z';
  return 'x';
}

/** A description of one request; `send` makes its bytes. */
export interface FuzzRequest {
  method: string;
  /** Raw request target path (already percent-encoded as intended, bad bytes included). */
  path: string;
  /** Raw query string without `?`. */
  query: string;
  auth: 'right' | 'none' | 'wrong' | 'basic';
  accept?: string;
  contentType?: string;
  contentEncoding?: Encoding;
  body?: BodySpec;
}

export type Encoding = 'identity' | 'gzip' | 'deflate' | 'br' | 'not-gzip' | 'bogus' | 'gzip, br';

export type BodySpec =
  | { json: unknown }
  | { text: string; bytes?: 'latin1' }
  | { big: 'string' | 'array' | 'deep' | 'mime-deep' | 'mime-wide'; size: number };

/** Bytes that decode to an invalid UTF-8 sequence or a NUL in a path, query or form. */
const BAD_ENCODED = [
  '%00',
  'a%00b',
  '%FF',
  'caf%E9',
  '%C0%AF',
  '%ED%A0%80',
  '%E2%82',
  '%F4%90%80%80',
  '%',
  '%ZZ',
  '%2',
  '\xff',
  'caf\xe9',
];

const ODD_TEXT = [
  '',
  '.',
  '..',
  '%2e%2e',
  '%2F',
  '%25',
  'null',
  'undefined',
  'NaN',
  'true',
  '-1',
  '0',
  '1.5',
  '1e309',
  '99999999999999999999999',
  '2024-02-30',
  '9999-12-31T23:59:59Z',
  '%5B%5D',
  '%7B%7D',
  "'",
  '%27%20OR%20%271%27%3D%271',
  '00000000-0000-0000-0000-000000000000',
  'A0B1C2D3-E4F5-4A6B-8C7D-9E0F1A2B3C4D',
];

/** A path segment or query value, raw: hostile, odd, random, long, or one that names real data. */
export function urlValue(valid: string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...valid.map(encodeURIComponent)), weight: 4 },
    { arbitrary: fc.constantFrom(...BAD_ENCODED), weight: 4 },
    { arbitrary: fc.constantFrom(...ODD_TEXT), weight: 2 },
    {
      arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map(encodeURIComponent),
      weight: 2,
    },
    { arbitrary: fc.uuid().map(String), weight: 1 },
    { arbitrary: fc.integer().map(String), weight: 1 },
    { arbitrary: fc.constantFrom('<a×3000>', '<é×1000>'), weight: 1 },
  );
}

function queryString(op: Operation, valid: string[]): fc.Arbitrary<string> {
  const names = [...op.queryParams.map((p) => p.name), 'x'];
  const name = fc.oneof(
    { arbitrary: fc.constantFrom(...names), weight: 6 },
    { arbitrary: fc.constantFrom('__proto__', 'constructor', 'limit[]', '%00', '%FF'), weight: 1 },
  );
  return fc
    .array(fc.tuple(name, urlValue(valid)), { maxLength: 4 })
    .map((pairs) => pairs.map(([n, v]) => `${n}=${v}`).join('&'));
}

/** JSON values that test the edges: NUL, lone surrogates, huge, wrong type, nested, odd formats. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udc00y',
    '\uFFFD',
    '',
    ' ',
    '<a×100000>',
    -1,
    0,
    1e308,
    -1e308,
    2 ** 53 + 1,
    1.5,
    true,
    false,
    null,
    [],
    {},
    [null],
    { '\u0000': 1 },
    JSON.parse('{"__proto__":{"polluted":true}}'),
    '2024-02-30',
    '9999-12-31T23:59:59Z',
    '0000-01-01',
    'Europe/Nowhere',
    '<script>alert(1)</script>',
    "'; DROP TABLE topics;--",
    '{{#each x}}',
    '../../etc/passwd',
    'not-an-email@',
    '00000000-0000-0000-0000-000000000000',
  ),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer(),
  fc.double(),
  fc.integer({ min: 33, max: 80 }).map((depth) => nest(depth)),
);

function nest(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

/** The leaf paths of a plain JSON value. */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (Array.isArray(value)) {
    return value.length ? value.flatMap((v, i) => leafPaths(v, [...prefix, String(i)])) : [prefix];
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    return entries.length ? entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k])) : [prefix];
  }
  return [prefix];
}

function setPath(value: unknown, path: string[], replacement: unknown): unknown {
  if (!path.length) return replacement;
  const copy: Record<string, unknown> = Array.isArray(value)
    ? ([...value] as unknown as Record<string, unknown>)
    : { ...(value as Record<string, unknown>) };
  // defineProperty, so a `__proto__` key is a key (as JSON.parse makes it), not the prototype.
  Object.defineProperty(copy, path[0], {
    value: setPath(copy[path[0]], path.slice(1), replacement),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

/** The operation's plausible body, as it is or with up to three fields replaced or added. */
function mutatedBody(op: Operation): fc.Arbitrary<unknown> {
  const base = plausible(op.bodySchema);
  const paths = leafPaths(base).filter((p) => p.length);
  const mutation = fc.oneof(
    fc.tuple(fc.constant('set' as const), fc.constantFrom(...(paths.length ? paths : [['x']]))),
    fc.tuple(
      fc.constant('add' as const),
      fc.constantFrom<string[]>(['extra'], ['__proto__'], ['\u0000']),
    ),
  );
  return fc
    .array(fc.tuple(mutation, hostileJson), { maxLength: 3 })
    .map((changes) =>
      changes.reduce<unknown>((body, [[, path], value]) => setPath(body, path, value), base),
    );
}

const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16le',
  'application/json; charset="bogus"',
  'application/json; charset',
  'application/json;;',
  'application/merge-patch+json',
];

const OTHER_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=latin1',
  'text/plain',
  'text/plain; charset=utf-7',
  'text/csv',
  'application/x-ndjson',
  'message/rfc822',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
  'application/xml',
  '*/*',
  'garbage',
];

const RAW_JSON = [
  '',
  '{',
  '{"a":',
  '{"a":1,}',
  '[1,2',
  'null',
  '"just a string"',
  '123',
  '\ufeff{"a":1}',
  '{"a":"\\u0000"}',
  '{"\\u0000":"x"}',
  '{"a":"\\ud800"}',
  '{"a":1,"a":2}',
  '{"__proto__":{"polluted":true}}',
  '<[×3000><]×3000>',
  '<{"a":×3000>1<}×3000>',
];

/** A raw email: a DSN-like report, broken ones, or nesting and width far past the limits. */
const MIME: string[] = [
  [
    'From: MAILER-DAEMON@example.test',
    'Message-ID: <fuzz@example.test>',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'It bounced.',
    '--b',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.test',
    '',
    'Final-Recipient: rfc822; someone@example.test',
    'Action: failed',
    'Status: 5.1.1',
    '--b--',
    '',
  ].join('\r\n'),
  'From: a@example.test\r\nContent-Type: multipart/mixed\r\n\r\nno boundary\r\n',
  'From: a@example.test\r\nContent-Type: text/plain; charset=utf-7\r\n\r\n+ADw-script+AD4-\r\n',
  'From: a@example.test\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n',
  'From: a@example.test\r\nReferences: <a×200000>\r\n\r\nx\r\n',
  'From: a@example.test\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=q\r\n\r\n--q--\r\n',
  'X: y\r\n\r\n<-×100000>\r\n',
];

function mimeNested(depth: number): string {
  let mime = 'From: a@example.test\r\nMessage-ID: <deep@example.test>\r\n';
  for (let i = 0; i < depth; i++) {
    mime += `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n`;
  }
  return `${mime}Content-Type: text/plain\r\n\r\nhi\r\n`;
}

function mimeWide(parts: number): string {
  let mime =
    'From: a@example.test\r\nMessage-ID: <wide@example.test>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n';
  for (let i = 0; i < parts; i++) mime += `--b\r\nContent-Type: text/plain\r\n\r\n${i}\r\n`;
  return `${mime}--b--\r\n`;
}

const CSV = [
  'email,date.renewal_date,date.x\u0000\na@example.test,2030-02-30,2030-01-01\n',
  'email,attr.\u0000,topics\na@example.test,1,\u0000\n',
  'email,timezone,locale\na@example.test,\u0000,\u0000\n',
  'email\nada%00@example.test\n',
  'email,name\n"unterminated,x\n',
  'email,attr.x\n\u0000@example.test,\u0000\n',
  '\xff\xfe\n',
  'email\n<x×70000>\n',
];

const NDJSON = [
  '{"email":"a@example.test","dates":{"\\u0000":"2030-01-01"}}\n',
  '{"email":"a@example.test","dates":{"renewal_date":"\\u0000"}}\n',
  '{"email":"a@example.test","dates":{"renewal_date":"2030-02-30"}}\n',
  '{"email":"a@example.test","topics":["\\u0000",{"topic":"\\ud800"}]}\n',
  '{"email":"a\\u0000@example.test","name":"\\ud800"}\n',
  '{"email":"a@example.test","attributes":{"\\ud800":1},"timezone":"\\u0000"}\n',
  '{"email":"a@example.test","name":"\\u0000"}\n',
  '{"email":"a@example.test","attributes":<[×3000><]×3000>}\n',
  '{"email":"a@example.test","attributes":{"x":"\\ud800"}}\n',
  '{"email":\n',
  'null\n[]\n"x"\n',
];

const FORMS = [
  'email=%00',
  'email=a%FFb',
  '%FF=1',
  'email=ada%40example.test&topics=%C0%AF',
  'csrf=x&topics=a&topics=b',
  'a[b][c]=1',
  '=&&==',
  'email=<a×200000>',
];

/** A body for the operation, with its content type and encoding. */
function bodyOf(op: Operation): fc.Arbitrary<Partial<Pick<FuzzRequest, 'body' | 'contentType'>>> {
  const webhook = op.auth === 'bounces' || op.auth === 'complaints';
  const importing = op.bodyTypes.includes('text/csv');
  const page = op.source === 'routes';
  const json = (arb: fc.Arbitrary<unknown>) =>
    fc.record({ body: arb.map((json) => ({ json })), contentType: fc.constantFrom(...JSON_TYPES) });
  const text = (texts: string[], types: string[]) =>
    fc.record({
      body: fc
        .tuple(fc.constantFrom(...texts), fc.boolean())
        .map(([t, latin1]) => (latin1 ? { text: t, bytes: 'latin1' as const } : { text: t })),
      contentType: fc.constantFrom(...types),
    });
  return fc.oneof(
    { arbitrary: json(mutatedBody(op)), weight: op.bodySchema ? 8 : 1 },
    { arbitrary: json(fc.jsonValue({ maxDepth: 4 })), weight: 1 },
    { arbitrary: text(RAW_JSON, JSON_TYPES), weight: 3 },
    {
      arbitrary: text(FORMS, ['application/x-www-form-urlencoded', ...OTHER_TYPES]),
      weight: page ? 6 : 1,
    },
    {
      arbitrary: text(MIME, ['message/rfc822', 'text/plain', ...OTHER_TYPES]),
      weight: webhook ? 5 : 1,
    },
    {
      arbitrary: fc.record({
        body: fc.oneof(
          fc.integer({ min: 1, max: 60 }).map((size) => ({ big: 'mime-deep' as const, size })),
          fc.integer({ min: 1, max: 400 }).map((size) => ({ big: 'mime-wide' as const, size })),
        ),
        contentType: fc.constantFrom('message/rfc822', 'application/octet-stream'),
      }),
      weight: webhook ? 5 : 0,
    },
    { arbitrary: text(CSV, ['text/csv', 'text/csv; charset=latin1']), weight: importing ? 5 : 0 },
    {
      arbitrary: text(NDJSON, ['application/x-ndjson', 'application/jsonl']),
      weight: importing ? 5 : 0,
    },
    {
      arbitrary: fc.record({
        body: fc.oneof(
          fc.constant({ big: 'string' as const, size: 1_100_000 }),
          fc.constant({ big: 'array' as const, size: 30_000 }),
          fc.constant({ big: 'deep' as const, size: 100_000 }),
        ),
        contentType: fc.constantFrom(...JSON_TYPES.slice(0, 2)),
      }),
      weight: 1,
    },
    { arbitrary: fc.constant<Partial<Pick<FuzzRequest, 'body' | 'contentType'>>>({}), weight: 1 },
  );
}

/** Requests for one operation: its path, query, credentials, headers and body all vary. */
export function requestsFor(op: Operation, valid: string[]): fc.Arbitrary<FuzzRequest> {
  const segments = op.pathParams.map(() => urlValue(valid));
  const hasBody = op.method !== 'GET' && op.method !== 'DELETE';
  return fc
    .record({
      params: fc.tuple(...segments),
      query: fc.oneof(
        { arbitrary: fc.constant(''), weight: 1 },
        { arbitrary: queryString(op, valid), weight: 2 },
      ),
      auth: fc.oneof(
        { arbitrary: fc.constant('right' as const), weight: 6 },
        {
          arbitrary: fc.constantFrom('none' as const, 'wrong' as const, 'basic' as const),
          weight: 1,
        },
      ),
      accept: fc.option(
        fc.constantFrom('application/json', 'text/html', '*/*', 'text/html;q=0.1, nonsense'),
        { nil: undefined },
      ),
      head: op.method === 'GET' ? fc.boolean() : fc.constant(false),
      body: hasBody
        ? bodyOf(op)
        : fc.oneof(
            {
              arbitrary: fc.constant<Partial<Pick<FuzzRequest, 'body' | 'contentType'>>>({}),
              weight: 5,
            },
            { arbitrary: bodyOf(op), weight: 1 },
          ),
      contentEncoding: fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 8 },
        {
          arbitrary: fc.constantFrom<Encoding>(
            'identity',
            'gzip',
            'deflate',
            'br',
            'not-gzip',
            'bogus',
            'gzip, br',
          ),
          weight: 2,
        },
      ),
    })
    .map(({ params, query, auth, accept, head, body, contentEncoding }) => {
      let i = 0;
      const path = op.path.replace(/\{[^}]+\}/g, () => params[i++]);
      return {
        method: head ? 'HEAD' : op.method,
        path,
        query,
        auth,
        ...(accept ? { accept } : {}),
        ...body,
        ...(body.body && contentEncoding ? { contentEncoding } : {}),
      };
    });
}

/**
 * `<unit×n>` in a path, query or body stands for `unit` n times: the request stays short when
 * fast-check prints it.
 */
export function expand(text: string): string {
  return text.replace(/<([^<>]+?)×(\d+)>/g, (_, unit: string, n: string) => unit.repeat(Number(n)));
}

function bodyBytes(spec: BodySpec): Buffer {
  if ('json' in spec) return Buffer.from(expand(JSON.stringify(spec.json) ?? 'null'), 'utf8');
  if ('text' in spec) return Buffer.from(expand(spec.text), spec.bytes ?? 'utf8');
  switch (spec.big) {
    case 'string':
      return Buffer.from(`{"name":"${'x'.repeat(spec.size)}"}`);
    case 'array':
      return Buffer.from(`{"topics":[${'0,'.repeat(spec.size)}0]}`);
    case 'deep':
      return Buffer.from('['.repeat(spec.size) + ']'.repeat(spec.size));
    case 'mime-deep':
      return Buffer.from(mimeNested(spec.size));
    case 'mime-wide':
      return Buffer.from(mimeWide(spec.size));
  }
}

function encode(bytes: Buffer, encoding: Encoding | undefined): Buffer {
  switch (encoding) {
    case 'gzip':
      return gzipSync(bytes);
    case 'deflate':
      return deflateSync(bytes);
    case 'br':
      return brotliCompressSync(bytes);
    case 'gzip, br':
      return brotliCompressSync(gzipSync(bytes));
    default:
      return bytes;
  }
}

export interface Credentials {
  api: string;
  bounces: string;
  complaints: string;
  /** `name=value` of an /admin session. */
  adminCookie: string;
}

/** Sends the request as described, bytes exactly as meant (no client normalises the path). */
export function send(
  port: number,
  op: Operation,
  r: FuzzRequest,
  credentials: Credentials,
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (r.contentType) headers['content-type'] = r.contentType;
  if (r.body && r.contentEncoding) {
    headers['content-encoding'] = r.contentEncoding === 'not-gzip' ? 'gzip' : r.contentEncoding;
  }
  if (r.accept) headers.accept = r.accept;
  const secret = op.auth === 'none' ? credentials.api : credentials[op.auth];
  if (r.auth === 'right') headers.authorization = `Bearer ${secret}`;
  if (r.auth === 'wrong') headers.authorization = 'Bearer tdg_wrong_0000000000000000';
  if (r.auth === 'basic') headers.authorization = 'Basic YWRtaW46YWRtaW4=';
  if (r.auth === 'right' && r.path.startsWith('/admin')) headers.cookie = credentials.adminCookie;
  if (r.auth === 'wrong' && r.path.startsWith('/admin')) headers.cookie = 'tidings_admin=forged';
  return rawRequest(port, {
    method: r.method,
    path: expand(r.query ? `${r.path}?${r.query}` : r.path),
    headers,
    body: r.body ? encode(bodyBytes(r.body), r.contentEncoding) : undefined,
  });
}
