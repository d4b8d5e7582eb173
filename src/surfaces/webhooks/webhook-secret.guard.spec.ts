import { ExecutionContext, ServiceUnavailableException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ConfigService } from '@nestjs/config';
import { UnauthorizedError } from '../../platform/errors/domain-errors';
import { loadConfig } from '../../platform/config/configuration';
import { WebhookSecret, WebhookSecretGuard } from './webhook-secret.guard';

class Routes {
  @WebhookSecret('bounceSecret')
  bounces(): void {}
}

function guardFor(env: Record<string, string>): WebhookSecretGuard {
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  return new WebhookSecretGuard(new Reflector(), new ConfigService(config));
}

function request(authorization?: string): ExecutionContext {
  return {
    getHandler: () => Routes.prototype.bounces,
    switchToHttp: () => ({
      getRequest: () => ({ headers: authorization ? { authorization } : {} }),
    }),
  } as unknown as ExecutionContext;
}

describe(WebhookSecretGuard.name, () => {
  const secret = 'a-bounce-secret-of-some-length';

  it('answers 503 naming the variable while the secret is not configured', () => {
    const guard = guardFor({});
    expect(() => guard.canActivate(request(`Bearer ${secret}`))).toThrow(
      ServiceUnavailableException,
    );
    expect(() => guard.canActivate(request(`Bearer ${secret}`))).toThrow(/BOUNCE_WEBHOOK_SECRET/);
  });

  it('refuses a missing, malformed or wrong secret with 401', () => {
    const guard = guardFor({ BOUNCE_WEBHOOK_SECRET: secret });
    for (const header of [undefined, secret, 'Basic abc', `Bearer ${secret}x`, 'Bearer ']) {
      expect(() => guard.canActivate(request(header))).toThrow(UnauthorizedError);
    }
  });

  it('lets the right secret through', () => {
    const guard = guardFor({ BOUNCE_WEBHOOK_SECRET: secret });
    expect(guard.canActivate(request(`Bearer ${secret}`))).toBe(true);
  });

  it('refuses a configured secret shorter than 16 characters at startup', () => {
    expect(() => guardFor({ BOUNCE_WEBHOOK_SECRET: 'short' })).toThrow(
      'BOUNCE_WEBHOOK_SECRET must be at least 16 characters',
    );
  });
});
