/**
 * A typed client of the Tidings API: paths, bodies, answers and errors come from the OpenAPI
 * document (docs/openapi.json), generated into tidings-api.ts by `npm run build`.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './tidings-api';

export type { components, paths };
export type TidingsClient = Client<paths>;
/** The one error body of every error answer. */
export type ErrorResponse = components['schemas']['ErrorResponse'];

export interface TidingsClientOptions {
  /** Where Tidings runs, e.g. `https://tidings.example.com`. */
  baseUrl: string;
  /** An API key, `tdg_<prefix>_<secret>` (`npm run apikey -- create`). */
  apiKey: string;
  /** Another fetch (tests, proxies); the global one by default. */
  fetch?: typeof globalThis.fetch;
}

export function createTidingsClient(options: TidingsClientOptions): TidingsClient {
  return createClient<paths>({
    baseUrl: options.baseUrl,
    headers: { Authorization: `Bearer ${options.apiKey}` },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
