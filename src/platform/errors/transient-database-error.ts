/**
 * Database failures that say nothing about the request: the connection went away, the server is
 * starting or shutting down, it has no connection slot left, the pool found no free client in
 * time, or a serialization failure or deadlock outlived the caller's own retries. Asking again a
 * moment later may well succeed, so HTTP answers 503 with Retry-After (never 500) and idempotent
 * reads are retried first (TransientReadRetryInterceptor).
 */

/** SQLSTATEs: admin or crash shutdown, cannot connect now, too many connections, serialization, deadlock. */
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);

/** Socket errors on the way to the server. */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * node-postgres and pg-pool raise these without a code: a connection that ended under a query,
 * a client whose connection failed, and the pool's acquire and connect timeouts.
 */
const TRANSIENT_MESSAGES = [
  /^Connection terminated\b/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^timeout exceeded when trying to connect$/,
];

interface ErrorShape {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/** Whether an error (a TypeORM QueryFailedError, a pg or pg-pool error, or one they caused) is transient. */
export function isTransientDatabaseError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const e = error as ErrorShape;
  if (typeof e.code === 'string') {
    if (TRANSIENT_SQLSTATES.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code)) return true;
    if (TRANSIENT_SOCKET_CODES.has(e.code)) return true;
  }
  if (
    typeof e.message === 'string' &&
    TRANSIENT_MESSAGES.some((m) => m.test(e.message as string))
  ) {
    return true;
  }
  // TypeORM wraps the driver's error; pg-pool's connect timeout carries the socket error as cause.
  return (
    isTransientDatabaseError(e.driverError, depth + 1) ||
    isTransientDatabaseError(e.cause, depth + 1)
  );
}
