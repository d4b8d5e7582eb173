import { ConfigService } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { GoneError, UnauthorizedError } from '../errors/domain-errors';
import type { AppConfig } from '../config/configuration';
import { TokensService } from './tokens.service';

function service(security: Partial<AppConfig['security']>): TokensService {
  const config = { get: () => ({ secretKey: 'k'.repeat(40), tokenKeys: [], ...security }) };
  return new TokensService(config as unknown as ConfigService<AppConfig, true>);
}

describe(TokensService.name, () => {
  const subscriberId = randomUUID();
  const tokens = service({});

  it('round-trips purpose, subscriber, ref and expiry, and carries no address', () => {
    const ref = randomUUID();
    const token = tokens.sign('unsubscribe', subscriberId, { ref });
    expect(token).toMatch(/^[A-Za-z0-9_-]{40,90}$/);
    expect(tokens.verify(token, 'unsubscribe')).toMatchObject({
      purpose: 'unsubscribe',
      subscriberId,
      ref,
      keyId: 1,
    });
  });

  it('refuses a token used for another purpose', () => {
    const token = tokens.sign('manage', subscriberId);
    expect(() => tokens.verify(token, 'unsubscribe')).toThrow(UnauthorizedError);
  });

  it('refuses any single changed byte', () => {
    const token = tokens.sign('manage', subscriberId);
    const raw = Buffer.from(token, 'base64url');
    for (let i = 0; i < raw.length; i++) {
      const copy = Buffer.from(raw);
      copy[i] ^= 0x01;
      expect(() => tokens.verify(copy.toString('base64url'), 'manage')).toThrow(UnauthorizedError);
    }
  });

  it('refuses any single changed character of the text, including the last one', () => {
    const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // 55 bytes encode to 74 characters: the last one carries unused bits.
    const token = tokens.sign('unsubscribe', subscriberId, { ref: randomUUID() });
    for (let i = 0; i < token.length; i++) {
      for (const c of ALPHABET) {
        if (c === token[i]) continue;
        const changed = token.slice(0, i) + c + token.slice(i + 1);
        expect(() => tokens.verify(changed, 'unsubscribe')).toThrow(UnauthorizedError);
      }
    }
  });

  it('answers 410 for an expired but genuine token', () => {
    const token = tokens.sign('manage', subscriberId, { ttlSeconds: -1 });
    expect(() => tokens.verify(token, 'manage')).toThrow(GoneError);
  });

  it('accepts none of 1,000 random tokens', () => {
    let accepted = 0;
    for (let i = 0; i < 1000; i++) {
      const fake = Buffer.from(
        Array.from({ length: 39 }, () => Math.floor(Math.random() * 256)),
      ).toString('base64url');
      try {
        tokens.verify(fake, ['manage', 'unsubscribe', 'confirm', 'feedback', 'elevated']);
        accepted++;
      } catch {
        // refused, as it should be
      }
    }
    expect(accepted).toBe(0);
  });

  it('rotates keys: the first key signs, older keys still verify', () => {
    const oldKeys = service({ tokenKeys: [{ id: 1, secret: 'a'.repeat(40) }] });
    const rotated = service({
      tokenKeys: [
        { id: 2, secret: 'b'.repeat(40) },
        { id: 1, secret: 'a'.repeat(40) },
      ],
    });
    const old = oldKeys.sign('manage', subscriberId);
    expect(rotated.verify(old, 'manage').keyId).toBe(1);
    expect(rotated.verify(rotated.sign('manage', subscriberId), 'manage').keyId).toBe(2);
    expect(() => oldKeys.verify(rotated.sign('manage', subscriberId), 'manage')).toThrow(
      UnauthorizedError,
    );
  });
});
