import { Client } from 'pg';
import { StartupError } from '../errors/startup-error';
import { redactUrl } from '../redis/redis-options';

/**
 * Connects once to DATABASE_URL before anything else uses it, so a database that cannot be used
 * is reported as one sentence naming DATABASE_URL instead of a driver's stack trace.
 */
export async function checkDatabase(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw databaseStartupError(err, url);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The operator's version of a connection failure; other errors pass through unchanged. */
export function databaseStartupError(err: unknown, url: string): Error {
  const e = err as (Error & { code?: string; errors?: Array<{ code?: string }> }) | undefined;
  const code = e?.code ?? e?.errors?.[0]?.code;
  const shown = `DATABASE_URL=${redactUrl(url)}`;
  const parsed = safeUrl(url);
  const database = decodeURIComponent(parsed?.pathname.slice(1) ?? '') || 'postgres';
  const user = decodeURIComponent(parsed?.username ?? '') || 'the default user';
  const reach = (why: string) =>
    new StartupError(
      `Cannot reach PostgreSQL at ${shown} (${why}). Check that PostgreSQL is running and ` +
        'reachable from here, or correct DATABASE_URL.',
    );
  switch (code) {
    case 'ECONNREFUSED':
      return reach('connection refused');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return reach(`the host name ${parsed?.hostname ?? ''} does not resolve`);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return reach('no answer');
    case 'ECONNRESET':
      return reach('the connection was closed; does the server expect TLS (?sslmode=require)?');
    case '3D000':
      return new StartupError(
        `The database "${database}" in ${shown} does not exist. Create it ` +
          `(\`CREATE DATABASE ${database}\`, or \`createdb ${database}\`) or correct DATABASE_URL.`,
      );
    case '28P01':
    case '28000':
      return new StartupError(
        `PostgreSQL refused the login of ${user} in ${shown} (${e?.message ?? code}). ` +
          'Check the user name and password in DATABASE_URL.',
      );
    case '57P03':
    case '53300':
      return new StartupError(
        `PostgreSQL at ${shown} does not accept connections now (${e?.message ?? code}). ` +
          'Try again when it does.',
      );
  }
  if (e?.message?.includes('timeout')) return reach('no answer within 10 seconds');
  return err instanceof Error ? err : new Error(String(err));
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
