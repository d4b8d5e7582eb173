import { createHmac } from 'node:crypto';
import { safeEqual } from '../crypto';

/**
 * Anti-forgery values for server-rendered forms that need no cookie: an issue time and an HMAC
 * over it and what the form is bound to (a link token, a session id). A value made for one token
 * or session never validates for another, and it expires.
 */
export class SignedForms {
  constructor(
    private readonly key: Buffer,
    private readonly ttlMs: number,
  ) {}

  issue(binding: string, now: Date): string {
    const issued = Math.floor(now.getTime() / 1000).toString(36);
    return `${issued}.${this.mac(binding, issued)}`;
  }

  verify(value: unknown, binding: string, now: Date): boolean {
    if (typeof value !== 'string' || value.length > 100) return false;
    const [issued, mac] = value.split('.');
    if (!issued || !mac || !/^[0-9a-z]{1,10}$/.test(issued)) return false;
    const age = now.getTime() - parseInt(issued, 36) * 1000;
    if (age < -60_000 || age > this.ttlMs) return false;
    return safeEqual(mac, this.mac(binding, issued));
  }

  private mac(binding: string, issued: string): string {
    return createHmac('sha256', this.key)
      .update(`${issued}\n${binding}`)
      .digest('base64url')
      .slice(0, 32);
  }
}
