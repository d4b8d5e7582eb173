import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHmac } from 'node:crypto';
import { deriveKey, safeEqual } from '../crypto';
import { GoneError, UnauthorizedError } from '../errors/domain-errors';
import { AppConfig } from '../config/configuration';

/**
 * What a link may do. The number is part of the signed bytes, so a token made for one purpose
 * never works for another.
 */
export const TOKEN_PURPOSES = {
  /** Open the preference center (read, and changes that lower what we send). */
  manage: 1,
  /** RFC 8058 one-click unsubscribe and the /u page. */
  unsubscribe: 2,
  /** Double opt-in confirmation; `ref` is the signup request. */
  confirm: 3,
  /** "Was this useful?"; `ref` is the outbound message. */
  feedback: 4,
  /** Fresh link sent by email for actions that raise what we send (resubscribe, more often). */
  elevated: 5,
  /** The trust question's answer (docs/trust-question.md); `ref` is the outbound message. */
  trust: 8,
} as const;
export type TokenPurpose = keyof typeof TOKEN_PURPOSES;

/** Default lifetimes; unsubscribe links must keep working well past 60 days after sending. */
export const TOKEN_TTL_SECONDS: Record<TokenPurpose, number> = {
  manage: 90 * 86400,
  unsubscribe: 180 * 86400,
  confirm: 72 * 3600,
  feedback: 180 * 86400,
  elevated: 24 * 3600,
  trust: 180 * 86400,
};

export interface TokenClaims {
  purpose: TokenPurpose;
  subscriberId: string;
  /** A second id the link is about (signup request, outbound message), when the purpose has one. */
  ref?: string;
  expiresAt: Date;
  keyId: number;
}

const VERSION = 1;
const SIG_BYTES = 16;
const UUID_BYTES = 16;
const HEADER_BYTES = 1 + 1 + 1 + 4; // version, key id, purpose, expiry (uint32 seconds)

function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a uuid: ${uuid}`);
  return Buffer.from(hex, 'hex');
}

function bytesToUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Compact signed tokens for links in emails: version | key id | purpose | expiry | subscriber id
 * | optional ref id, then a truncated HMAC-SHA256. No address, no sequential id; base64url, about
 * 55-75 characters. Keys carry an id so they can rotate: TOKEN_KEYS lists `id:secret` pairs, the
 * first signs and all verify; without it one key is derived from SECRET_KEY (id 1).
 */
@Injectable()
export class TokensService {
  private readonly keys = new Map<number, Buffer>();
  private readonly signingKeyId: number;

  constructor(config: ConfigService<AppConfig, true>) {
    const security = config.get('security', { infer: true });
    if (security.tokenKeys.length) {
      for (const { id, secret } of security.tokenKeys)
        this.keys.set(id, deriveKey(secret, 'link-tokens'));
      this.signingKeyId = security.tokenKeys[0].id;
    } else {
      if (!security.secretKey) throw new Error('security.secretKey is not resolved');
      this.keys.set(1, deriveKey(security.secretKey, 'link-tokens'));
      this.signingKeyId = 1;
    }
  }

  sign(
    purpose: TokenPurpose,
    subscriberId: string,
    options: { ref?: string; ttlSeconds?: number; now?: Date } = {},
  ): string {
    const now = options.now ?? new Date();
    const exp =
      Math.floor(now.getTime() / 1000) + (options.ttlSeconds ?? TOKEN_TTL_SECONDS[purpose]);
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt8(VERSION, 0);
    header.writeUInt8(this.signingKeyId, 1);
    header.writeUInt8(TOKEN_PURPOSES[purpose], 2);
    header.writeUInt32BE(exp, 3);
    const body = Buffer.concat([
      header,
      uuidToBytes(subscriberId),
      ...(options.ref ? [uuidToBytes(options.ref)] : []),
    ]);
    return Buffer.concat([body, this.mac(this.signingKeyId, body)]).toString('base64url');
  }

  /**
   * Verifies a token for the expected purpose. Tampered, unknown-key or wrong-purpose tokens are
   * 401; a genuine but expired one is 410 (the page then offers a fresh link).
   */
  verify(token: string, expected: TokenPurpose | TokenPurpose[], now = new Date()): TokenClaims {
    const claims = this.decode(token);
    const allowed = Array.isArray(expected) ? expected : [expected];
    if (!allowed.includes(claims.purpose)) {
      throw new UnauthorizedError('This link is not valid here', 'token', 'invalid_token');
    }
    if (claims.expiresAt.getTime() < now.getTime()) {
      throw new GoneError('This link has expired', 'token', 'expired_token');
    }
    return claims;
  }

  /** Checks the signature only (expiry not applied): for pages that explain an expired link. */
  decode(token: string): TokenClaims {
    const invalid = () => new UnauthorizedError('This link is not valid', 'token', 'invalid_token');
    if (typeof token !== 'string' || token.length > 200 || !/^[A-Za-z0-9_-]+$/.test(token))
      throw invalid();
    const raw = Buffer.from(token, 'base64url');
    // Only the canonical spelling: otherwise the unused low bits of the last character would let
    // a changed character decode to the same bytes and pass.
    if (raw.toString('base64url') !== token) throw invalid();
    const withRef = HEADER_BYTES + 2 * UUID_BYTES + SIG_BYTES;
    const withoutRef = HEADER_BYTES + UUID_BYTES + SIG_BYTES;
    if (raw.length !== withRef && raw.length !== withoutRef) throw invalid();
    const body = raw.subarray(0, raw.length - SIG_BYTES);
    const sig = raw.subarray(raw.length - SIG_BYTES);
    if (body.readUInt8(0) !== VERSION) throw invalid();
    const keyId = body.readUInt8(1);
    if (!this.keys.has(keyId)) throw invalid();
    if (!safeEqual(this.mac(keyId, body).toString('base64'), sig.toString('base64')))
      throw invalid();
    const purposeCode = body.readUInt8(2);
    const purpose = (Object.keys(TOKEN_PURPOSES) as TokenPurpose[]).find(
      (p) => TOKEN_PURPOSES[p] === purposeCode,
    );
    if (!purpose) throw invalid();
    return {
      purpose,
      keyId,
      expiresAt: new Date(body.readUInt32BE(3) * 1000),
      subscriberId: bytesToUuid(body.subarray(HEADER_BYTES, HEADER_BYTES + UUID_BYTES)),
      ref:
        raw.length === withRef ? bytesToUuid(body.subarray(HEADER_BYTES + UUID_BYTES)) : undefined,
    };
  }

  private mac(keyId: number, body: Buffer): Buffer {
    return createHmac('sha256', this.keys.get(keyId)!).update(body).digest().subarray(0, SIG_BYTES);
  }
}
