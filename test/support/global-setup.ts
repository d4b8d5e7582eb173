import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  baseDataSourceOptions,
  runMigrationsLocked,
} from '../../src/platform/database/typeorm-options';
import { databaseUrl, DB_PREFIX, TEST_PG_ADMIN_URL } from './test-env';

const STALE_AFTER_MS = 6 * 60 * 60 * 1000;

/**
 * Once per `npm test`: a template database with every migration applied. Each test file clones
 * it (CREATE DATABASE ... TEMPLATE), so files run in parallel on isolated data.
 */
export default async function globalSetup(): Promise<void> {
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const template = `${DB_PREFIX}${run}_tpl`;
  const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  try {
    await dropStale(admin);
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  const ds = await new DataSource(baseDataSourceOptions(databaseUrl(template), 1)).initialize();
  try {
    await runMigrationsLocked(ds);
  } finally {
    await ds.destroy();
  }
  process.env.TIDINGS_TEST_RUN = run;
  process.env.TIDINGS_TEST_TEMPLATE = template;
}

/** Databases left by runs that crashed hours ago. */
async function dropStale(admin: Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE $1`,
    [`${DB_PREFIX}%`],
  );
  for (const { datname } of rows) {
    const started = parseInt(datname.slice(DB_PREFIX.length, DB_PREFIX.length + 8), 36);
    if (Number.isFinite(started) && Date.now() - started > STALE_AFTER_MS) {
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => undefined);
    }
  }
}
