/**
 * The console's only way to the server: the public /v1 API through openapi-fetch, typed by the
 * client generated from docs/openapi.json (clients/typescript/tidings-api.ts, made by the build).
 * The session cookie goes along by itself (same origin); unsafe requests carry the CSRF token.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from '../../clients/typescript/tidings-api';

export type Session = components['schemas']['SessionDto'];
export type Summary = components['schemas']['ProgrammeSummaryDto'];
export type ErrorResponse = components['schemas']['ErrorResponse'];

let csrfToken: string | undefined;

/** Kept from the sign-in answer or GET /v1/auth/me; cleared at sign-out. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken && !SAFE_METHODS.has(request.method)) {
      request.headers.set('X-CSRF-Token', csrfToken);
    }
    return request;
  },
};

export const api = createClient<paths>({
  baseUrl: window.location.origin,
  credentials: 'same-origin',
});
api.use(csrf);

/** Thrown by queries when the API answers with an error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorResponse | undefined,
  ) {
    super(body?.message ?? `HTTP ${status}`);
  }
}
