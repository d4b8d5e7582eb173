import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ForbiddenError, UnauthorizedError } from '../../platform/errors/domain-errors';
import { ApiKeysService } from './api-keys.service';
import {
  AuthenticatedRequest,
  IS_PUBLIC,
  REQUIRED_SCOPES,
} from '../../platform/http/auth.decorators';
import { grants, Scope } from '../../platform/http/scopes';

/**
 * Global guard: every route needs a valid API key unless marked @Public(). Routes marked
 * @RequireScopes() also need the scopes.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const req = context.switchToHttp().getRequest<Request & AuthenticatedRequest>();
    const header = req.headers.authorization;
    if (!header) {
      throw new UnauthorizedError('Missing API key: send the header "Authorization: Bearer <key>"');
    }
    const [scheme, token] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      throw new UnauthorizedError('The Authorization header must be "Bearer <key>"');
    }
    const apiKey = await this.apiKeys.verify(token.trim());
    if (!apiKey) throw new UnauthorizedError('Unknown or revoked API key');
    req.apiKey = apiKey;

    const needed = this.reflector.getAllAndOverride<Scope[]>(REQUIRED_SCOPES, targets) ?? [];
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
}
