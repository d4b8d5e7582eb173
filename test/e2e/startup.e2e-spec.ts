import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { findFreePort, isProcessAlive } from '../../src/platform/net';
import { resolveRedis } from '../../src/platform/redis/redis-bootstrap';
import {
  builtEntry,
  describeExit,
  isolatedEnv,
  killAllChildren,
  RunningProcess,
  runNode,
  startNode,
  waitUntil,
} from '../support/child-processes';
import { createTestDatabase } from '../support/test-app';
import { databaseUrl, DB_PREFIX, TEST_PG_ADMIN_URL } from '../support/test-env';

const KEY = /tdg_[a-f0-9]{12}_[A-Za-z0-9_-]{32}/;
const keysIn = (text: string): string[] =>
  [...text.matchAll(new RegExp(KEY, 'g'))].map((m) => m[0]);
/** PGlite compiles PostgreSQL to WebAssembly: a first start on a busy machine takes seconds. */
const BOOT_MS = 60_000;
const SHUTDOWN_MS = 15_000;

let counter = 0;
const queuePrefix = () => `t${process.env.TIDINGS_TEST_RUN}-startup-${process.pid}-${counter++}`;
const tempDirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-startup-'));
  tempDirs.push(dir);
  return dir;
};

let MAIN: string;
let WORKER: string;
let CLI: string;

beforeAll(() => {
  MAIN = builtEntry('src/main.js');
  WORKER = builtEntry('src/worker.js');
  CLI = builtEntry('src/surfaces/cli/apikey.js');
});

afterAll(async () => {
  await killAllChildren();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A database without a single table (not a clone of the migrated template). */
async function createEmptyDatabase() {
  const name = `${DB_PREFIX}${process.env.TIDINGS_TEST_RUN}_${process.pid}_empty${counter++}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: TEST_PG_ADMIN_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = databaseUrl(name);
  return {
    url,
    async tables(): Promise<string[]> {
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string }>(
          `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'`,
        );
        return rows.map((r) => r.name);
      } finally {
        await client.end();
      }
    },
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

interface Reply {
  status: number;
  body: string;
}

/** A request on its own connection (no keep-alive socket outlives the test). */
function get(port: number, path: string, key?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        headers: key ? { authorization: `Bearer ${key}` } : {},
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
  });
}

/** Polls GET /health until it reports the database and Redis up. */
async function waitHealthy(proc: RunningProcess, port: number): Promise<void> {
  await waitUntil(
    async () => {
      try {
        const res = await get(port, '/health');
        if (res.status !== 200) return false;
        const body = JSON.parse(res.body) as { info: Record<string, { status: string }> };
        return body.info.database?.status === 'up' && body.info.redis?.status === 'up';
      } catch {
        return false;
      }
    },
    {
      timeoutMs: BOOT_MS,
      what: `GET /health on port ${port} answering 200`,
      giveUp: () => {
        const exit = proc.exit();
        return exit ? `the server exited (${describeExit(exit)})\n${proc.stderr()}` : undefined;
      },
    },
  );
  // "serving" is logged after the first-run key is printed, so stdout is complete up to here.
  await proc.waitForOutput(/Tidings is serving on/, 5_000);
}

async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    disconnectTimeout: 100,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

