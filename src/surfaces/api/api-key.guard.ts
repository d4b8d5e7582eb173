import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { safeEqual } from '../../platform/crypto';
import { ForbiddenError, UnauthorizedError } from '../../platform/errors/domain-errors';
import { ApiKeysService } from './api-keys.service';
import {
  AuthenticatedRequest,
  IS_PUBLIC,
  REQUIRED_SCOPES,
} from '../../platform/http/auth.decorators';
import { grants, Scope } from '../../platform/http/scopes';
import { readCookie } from '../accounts/cookies';
import { roleScopes } from '../accounts/roles';
import { SESSION_COOKIE, SessionsService } from '../accounts/sessions.service';

/** Methods that change nothing, so a session needs no CSRF token for them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global guard: every route needs a valid API key or a console session unless marked @Public().
 * Routes marked @RequireScopes() also need the scopes: a key's own, or a user's role's
 * (ROLE_SCOPES), so every route enforces roles exactly as it enforces key scopes. A request with
 * a session cookie that changes something must carry the session's CSRF token in `X-CSRF-Token`;
 * a request with an API key needs none (a browser never sends an Authorization header by itself).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly sessions: SessionsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const req = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const needed = this.reflector.getAllAndOverride<Scope[]>(REQUIRED_SCOPES, targets) ?? [];
    const header = req.headers.authorization;
    if (!header) {
      const session = readCookie(req.headers.cookie, SESSION_COOKIE);
      if (session !== undefined) return this.viaSession(req, session, needed);
      throw new UnauthorizedError(
        'Missing API key: send the header "Authorization: Bearer <key>" (or sign in)',
      );
    }
    const [scheme, token] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw new UnauthorizedError('The Authorization header must be "Bearer <key>"');
    }
    const apiKey = await this.apiKeys.verify(token.trim());
    if (!apiKey) throw new UnauthorizedError('Unknown or revoked API key');
    req.apiKey = apiKey;

    const missing = needed.filter((s) => !grants(apiKey.scopes, s));
    if (missing.length) {
      throw new ForbiddenError(
        `This API key lacks the scope ${missing.join(', ')}`,
        undefined,
        'missing_scope',
      );
    }
    return true;
  }

  private async viaSession(
    req: Request & AuthenticatedRequest,
    token: string,
    needed: Scope[],
  ): Promise<boolean> {
    const session = await this.sessions.verify(token);
    if (!session) {
      throw new UnauthorizedError('Your session ended: sign in again', undefined, 'session_ended');
    }
    if (!SAFE_METHODS.has(req.method)) {
      const presented = req.headers['x-csrf-token'];
      if (typeof presented !== 'string' || !safeEqual(presented, session.csrfToken)) {
        throw new ForbiddenError(
          'Missing or wrong X-CSRF-Token header (GET /v1/auth/me gives the token)',
          'X-CSRF-Token',
          'csrf',
        );
      }
    }
    const scopes = roleScopes(session.role);
    req.user = { ...session, scopes };
    const missing = needed.filter((s) => !grants(scopes, s));
    if (missing.length) {
      throw new ForbiddenError(
        `Your role (${session.role}) does not allow this: it needs ${missing.join(', ')}`,
        undefined,
        'missing_scope',
      );
    }
    return true;
  }
}
