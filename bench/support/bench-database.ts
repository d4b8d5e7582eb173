import { Client } from 'pg';

/**
 * The PostgreSQL server benchmarks create their own databases on (and drop afterwards).
 * BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the machine's local server.
 */
export const BENCH_ADMIN_URL =
  process.env.BENCH_DATABASE_URL ??
  process.env.TEST_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrlFor(name: string): string {
  const u = new URL(BENCH_ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** One statement on the admin connection (CREATE / DROP DATABASE). */
export async function adminQuery(sql: string): Promise<void> {
  const c = new Client({ connectionString: BENCH_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