describe('embedded defaults: node dist/src/main.js without DATABASE_URL or REDIS_URL', () => {
  let dataDir: string;
  let port: number;
  let server: RunningProcess;
  let adminKey: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = tempDir();
    port = await findFreePort();
    env = isolatedEnv({ DATA_DIR: dataDir, PORT: String(port), QUEUE_PREFIX: queuePrefix() });
  });
  afterAll(async () => {
    await killAllChildren();
    // Only if 127.0.0.1:6379 did not answer: the server then started a detached private Redis.
    const privateRedis = join(dataDir, 'redis.json');
    if (existsSync(privateRedis)) {
      const { pid } = JSON.parse(readFileSync(privateRedis, 'utf8')) as { pid: number };
      if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it(
    'starts PGlite under DATA_DIR, prints an admin key once, and that key authenticates',
    async () => {
      server = startNode(MAIN, [], env);
      await waitHealthy(server, port);

      const keys = keysIn(server.stdout());
      expect(keys).toHaveLength(1);
      adminKey = keys[0];
      expect(server.stdout()).toContain('It is shown only this once');

      expect((await get(port, '/v1/topics')).status).toBe(401);
      const topics = await get(port, '/v1/topics', adminKey);
      expect(topics.status).toBe(200);

      expect(existsSync(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
      const runtime = JSON.parse(readFileSync(join(dataDir, 'pglite.json'), 'utf8')) as {
        pid: number;
      };
      expect(runtime.pid).toBe(server.pid);
      expect(existsSync(join(dataDir, 'secret.key'))).toBe(true);
    },
    BOOT_MS + 10_000,
  );

  it('prints that key framed at the end of the start-up output, after few routine lines', () => {
    // The start-up output: up to the line that says the server is serving (requests follow).
    const all = server.stdout().split('\n');
    const lines = all.slice(0, all.findIndex((l) => l.includes('Tidings is serving on')) + 1);
    const keyLine = lines.findIndex((l) => KEY.test(l));
    // The frame (top, the key, the bottom) and at most the "serving" line after it.
    const top = lines.findLastIndex((l, i) => i < keyLine && l.includes('┌'));
    const bottom = lines.findIndex((l, i) => i > keyLine && l.includes('└'));
    expect(top).toBeGreaterThanOrEqual(0);
    expect(bottom).toBeGreaterThan(keyLine);
    for (const l of lines.slice(top, bottom + 1)) expect(l).toMatch(/^\s+[┌│└]/);
    // Beside the key, in the same frame: the one-time link that creates the console's owner.
    expect(lines.slice(top, bottom + 1).join('\n')).toMatch(
      /http:\/\/localhost:\d+\/console\/setup#token=[\w-]{40,}/,
    );
    // Nest's module-by-module and route-by-route lines are debug, not info.
    const routine = lines.filter((l) => /InstanceLoader|RoutesResolver|RouterExplorer/.test(l));
    expect(routine).toEqual([]);
    expect(lines.length).toBeLessThan(40);
    expect(lines.slice(bottom + 1).filter((l) => l.trim())).toEqual([
      expect.stringContaining('Tidings is serving on'),
    ]);
  });

  it('the apikey CLI finds the running embedded database: create, list, revoke', async () => {
    const cliEnv = isolatedEnv({ DATA_DIR: dataDir });
    const created = await runNode(
      CLI,
      ['create', '--name', 'ci', '--scopes', 'topics:read'],
      cliEnv,
    );
    expect(created).toMatchObject({ code: 0 });
    expect(created.stderr).toContain(`Using the embedded PostgreSQL of process ${server.pid}`);
    const keys = keysIn(created.stdout);
    expect(keys).toHaveLength(1);
    const ciKey = keys[0];
    const id = /id:\s+([0-9a-f-]{36})/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toMatch(/scopes:\s+topics:read/);
    expect(created.stdout).toContain('Authorization: Bearer');

    // The server sees the key the CLI wrote, with exactly its scopes.
    expect((await get(port, '/v1/topics', ciKey)).status).toBe(200);
    expect((await get(port, '/v1/subscribers', ciKey)).status).toBe(403);

    const listed = await runNode(CLI, ['list'], cliEnv);
    expect(listed.code).toBe(0);
    const row = listed.stdout.split('\n').find((l) => l.startsWith(id!));
    expect(row).toMatch(new RegExp(`${id}\\s+ci\\s+${ciKey.slice(0, 17)}\\s+topics:read\\s`));
    expect(listed.stdout).toContain('first-run admin');
    expect(listed.stdout).not.toMatch(KEY);
    expect(listed.stdout).not.toContain(ciKey.slice(17));

    const revoked = await runNode(CLI, ['revoke', id!], cliEnv);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked API key ${id}`);
    expect((await get(port, '/v1/topics', ciKey)).status).toBe(401);
    expect((await get(port, '/v1/topics', adminKey)).status).toBe(200);
  });

  it("the apikey CLI's example call uses the running server's URL and a scope the key has", async () => {
    // The CLI's own environment names no PORT or PUBLIC_URL: the server on DATA_DIR tells it.
    const created = await runNode(
      CLI,
      ['create', '--name', 'reader', '--scopes', 'subscribers:read'],
      isolatedEnv({ DATA_DIR: dataDir }),
    );
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(
      new RegExp(
        `curl -H "Authorization: Bearer <key>" http://localhost:${port}/v1/subscribers\\b`,
      ),
    );
    const key = keysIn(created.stdout)[0];
    expect((await get(port, '/v1/subscribers', key)).status).toBe(200);
  });

  it('SIGTERM shuts down gracefully with exit code 0 and removes the runtime file', async () => {
    const exit = await server.stop('SIGTERM', SHUTDOWN_MS);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('SIGTERM received: shutting down gracefully');
    expect(server.stdout()).toContain('Shutdown complete');
    expect(existsSync(join(dataDir, 'pglite.json'))).toBe(false);
  });

  it(
    'a second start on the same DATA_DIR keeps the data and prints no new key',
    async () => {
      server = startNode(MAIN, [], env);
      await waitHealthy(server, port);
      expect(server.stdout()).not.toMatch(KEY);
      expect((await get(port, '/v1/topics', adminKey)).status).toBe(200);
      const exit = await server.stop('SIGTERM', SHUTDOWN_MS);
      expect(exit).toEqual({ code: 0, signal: null });
    },
    BOOT_MS + SHUTDOWN_MS,
  );

  it(
    'after a crash (SIGKILL) the stale runtime file is replaced and the data is intact',
    async () => {
      server = startNode(MAIN, [], env);
      await waitHealthy(server, port);
      const crashed = server.pid;
      expect((await server.stop('SIGKILL', SHUTDOWN_MS)).signal).toBe('SIGKILL');
      const stale = JSON.parse(readFileSync(join(dataDir, 'pglite.json'), 'utf8')) as {
        pid: number;
      };
      expect(stale.pid).toBe(crashed);

      server = startNode(MAIN, [], env);
      await waitHealthy(server, port);
      const runtime = JSON.parse(readFileSync(join(dataDir, 'pglite.json'), 'utf8')) as {
        pid: number;
      };
      expect(runtime.pid).toBe(server.pid);
      expect(server.stdout()).not.toMatch(KEY);
      expect((await get(port, '/v1/topics', adminKey)).status).toBe(200);
      expect((await server.stop('SIGTERM', SHUTDOWN_MS)).code).toBe(0);
    },
    2 * BOOT_MS + SHUTDOWN_MS,
  );
});

describe('apikey CLI with DATABASE_URL', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    db = await createTestDatabase();
    env = isolatedEnv({ DATABASE_URL: db.url, DATA_DIR: tempDir() });
  });
  afterAll(() => db?.drop());

  async function row(id: string) {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ secret_hash: string; revoked_at: Date | null }>(
        'SELECT secret_hash, revoked_at FROM api_keys WHERE id = $1',
        [id],
      );
      return rows[0];
    } finally {
      await client.end();
    }
  }

  it('creates, lists and revokes a key in that database', async () => {
    const created = await runNode(
      CLI,
      ['create', '--name', 'crm-sync', '--scopes', 'subscribers:write,topics:read'],
      env,
    );
    expect(created.code).toBe(0);
    const key = keysIn(created.stdout)[0];
    const id = /id:\s+([0-9a-f-]{36})/.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    expect(id).toBeDefined();
    // Only the hash is stored, and it is the hash of the printed key.
    expect((await row(id!)).secret_hash).toBe(createHash('sha256').update(key).digest('hex'));

    const listed = await runNode(CLI, ['list', '--json'], env);
    expect(listed.code).toBe(0);
    const keys = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(keys).toEqual([
      expect.objectContaining({
        id,
        name: 'crm-sync',
        scopes: ['subscribers:write', 'topics:read'],
        prefix: key.slice(0, 17),
        revokedAt: null,
      }),
    ]);
    expect(listed.stdout).not.toContain(key.slice(17));

    const revoked = await runNode(CLI, ['revoke', id!], env);
    expect(revoked.code).toBe(0);
    expect((await row(id!)).revoked_at).toBeInstanceOf(Date);
    const again = await runNode(CLI, ['revoke', id!], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('was already revoked');
  });

  it('names the valid choices and exits 1 on bad input, without a stack trace', async () => {
    const badScope = await runNode(CLI, ['create', '--name', 'x', '--scopes', 'topics:raed'], env);
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toContain('"topics:raed"');
    expect(badScope.stderr).toContain('Valid scopes: admin, topics:read, topics:write');

    const noName = await runNode(CLI, ['create', '--scopes', 'admin'], env);
    expect(noName.code).toBe(1);
    expect(noName.stderr).toContain('--name');

    const unknownCommand = await runNode(CLI, ['delete'], env);
    expect(unknownCommand.code).toBe(1);
    expect(unknownCommand.stderr).toContain('Commands: create, list, revoke');

    const unknownId = randomUUID();
    const notFound = await runNode(CLI, ['revoke', unknownId], env);
    expect(notFound.code).toBe(1);
    expect(notFound.stderr).toContain(`No API key has the id ${unknownId}`);

    for (const r of [badScope, noName, unknownCommand, notFound]) {
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).not.toMatch(KEY);
    }
  });
});

