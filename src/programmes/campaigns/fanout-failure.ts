import { QueryFailedError } from 'typeorm';

/**
 * SQLSTATE classes that running the same statement again cannot fix: data exceptions (22, e.g.
 * a bad cast), integrity constraint violations (23) and syntax or access rule violations (42).
 * Connection loss (08), deadlocks and serialisation failures (40), lack of resources (53) and an
 * administrator's shutdown (57) pass, so they are retried.
 */
const PERMANENT_SQLSTATE_CLASSES = new Set(['22', '23', '42']);

export interface FanoutFailure {
  /** Retrying cannot help: fail at once. */
  permanent: boolean;
  /** The campaign is marked failed now (permanent, or this was the job's last attempt). */
  giveUp: boolean;
  /** For the campaign's stats, the alert and the log. */
  reason: string;
}

/** How a fan-out attempt that threw ends: retried with backoff, or the campaign fails. */
export function fanoutFailure(
  err: unknown,
  attempt: { made: number; allowed: number },
): FanoutFailure {
  const code =
    err instanceof QueryFailedError
      ? (err.driverError as { code?: unknown } | undefined)?.code
      : undefined;
  const permanent = typeof code === 'string' && PERMANENT_SQLSTATE_CLASSES.has(code.slice(0, 2));
  const message = err instanceof Error ? err.message : String(err);
  const last = attempt.made + 1 >= attempt.allowed;
  const reason = permanent
    ? `fan-out batch failed: ${message} (SQLSTATE ${code})`
    : `fan-out failed ${attempt.made + 1} times; last error: ${message}`;
  return { permanent, giveUp: permanent || last, reason };
}
