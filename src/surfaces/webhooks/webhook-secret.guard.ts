import {
  CanActivate,
  ExecutionContext,
  Injectable,
  ServiceUnavailableException,
  SetMetadata,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { safeEqual, sha256Hex } from '../../platform/crypto';
import { UnauthorizedError } from '../../platform/errors/domain-errors';
import { AppConfig } from '../../platform/config/configuration';

const WEBHOOK_SECRET = 'tidings:webhook-secret';
type SecretName = 'bounceSecret' | 'complaintSecret';
const VARIABLE: Record<SecretName, string> = {
  bounceSecret: 'BOUNCE_WEBHOOK_SECRET',
  complaintSecret: 'COMPLAINT_WEBHOOK_SECRET',
};

/** The route needs `Authorization: Bearer <secret>` with this webhook's own secret. */
export const WebhookSecret = (name: SecretName) => SetMetadata(WEBHOOK_SECRET, name);

/**
 * Per-webhook shared secrets instead of API keys: an MTA pipe or a provider's webhook can send a
 * fixed header, and a leaked bounce secret cannot read anything or file complaints.
 */
@Injectable()
export class WebhookSecretGuard implements CanActivate {
  private readonly webhooks: AppConfig['webhooks'];

  constructor(
    private readonly reflector: Reflector,
    config: ConfigService<AppConfig, true>,
  ) {
    this.webhooks = config.get('webhooks', { infer: true });
  }

  canActivate(context: ExecutionContext): boolean {
    const name = this.reflector.get<SecretName | undefined>(WEBHOOK_SECRET, context.getHandler());
    if (!name) return true;
    const secret = this.webhooks[name];
    if (!secret) {
      throw new ServiceUnavailableException(
        `This webhook is not configured: set ${VARIABLE[name]} to enable it`,
      );
    }
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const [scheme, presented] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !presented) {
      throw new UnauthorizedError(
        `Send the webhook secret as "Authorization: Bearer <${VARIABLE[name]}>"`,
      );
    }
    // Hashing first makes the comparison constant-time whatever the lengths.
    if (!safeEqual(sha256Hex(presented.trim()), sha256Hex(secret))) {
      throw new UnauthorizedError('Wrong webhook secret');
    }
    return true;
  }
}
