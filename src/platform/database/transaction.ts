import { DataSource, EntityManager } from 'typeorm';
import { isTransientDatabaseError } from '../errors/transient-database-error';

/** A transaction that lost to another one: running it again is the documented remedy. */
const CONFLICT_CODES = new Set(['40001', '40P01']);

/** Deadlock victim or serialization failure (as raised by pg, or wrapped by TypeORM). */
export function isTransactionConflict(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } } | null;
  const code = e?.driverError?.code ?? e?.code;
  return !!code && CONFLICT_CODES.has(code);
}

/**
 * Worth writing again unchanged: a conflict, or a lost connection (the statement was rolled back,
 * or never reached the server). Only for idempotent writes.
 */
export const isRetryableDatabaseError = isTransientDatabaseError;

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
