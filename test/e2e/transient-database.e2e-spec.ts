import { Client } from 'pg';
import { TokensService } from '../../src/platform/tokens/tokens.service';
import { createSubscriber, topicInput } from '../factories';
import { createTopic } from '../support/preference-center';
import { eventually } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * A database connection that dies under a request, for real: a second session locks a table the
 * request needs, and once the app's backend waits on that lock it is terminated with
 * pg_terminate_backend (57P01, what a failover or an administrator does). No mocks.
 */
describe('A transient database failure is a 503 with Retry-After; a read survives it', () => {
  let t: TestApp;
  let admin: Client;

  beforeAll(async () => {
    t = await createTestApp({ workers: false });
    admin = new Client({ connectionString: t.databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await t.close();
  });

  /**
   * Runs the request while `table` is locked, terminates the app's backends that wait on the lock,
   * releases it, and returns the response and how many backends were terminated.
   */
  async function withTerminatedConnection<R>(
    table: string,
    send: () => Promise<R>,
  ): Promise<{ res: R; terminated: number }> {
    const locker = new Client({ connectionString: t.databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      const pending = send();
      const waiting = await eventually(async () => {
        const { rows } = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'tidings'
              AND wait_event_type = 'Lock'`,
        );
        return rows.length ? rows.map((r) => r.pid) : undefined;
      });
      const { rows } = await admin.query<{ ok: boolean }>(
        'SELECT pg_terminate_backend(pid) AS ok FROM unnest($1::int[]) AS pid',
        [waiting],
      );
      await locker.query('ROLLBACK');
      return { res: await pending, terminated: rows.filter((r) => r.ok).length };
    } finally {
      await locker.end();
    }
  }

  it('a write whose connection is terminated answers 503 with Retry-After and writes nothing', async () => {
    const topic = topicInput();
    const { res, terminated } = await withTerminatedConnection('topics', async () =>
      t.api().post('/v1/topics').send(topic),
    );
    expect(terminated).toBe(1);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.body).toMatchObject({
      statusCode: 503,
      error: 'Service Unavailable',
      code: 'temporarily_unavailable',
    });
    const rows = await t.dataSource.query('SELECT 1 FROM topics WHERE key = $1', [topic.key]);
    expect(rows).toEqual([]);
    // The pool replaced the connection: the same request now succeeds.
    await t.api().post('/v1/topics').send(topic).expect(201);
  });

  it('a read whose connection is terminated is retried and answers 200', async () => {
    const topic = await createTopic(t);
    const { res, terminated } = await withTerminatedConnection('topics', async () =>
      t.api().get(`/v1/topics/${topic.key}`),
    );
    expect(terminated).toBe(1);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ key: topic.key });
  });

  it('a subscriber page read survives it too; a page write answers a 503 page with Retry-After', async () => {
    const topic = await createTopic(t);
    const subscriber = await createSubscriber(t, { topics: [{ topic: topic.key }] });
    const tokens = t.app.get(TokensService);

    const page = await withTerminatedConnection('subscriptions', async () =>
      t
        .http()
        .get(`/p/${tokens.sign('manage', subscriber.id)}`)
        .set('Accept', 'text/html'),
    );
    expect(page.terminated).toBeGreaterThanOrEqual(1);
    expect(page.res.status).toBe(200);

    const oneClick = await withTerminatedConnection('subscriptions', async () =>
      t
        .http()
        .post(`/u/${tokens.sign('unsubscribe', subscriber.id)}`)
        .set('Accept', 'text/html')
        .type('form')
        .send('List-Unsubscribe=One-Click'),
    );
    expect(oneClick.terminated).toBeGreaterThanOrEqual(1);
    expect(oneClick.res.status).toBe(503);
    expect(oneClick.res.headers['retry-after']).toBe('2');
    expect(oneClick.res.headers['content-type']).toMatch(/^text\/html/);
    const rows = await t.dataSource.query(
      `SELECT status FROM subscriptions WHERE subscriber_id = $1`,
      [subscriber.id],
    );
    expect(rows).toEqual([{ status: 'active' }]);
  });
});
