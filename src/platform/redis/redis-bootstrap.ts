import { Logger } from '@nestjs/common';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { StartupError } from '../errors/startup-error';
import { findFreePort, isProcessAlive } from '../net';
import { redactUrl, redisOptionsFromUrl } from './redis-options';

export interface ResolvedRedis {
  url: string;
  stop: () => Promise<void>;
}

interface RuntimeFile {
  pid: number;
  port: number;
}

/** One short-lived client that gives up at once instead of reconnecting. */
export async function withClient<T>(url: string, fn: (r: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    ...redisOptionsFromUrl(url),
    lazyConnect: true,
    connectTimeout: 2000,
    // ioredis arms this timer on disconnect() even when the socket is already closed (a refused
    // probe), and the default 2 s keeps a finished process, a CLI or a test runner alive.
    disconnectTimeout: 100,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

export async function answers(url: string): Promise<boolean> {
  try {
    return (await withClient(url, (r) => r.ping())) === 'PONG';
  } catch {
    return false;
  }
}

/** BullMQ loses jobs when Redis evicts keys, so anything but noeviction is refused. */
export async function assertNoEviction(url: string): Promise<void> {
  const info = await withClient(url, (r) => r.info('memory'));
  const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
  if (policy && policy !== 'noeviction') {
    throw new StartupError(
      `Redis at ${redactUrl(url)} has maxmemory-policy "${policy}", but Tidings needs "noeviction": ` +
        'with eviction Redis may silently drop queued jobs. Set `maxmemory-policy noeviction` in ' +
        'redis.conf, or run `redis-cli CONFIG SET maxmemory-policy noeviction`.',
    );
  }
}

function redisServerOnPath(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  return probe.status === 0;
}

async function waitFor(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new StartupError(`The private redis-server exited with code ${child.exitCode}`);
    }
    if (await answers(url)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new StartupError('The private redis-server did not answer within 10 seconds');
}

/**
 * Finds Redis: REDIS_URL if given (it must answer); else 127.0.0.1:6379; else a private
 * redis-server started from the PATH with its append-only file under DATA_DIR/redis.
 */
export async function resolveRedis(
  configuredUrl: string,
  explicit: boolean,
  dataDir: string,
): Promise<ResolvedRedis> {
  const logger = new Logger('Redis');
  const none = async () => undefined;

  if (await answers(configuredUrl)) {
    await assertNoEviction(configuredUrl);
    return { url: configuredUrl, stop: none };
  }
  if (explicit) {
    throw new StartupError(
      `Cannot reach Redis at REDIS_URL=${redactUrl(configuredUrl)}. Check that it is running and reachable.`,
    );
  }

  const runtimePath = join(dataDir, 'redis.json');
  if (existsSync(runtimePath)) {
    const running = JSON.parse(readFileSync(runtimePath, 'utf8')) as RuntimeFile;
    const url = `redis://127.0.0.1:${running.port}`;
    if (isProcessAlive(running.pid) && (await answers(url))) {
      logger.log(`Using the private Redis (pid ${running.pid}) on port ${running.port}`);
      return { url, stop: none };
    }
    rmSync(runtimePath, { force: true });
  }

  if (!redisServerOnPath()) {
    throw new StartupError(
      `No Redis answers at ${redactUrl(configuredUrl)} and redis-server is not on the PATH. ` +
        'Install Redis 6.2 or newer (Debian/Ubuntu: `apt install redis-server`; macOS: ' +
        '`brew install redis`; or `docker compose -f docker/compose.yaml up -d redis`) and ' +
        'start it, or set REDIS_URL to a Redis you have.',
    );
  }

  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const port = await findFreePort();
  const child = spawn(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--protected-mode',
      'yes',
    ],
    { stdio: 'ignore', detached: true },
  );
  child.unref();
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(url, child, 10_000);
  writeFileSync(runtimePath, JSON.stringify({ pid: child.pid ?? 0, port } satisfies RuntimeFile));
  logger.log(
    `Started a private redis-server on 127.0.0.1:${port} (data in ${dir}); set REDIS_URL to use your own`,
  );

  return {
    url,
    stop: async () => {
      rmSync(runtimePath, { force: true });
      await withClient(url, (r) => r.call('SHUTDOWN')).catch(() => undefined);
    },
  };
}
