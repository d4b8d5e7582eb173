import { ApiError, type ErrorResponse } from '../api';

/**
 * The data of an openapi-fetch answer, or an ApiError carrying the error body:
 *   queryFn: async () => unwrap(await api.GET('/v1/topics'))
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  if (result.response.ok && result.response.status === 204) return undefined as T;
  throw new ApiError(result.response.status, result.error as ErrorResponse | undefined);
}

/** The messages of an error answer per field ('' for the request as a whole). */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError) || !error.body) return {};
  const out: Record<string, string> = {};
  for (const e of error.body.errors ?? []) {
    const key = e.field ?? '';
    out[key] = out[key] ? `${out[key]}; ${e.message}` : e.message;
  }
  if (error.body.field && !out[error.body.field]) out[error.body.field] = error.body.message;
  return out;
}