describe('refuses to start with a clear message', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let evictingRedis: ChildProcess | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await killAllChildren();
  });
  afterAll(async () => {
    if (evictingRedis && evictingRedis.exitCode === null) {
      const gone = new Promise((r) => evictingRedis!.once('exit', r));
      evictingRedis.kill('SIGKILL');
      await gone;
    }
    await db?.drop();
  });

  const env = (vars: Record<string, string>) =>
    isolatedEnv({ DATA_DIR: tempDir(), QUEUE_PREFIX: queuePrefix(), ...vars });

  it('Redis with an evicting maxmemory-policy', async () => {
    const port = await findFreePort();
    evictingRedis = spawn(
      'redis-server',
      [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--maxmemory-policy',
        'allkeys-lru',
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    const url = `redis://127.0.0.1:${port}`;
    await waitUntil(() => redisAnswers(url), {
      timeoutMs: 10_000,
      what: 'the evicting redis-server answering',
    });

    const server = startNode(MAIN, [], env({ REDIS_URL: url, DATABASE_URL: db.url }));
    const exit = await server.exited;
    expect(exit.code).toBe(1);
    expect(server.stderr()).toContain('Tidings cannot start');
    expect(server.stderr()).toMatch(/maxmemory-policy "allkeys-lru".*needs "noeviction"/);
  });

  it('REDIS_URL that nothing answers', async () => {
    const closed = await findFreePort();
    const server = startNode(
      MAIN,
      [],
      env({ REDIS_URL: `redis://127.0.0.1:${closed}`, DATABASE_URL: db.url }),
    );
    const exit = await server.exited;
    expect(exit.code).toBe(1);
    expect(server.stderr()).toContain(
      `Cannot reach Redis at REDIS_URL=redis://127.0.0.1:${closed}`,
    );
  });

  /** The message after "Tidings cannot start.": one sentence or two, no stack trace. */
  const refusal = async (server: RunningProcess): Promise<string> => {
    const exit = await server.exited;
    expect(exit.code).toBe(1);
    const stderr = server.stderr();
    expect(stderr).toContain('Tidings cannot start.');
    expect(stderr).not.toMatch(/\n\s+at /);
    const message = stderr.slice(stderr.indexOf('Tidings cannot start.') + 21).trim();
    expect(message.split('\n')).toHaveLength(1);
    return message;
  };

  it('DATABASE_URL that nothing answers', async () => {
    const closed = await findFreePort();
    const url = `postgres://tidings:s3cret@127.0.0.1:${closed}/tidings`;
    const server = startNode(MAIN, [], env({ DATABASE_URL: url }));
    const message = await refusal(server);
    expect(message).toContain(
      `Cannot reach PostgreSQL at DATABASE_URL=postgres://tidings:***@127.0.0.1:${closed}/tidings`,
    );
    expect(message).toContain('connection refused');
    expect(server.stderr() + server.stdout()).not.toContain('s3cret');
  });

  it('DATABASE_URL naming a database that does not exist', async () => {
    const missing = `${db.name}_missing`;
    const url = db.url.replace(db.name, missing);
    const server = startNode(MAIN, [], env({ DATABASE_URL: url }));
    const message = await refusal(server);
    expect(message).toContain(`The database "${missing}" in DATABASE_URL=`);
    expect(message).toContain('does not exist');
    expect(message).toContain(`CREATE DATABASE ${missing}`);
  });

  it('a PORT already in use, before any migration ran', async () => {
    // An empty database: a start that got as far as migrating would leave tables behind.
    const empty = await createEmptyDatabase();
    const busy = createServer();
    await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
    const port = (busy.address() as AddressInfo).port;
    try {
      const server = startNode(
        MAIN,
        [],
        env({ DATABASE_URL: empty.url, PORT: String(port), HOST: '127.0.0.1' }),
      );
      const message = await refusal(server);
      expect(message).toContain(`PORT=${port} is already in use on 127.0.0.1`);
      expect(server.stdout()).not.toContain('Applied migrations');
      expect(await empty.tables()).toEqual([]);
    } finally {
      busy.close();
      await empty.drop();
    }
  });

  it('an invalid PORT is one message naming PORT', async () => {
    const server = startNode(MAIN, [], env({ PORT: 'abc', DATABASE_URL: db.url }));
    await server.exited;
    const problems = server.stderr().match(/^ {2}- .*$/gm);
    expect(problems).toEqual(['  - PORT must be an integer number from 0 to 65535 (got "abc")']);
  });

  it('an invalid PORT', async () => {
    const server = startNode(MAIN, [], env({ PORT: 'abc', DATABASE_URL: db.url }));
    const exit = await server.exited;
    expect(exit.code).toBe(1);
    expect(server.stderr()).toContain('Tidings cannot start');
    expect(server.stderr()).toMatch(/PORT must be an integer/);
    expect(server.stderr()).not.toMatch(/\n\s+at /);
  });
});

