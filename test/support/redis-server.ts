import { spawn } from 'node:child_process';
import { answers, withClient } from '../../src/platform/redis/redis-bootstrap';
import { findFreePort } from '../../src/platform/net';
import { waitUntil } from './child-processes';

export interface DedicatedRedis {
  url: string;
  /** FLUSHALL: this server only, never the shared one. */
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A `redis-server` of its own on a free loopback port (no persistence, `noeviction`), for tests
 * and benchmarks that make Redis lose its data.
 */
export async function startRedisServer(): Promise<DedicatedRedis> {
  const port = await findFreePort();
  const child = spawn(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  await waitUntil(() => answers(url), { timeoutMs: 10_000, what: 'redis-server answering' });
  return {
    url,
    flushAll: async () => {
      await withClient(url, (r) => r.flushall());
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    },
  };
}
