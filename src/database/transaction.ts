import { DataSource, EntityManager } from 'typeorm';

/** A transaction that lost to another one: running it again is the documented remedy. */
const CONFLICT_CODES = new Set(['40001', '40P01']);
/** The connection went away (server restart, admin kill, network): nothing was committed, or we cannot know. */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

interface PgLikeError {
  code?: string;
  driverError?: { code?: string; message?: string };
  message?: string;
}

function codeOf(err: unknown): string | undefined {
  const e = err as PgLikeError | null;
  return e?.driverError?.code ?? e?.code;
}

/** Deadlock or serialization failure. */
export function isTransactionConflict(err: unknown): boolean {
  const code = codeOf(err);
  return !!code && CONFLICT_CODES.has(code);
}

/** A lost or refused database connection. */
export function isConnectionError(err: unknown): boolean {
  const code = codeOf(err);
  if (code && (CONNECTION_CODES.has(code) || code.startsWith('08') || CONNECTION_ERRNOS.has(code)))
    return true;
  const message =
    (err as PgLikeError | null)?.driverError?.message ?? (err as Error)?.message ?? '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  );
}

export function isRetryableDatabaseError(err: unknown): boolean {
  return isTransactionConflict(err) || isConnectionError(err);
}

export interface RetryOptions {
  /** Runs of the whole transaction at most. */
  tries?: number;
}

/**
 * `dataSource.transaction(work)`, run again (whole, from the start) when PostgreSQL aborts it as
 * a deadlock victim or for a serialization failure. `work` must touch only the database: side
 * effects outside it would happen once per try. Writers that lock the same rows take them in one
 * order (subscriber, then its subscriptions, then ledger rows, each by id); the retry covers the
 * rare cycle that remains, so a person's unsubscribe never fails because a fan-out ran.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const tries = options.tries ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (err) {
      if (attempt >= tries || !isTransactionConflict(err)) throw err;
      // A little jitter so two victims of the same cycle do not meet again.
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 20));
    }
  }
}