describe('node dist/src/worker.js', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await killAllChildren();
    await db?.drop();
  });

  it('runs the workers without HTTP and exits 0 on SIGTERM', async () => {
    const port = await findFreePort();
    const worker = startNode(
      WORKER,
      [],
      isolatedEnv({
        DATABASE_URL: db.url,
        DATA_DIR: tempDir(),
        PORT: String(port),
        QUEUE_PREFIX: queuePrefix(),
      }),
    );
    await worker.waitForOutput(/Tidings worker is running \(no HTTP\)/, BOOT_MS);
    await expect(get(port, '/health')).rejects.toThrow();

    const exit = await worker.stop('SIGTERM', SHUTDOWN_MS);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(worker.stdout()).toContain('Shutdown complete');
  });
});

describe(resolveRedis.name, () => {
  let dataDir: string;
  let pid: number | undefined;
  afterAll(() => {
    if (pid && isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('starts a private redis-server with noeviction and AOF under DATA_DIR, and stops it', async () => {
    dataDir = tempDir();
    const closed = `redis://127.0.0.1:${await findFreePort()}`;

    const redis = await resolveRedis(closed, false, dataDir);
    const runtimePath = join(dataDir, 'redis.json');
    pid = (JSON.parse(readFileSync(runtimePath, 'utf8')) as { pid: number }).pid;
    expect(redis.url).not.toBe(closed);

    const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    try {
      expect(await client.ping()).toBe('PONG');
      expect(await client.config('GET', 'maxmemory-policy')).toEqual([
        'maxmemory-policy',
        'noeviction',
      ]);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      const [, dir] = (await client.config('GET', 'dir')) as string[];
      expect(dir).toBe(realpathSync(join(dataDir, 'redis')));
    } finally {
      client.disconnect();
    }

    // A second process on the same DATA_DIR uses the running private Redis instead of another.
    const again = await resolveRedis(closed, false, dataDir);
    expect(again.url).toBe(redis.url);

    await redis.stop();
    await waitUntil(async () => !(await redisAnswers(redis.url)), {
      timeoutMs: 10_000,
      what: 'the private redis-server to stop answering',
    });
    await waitUntil(async () => !isProcessAlive(pid!), {
      timeoutMs: 10_000,
      what: `the private redis-server (pid ${pid}) to exit`,
    });
    expect(existsSync(runtimePath)).toBe(false);
  });
});
