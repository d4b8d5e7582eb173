/**
 * Route metadata for the API-key guard (src/surfaces/api/api-key.guard.ts): controllers of every
 * context declare here whether a route is public and which scopes it needs, without depending on
 * the module that checks keys.
 */
import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiErrors } from './api-errors';
import type { Scope } from './scopes';

export const IS_PUBLIC = 'tidings:public';
export const REQUIRED_SCOPES = 'tidings:scopes';

/** No API key needed (health, metrics, subscriber-facing pages). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * An API key holding every one of these scopes (or `admin`) is needed, or a signed-in console
 * user whose role grants them (src/surfaces/accounts/roles.ts).
 */
export const RequireScopes = (...scopes: Scope[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    ApiBearerAuth(),
    ApiErrors(401, [
      403,
      `The key or the user's role lacks a scope: ${scopes.join(', ')} (or a session's X-CSRF-Token is missing)`,
    ]),
  );

/** What a controller learns about the API key that authenticated a request. */
export interface ApiCaller {
  id: string;
  name: string;
  scopes: string[];
}

/** A console user signed in with a session cookie (src/surfaces/accounts). */
export interface ConsoleUser {
  sessionId: string;
  /** The token unsafe requests must repeat in `X-CSRF-Token`. */
  csrfToken: string;
  userId: string;
  email: string;
  name: string;
  role: string;
  /** The role's scopes (ROLE_SCOPES). */
  scopes: string[];
}

/** Set by the guard: `apiKey` for a request with a key, `user` for one with a session cookie. */
export interface AuthenticatedRequest {
  apiKey?: ApiCaller;
  user?: ConsoleUser;
}

/** The API key that authenticated the request. */
export const CurrentApiKey = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().apiKey;
});

/** The signed-in console user of the request (undefined for an API key). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().user;
});

/**
 * Who made the request, as records that keep it store it (consent details): the API key's id or
 * the console user's id. Ids only, never an address.
 */
export type CallerRef = { apiKeyId?: string } | { userId: string };

export const CurrentCaller = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): CallerRef => {
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    return req.user ? { userId: req.user.userId } : { apiKeyId: req.apiKey?.id };
  },
);
