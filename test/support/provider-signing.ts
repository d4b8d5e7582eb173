import { execFileSync } from 'node:child_process';
import { createHmac, createSign, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROVIDER_FIXTURES = join(__dirname, '..', 'fixtures', 'providers');

/** A provider fixture with its placeholders filled in. */
export function providerFixture(
  name: string,
  values: { recipient: string; ledgerId: string; domain: string; eventId?: string },
): string {
  return readFileSync(join(PROVIDER_FIXTURES, name), 'utf8')
    .replaceAll('{{RECIPIENT}}', values.recipient)
    .replaceAll('{{LEDGER_ID}}', values.ledgerId)
    .replaceAll('{{DOMAIN}}', values.domain)
    .replaceAll('{{EVENT_ID}}', values.eventId ?? String(randomBytes(4).readUInt32BE(0)));
}

/**
 * A stand-in for SNS's signing: an RSA key and a self-signed certificate (made with openssl, as
 * Node cannot issue certificates), and SNS's signing of a message's fields.
 */
export class SnsSigner {
  readonly certificatePem: string;
  private readonly keyPem: string;

  constructor() {
    const dir = mkdtempSync(join(tmpdir(), 'sns-cert-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '2',
          '-subj',
          '/CN=sns.amazonaws.com',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      this.keyPem = readFileSync(join(dir, 'key.pem'), 'utf8');
      this.certificatePem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** An SNS message as SNS posts it (the shape of the SNS developer guide's examples), signed. */
  message(fields: {
    Type: 'Notification' | 'SubscriptionConfirmation';
    TopicArn: string;
    Message: string;
    SigningCertURL: string;
    SubscribeURL?: string;
    Token?: string;
    MessageId?: string;
    SignatureVersion?: '1' | '2';
  }): Record<string, string> {
    const m: Record<string, string> = {
      Type: fields.Type,
      MessageId: fields.MessageId ?? `${randomBytes(16).toString('hex')}`,
      TopicArn: fields.TopicArn,
      Message: fields.Message,
      Timestamp: new Date().toISOString(),
      SignatureVersion: fields.SignatureVersion ?? '1',
      SigningCertURL: fields.SigningCertURL,
      ...(fields.Token ? { Token: fields.Token } : {}),
      ...(fields.SubscribeURL ? { SubscribeURL: fields.SubscribeURL } : {}),
    };
    const keys =
      m.Type === 'Notification'
        ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
        : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
    const text = keys
      .filter((k) => m[k] !== undefined)
      .map((k) => `${k}\n${m[k]}\n`)
      .join('');
    const signer = createSign(m.SignatureVersion === '2' ? 'RSA-SHA256' : 'RSA-SHA1');
    signer.update(text, 'utf8');
    m.Signature = signer.sign(this.keyPem, 'base64');
    if (m.Type === 'Notification') {
      m.UnsubscribeURL = `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${m.TopicArn}:x`;
    }
    return m;
  }
}

/** A SendGrid Event Webhook key pair: the public key as SendGrid shows it (base64 DER). */
export function sendgridKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicKeyBase64: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    sign(timestamp: string, body: string): string {
      return sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64');
    },
  };
}

/** Mailgun's webhook signature of a body: HMAC-SHA256 of timestamp + token with the signing key. */
export function mailgunSignature(
  signingKey: string,
  timestamp = String(Math.floor(Date.now() / 1000)),
) {
  const token = randomBytes(25).toString('hex');
  return {
    timestamp,
    token,
    signature: createHmac('sha256', signingKey)
      .update(timestamp + token)
      .digest('hex'),
  };
}
