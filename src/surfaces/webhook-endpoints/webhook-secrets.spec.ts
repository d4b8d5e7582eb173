import type { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../platform/config/configuration';
import { generateSecret, WebhookSecrets } from './webhook-secrets';

const secrets = (secretKey: string) =>
  new WebhookSecrets({
    get: () => ({ secretKey, tokenKeys: [] }),
  } as unknown as ConfigService<AppConfig, true>);

describe(WebhookSecrets.name, () => {
  it('stores a secret sealed, never in clear, and opens it again', () => {
    const box = secrets('a-secret-key-that-is-long-enough-0123456789');
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const sealed = box.seal(secret);
    expect(sealed).not.toContain(secret.slice(6));
    expect(box.seal(secret)).not.toBe(sealed);
    expect(box.open(sealed)).toBe(secret);
  });

  it('refuses a tampered value and another SECRET_KEY', () => {
    const sealed = secrets('a-secret-key-that-is-long-enough-0123456789').seal('whsec_x');
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    expect(() => secrets('a-secret-key-that-is-long-enough-0123456789').open(tampered)).toThrow();
    expect(() => secrets('another-secret-key-that-is-long-enough-01').open(sealed)).toThrow();
    expect(() => secrets('another-secret-key-that-is-long-enough-01').open('plain')).toThrow();
  });
});
