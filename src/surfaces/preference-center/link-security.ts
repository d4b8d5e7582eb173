import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHmac } from 'node:crypto';
import type { Request } from 'express';
import { deriveKey, safeEqual } from '../../platform/crypto';
import { ForbiddenError } from '../../platform/errors/domain-errors';
import { AppConfig } from '../../platform/config/configuration';
import { TokenClaims, TOKEN_TTL_SECONDS } from '../../platform/tokens/tokens.service';

/** The hidden form field that carries the CSRF token. */
export const CSRF_FIELD = 'csrf';

/**
 * CSRF tokens bound to the link token (an HMAC of it under a key of their own), the same-origin
 * check for form posts, and the "fresh link" rule for changes that make us send more.
 */
@Injectable()
export class LinkSecurity {
  private readonly csrfKey: Buffer;
  private readonly publicOrigin: string;
  readonly freshLinkHours: number;

  constructor(config: ConfigService<AppConfig, true>) {
    const secret = config.get('security', { infer: true }).secretKey;
    if (!secret) throw new Error('security.secretKey is not resolved');
    this.csrfKey = deriveKey(secret, 'preference-center-csrf');
    this.publicOrigin = new URL(config.get('app', { infer: true }).publicUrl).origin;
    this.freshLinkHours = config.get('preferences', { infer: true }).freshLinkHours;
  }

  csrfFor(linkToken: string): string {
    return createHmac('sha256', this.csrfKey)
      .update(linkToken)
      .digest()
      .subarray(0, 18)
      .toString('base64url');
  }

  assertCsrf(linkToken: string, value: unknown): void {
    if (typeof value !== 'string' || !safeEqual(value, this.csrfFor(linkToken))) {
      throw new ForbiddenError(
        'The form is missing its security token or it does not match this link',
        CSRF_FIELD,
        'csrf',
      );
    }
  }

  /**
   * Refuses posts a browser marks as coming from another site. Browsers send
   * `Sec-Fetch-Site` (`none` is the person's own action, typed or bookmarked) and it decides;
   * the Origin header cannot, because with `Referrer-Policy: no-referrer` Chromium sends
   * `Origin: null` even for same-origin posts. Without Sec-Fetch-Site (older browsers, scripts)
   * a foreign Origin is refused, and the CSRF token protects in any case.
   */
  assertSameOrigin(req: Request): void {
    const refuse = () =>
      new ForbiddenError('Cross-site form posts are refused', 'origin', 'cross_site');
    const site = req.get('sec-fetch-site');
    if (site) {
      if (site !== 'same-origin' && site !== 'none') throw refuse();
      return;
    }
    const origin = req.get('origin');
    if (origin !== undefined && origin !== 'null') {
      const own = `${req.protocol}://${req.get('host') ?? ''}`;
      if (origin !== this.publicOrigin && origin !== own) throw refuse();
    }
  }

  /**
   * A link may raise what we send when it was emailed recently: an `elevated` link (itself valid
   * for 24 hours), or a `manage` link issued less than PREFERENCES_FRESH_LINK_HOURS ago. The issue
   * time is the expiry minus the purpose's lifetime, so no extra bytes go into the token.
   */
  isFresh(claims: TokenClaims, now: Date): boolean {
    if (claims.purpose === 'elevated') return claims.expiresAt.getTime() > now.getTime();
    if (claims.purpose !== 'manage') return false;
    const issuedAt = claims.expiresAt.getTime() - TOKEN_TTL_SECONDS.manage * 1000;
    return now.getTime() - issuedAt <= this.freshLinkHours * 3600_000;
  }
}

/** Every form post on a link page: same origin and the CSRF token of this link. */
@Injectable()
export class LinkFormGuard implements CanActivate {
  constructor(private readonly security: LinkSecurity) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    this.security.assertSameOrigin(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    this.security.assertCsrf(String(req.params.token ?? ''), body[CSRF_FIELD]);
    return true;
  }
}
