import fc from 'fast-check';
import type { AddressInfo } from 'node:net';
import { TokensService } from '../../src/platform/tokens/tokens.service';
import { SNS_HTTP } from '../../src/surfaces/provider-webhooks/sns-messages';
import { subscriberInput, topicInput } from '../factories';
import {
  FuzzRequest,
  Operation,
  operationsFromOpenApi,
  operationsFromRoutes,
  QUEUE_BOARD_OPERATIONS,
  requestsFor,
  send,
} from '../support/http-fuzz';
import { sendgridKeys } from '../support/provider-signing';
import { createTestApp, TestApp } from '../support/test-app';

const BOUNCE_SECRET = 'bounce-secret-fuzz-0123456789';
const COMPLAINT_SECRET = 'complaint-secret-fuzz-0123456789';
/**
 * Fixed, so a run is repeatable; fast-check prints the seed and path of any failure. Explore with
 * FUZZ_SEED=<n> FUZZ_RUNS=<n> (both only read here).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_611);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 20);

/**
 * Property: whatever arrives (hostile path and query values, bodies of the wrong shape, size,
 * depth, type, charset or encoding, with and without credentials), no operation answers 5xx. The
 * operations are read from the running app, so a new route is fuzzed without touching this file.
 */
describe('Fuzzing every operation (OpenAPI document and public routes): never a 5xx', () => {
  let t: TestApp;
  let port: number;
  let operations: Operation[];
  /** Values that name real data, so some requests get past the lookups. */
  const valid: string[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  let adminCookie = '';

  beforeAll(async () => {
    t = await createTestApp({
      workers: false,
      env: {
        BOUNCE_WEBHOOK_SECRET: BOUNCE_SECRET,
        COMPLAINT_WEBHOOK_SECRET: COMPLAINT_SECRET,
        // Every provider webhook on, so the fuzzer reaches their verification and parsing.
        SES_SNS_TOPIC_ARNS: 'arn:aws:sns:eu-west-1:123456789012:fuzz',
        POSTMARK_WEBHOOK_PASSWORD: 'postmark-fuzz-0123456789',
        SENDGRID_WEBHOOK_PUBLIC_KEY: sendgridKeys().publicKeyBase64,
        MAILGUN_WEBHOOK_SIGNING_KEY: 'mailgun-fuzz-0123456789',
      },
      // No certificate is fetched from the network while fuzzing.
      overrides: [
        { provide: SNS_HTTP, useValue: { get: () => Promise.reject(new Error('offline')) } },
      ],
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;

    const doc = await t.http().get('/docs/openapi.json').expect(200);
    const documented = operationsFromOpenApi(doc.body);
    const router = (t.app.getHttpAdapter().getInstance() as { router: { stack: [] } }).router;
    // Deletes last, so the data the other requests name still exists while they run.
    operations = [
      ...documented,
      ...operationsFromRoutes(router.stack, documented),
      ...QUEUE_BOARD_OPERATIONS,
    ].sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));

    // The schema examples name these (topic "product-news", rule topic "renewals").
    for (const topic of [
      topicInput({ key: 'product-news' }),
      topicInput({ key: 'renewals', kind: 'notice' }),
    ]) {
      await t.api().post('/v1/topics').send(topic).expect(201);
    }
    const subscriber = await t
      .api()
      .post('/v1/subscribers')
      .send(subscriberInput({ topics: [{ topic: 'product-news' }] }))
      .expect(201);
    const id = subscriber.body.id as string;
    const tokens = t.app.get(TokensService);
    const ref = '11111111-2222-4333-8444-555555555555';
    // An /admin session, so the dashboard and the queue board are fuzzed past their login.
    const form = await t.http().get('/admin/login').expect(200);
    const login = await t
      .http()
      .post('/admin/login')
      .type('form')
      .send({ key: t.adminKey, csrf: /name="csrf" value="([^"]+)"/.exec(form.text)?.[1] })
      .expect(303);
    adminCookie = (login.headers['set-cookie'] as unknown as string[])[0].split(';')[0];

    valid.push(
      id,
      subscriber.body.email,
      'product-news',
      'renewals',
      'welcome',
      'notice',
      'yes',
      'no',
      '{delivery}',
      '{scheduler}',
      'failed',
      tokens.sign('manage', id),
      tokens.sign('unsubscribe', id),
      tokens.sign('feedback', id, { ref }),
      tokens.sign('confirm', id, { ref }),
      tokens.sign('elevated', id),
    );
  });

  afterAll(async () => {
    const seen = [...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, n]) => `${status}×${n}`)
      .join(', ');
    console.log(
      `fuzz: ${sent} requests over ${operations?.length ?? 0} operations (seed ${SEED}); statuses: ${seen}`,
    );
    await t?.close();
  });

  it('finds the documented operations and the public routes', () => {
    const names = operations.map((o) => `${o.method} ${o.path}`);
    expect(operations.filter((o) => o.source === 'openapi').length).toBeGreaterThanOrEqual(50);
    expect(names).toEqual(
      expect.arrayContaining([
        'GET /v1/topics/{idOrKey}',
        'POST /v1/webhooks/bounces',
        'POST /v1/subscribers/import',
        'GET /p/{token}',
        'POST /u/{token}',
        'GET /subscribe',
        'POST /subscribe',
        'GET /f/{token}/{answer}',
        'POST /admin/login',
        'GET /admin/queues/api/queues',
      ]),
    );
  });

  it('answers every request below 500', async () => {
    const credentials = {
      api: t.adminKey,
      bounces: BOUNCE_SECRET,
      complaints: COMPLAINT_SECRET,
      adminCookie,
    };
    for (const [index, op] of operations.entries()) {
      const property = fc.asyncProperty(requestsFor(op, valid), async (request: FuzzRequest) => {
        const res = await send(port, op, request, credentials);
        sent++;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) {
          throw new Error(
            `${op.method} ${op.path} answered ${res.status}: ${res.text.slice(0, 300)}`,
          );
        }
      });
      await fc.assert(property, { seed: SEED + index, numRuns: RUNS_PER_OPERATION });
    }
  }, 180_000);
});
