import { createTestApp, TestApp } from '../support/test-app';

describe('Operations endpoints', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('GET /health checks PostgreSQL and Redis without an API key', async () => {
    const res = await t.http().get('/health').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.info.database.status).toBe('up');
    expect(res.body.info.redis.status).toBe('up');
    // A new Redis (this test's own key prefix) looks like one that lost its data: the first
    // check rebuilt what PostgreSQL had due (nothing) and says so.
    expect(res.body.info.queues).toEqual({
      status: 'up',
      lastLoss: {
        lostAt: expect.any(String),
        detectedBy: expect.stringMatching(/#\d+ \(api\)$/),
        rebuiltAt: expect.any(String),
        recoveredAt: expect.any(String),
        rebuilt: { ledgerRows: 0, campaigns: 0, schedulers: 3 },
      },
    });
    expect(res.body.details.queues).toEqual(res.body.info.queues);
  });

  it('GET /metrics answers Prometheus text with process and HTTP metrics', async () => {
    await t.http().get('/v1/topics').set('Authorization', `Bearer ${t.adminKey}`).expect(200);
    const res = await t.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain('tidings_process_cpu_seconds_total');
    expect(res.text).toMatch(
      /tidings_http_request_duration_seconds_count\{[^}]*route="\/v1\/topics"/,
    );
  });

  it('serves the OpenAPI document and Swagger UI at /docs', async () => {
    const doc = await t.http().get('/docs/openapi.json').expect(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/topics',
        '/v1/subscribers',
        '/v1/subscribers/{id}/subscriptions',
      ]),
    );
    const ui = await t.http().get('/docs').redirects(1).expect(200);
    expect(ui.text).toContain('swagger');
  });
});
