import { Logger } from '@nestjs/common';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { findFreePort, isProcessAlive } from '../net';

export interface EmbeddedPostgres {
  url: string;
  /** True when this process owns the database (and must stop it). */
  owner: boolean;
  stop: () => Promise<void>;
}

interface RuntimeFile {
  pid: number;
  port: number;
}

const urlFor = (port: number) => `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The first-run database: PGlite (PostgreSQL compiled to WebAssembly) with its files under
 * DATA_DIR/pglite, served on a loopback port through @electric-sql/pglite-socket so TypeORM and
 * `pg` use it like any PostgreSQL. A second Tidings process on the same DATA_DIR (worker.ts, the
 * apikey CLI) finds the running one through DATA_DIR/pglite.json and connects to it.
 *
 * PGlite serialises connections: fine for a first run, not for load. Set DATABASE_URL for that.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const logger = new Logger('EmbeddedPostgres');
  const runtimePath = join(dataDir, 'pglite.json');
  if (existsSync(runtimePath)) {
    const running = JSON.parse(readFileSync(runtimePath, 'utf8')) as RuntimeFile;
    if (
      running.pid !== process.pid &&
      isProcessAlive(running.pid) &&
      (await answers(urlFor(running.port)))
    ) {
      logger.log(`Using the embedded PostgreSQL of process ${running.pid} on port ${running.port}`);
      return { url: urlFor(running.port), owner: false, stop: async () => undefined };
    }
    rmSync(runtimePath, { force: true });
  }

  // Both packages are ESM-first; their CommonJS builds are loaded lazily so a deployment with
  // DATABASE_URL never pays for the WebAssembly module.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');

  const dir = join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  logger.log(`Starting the embedded PostgreSQL (PGlite) with its data in ${dir}`);
  const db = await PGlite.create(dir);
  const port = await findFreePort();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 32 });
  await server.start();
  writeFileSync(runtimePath, JSON.stringify({ pid: process.pid, port } satisfies RuntimeFile));
  logger.log(
    `Embedded PostgreSQL is listening on 127.0.0.1:${port} (set DATABASE_URL to use your own)`,
  );

  return {
    url: urlFor(port),
    owner: true,
    stop: async () => {
      rmSync(runtimePath, { force: true });
      await server.stop();
      await db.close();
    },
  };
}
