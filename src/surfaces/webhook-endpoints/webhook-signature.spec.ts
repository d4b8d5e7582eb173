import { createHmac } from 'node:crypto';
import { signatureHeader, verifySignature } from './webhook-signature';

describe('webhook signatures', () => {
  const secret = 'whsec_test-secret-0123456789';
  const body = '{"id":"e1","type":"subscriber.erased"}';
  const now = 1_800_000_000;

  it('signs `<timestamp>.<body>` with HMAC-SHA256, as the docs tell receivers', () => {
    const expected = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(signatureHeader(secret, now, body)).toBe(`t=${now},v1=${expected}`);
  });

  it('verifies within the tolerance and refuses another body, secret or an old timestamp', () => {
    const header = signatureHeader(secret, now, body);
    expect(verifySignature(secret, header, body, now + 299)).toBe(true);
    expect(verifySignature(secret, header, body, now + 301)).toBe(false);
    expect(verifySignature(secret, header, `${body} `, now)).toBe(false);
    expect(verifySignature('whsec_another-secret', header, body, now)).toBe(false);
    expect(verifySignature(secret, header.replace(`t=${now}`, `t=${now + 1}`), body, now)).toBe(
      false,
    );
    expect(verifySignature(secret, 'garbage', body, now)).toBe(false);
  });
});
