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

/** An API key holding every one of these scopes (or `admin`) is needed. */
export const RequireScopes = (...scopes: Scope[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    ApiBearerAuth(),
    ApiErrors(401, [403, `The key lacks a scope: ${scopes.join(', ')}`]),
  );

/** What a controller learns about the API key that authenticated a request. */
export interface ApiCaller {
  id: string;
  name: string;
  scopes: string[];
}

export interface AuthenticatedRequest {
  apiKey?: ApiCaller;
}

/** The API key that authenticated the request. */
export const CurrentApiKey = createParamDecorator((_: unknown, ctx: ExecutionContext) => {
  return ctx.switchToHttp().getRequest<AuthenticatedRequest>().apiKey;
});
