import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppConfig } from '../../platform/config/configuration';
import { deriveKey } from '../../platform/crypto';

/** A new endpoint secret: `whsec_` and 32 random bytes, base64url. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/**
 * Endpoint secrets are needed in clear to sign, so they are stored encrypted (AES-256-GCM) with a
 * key derived from SECRET_KEY: a copy of the database alone does not reveal them.
 */
@Injectable()
export class WebhookSecrets {
  private readonly key: Buffer;

  constructor(config: ConfigService<AppConfig, true>) {
    const secretKey = config.get('security', { infer: true }).secretKey;
    if (!secretKey) throw new Error('security.secretKey is not resolved');
    this.key = deriveKey(secretKey, 'webhook-endpoint-secrets');
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    const parts = [iv, cipher.getAuthTag(), sealed].map((p) => p.toString('base64url'));
    return ['v1', ...parts].join('.');
  }

  open(stored: string): string {
    const [version, iv, tag, sealed] = stored.split('.');
    if (version !== 'v1' || !iv || !tag || !sealed) {
      throw new Error('not a sealed webhook secret');
    }
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(sealed, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }
}
