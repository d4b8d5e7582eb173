import { Inject, Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { createVerify, X509Certificate } from 'node:crypto';
import { ForbiddenError, InvalidInputError } from '../../platform/errors/domain-errors';

/** The fields of an Amazon SNS HTTP(S) message (what SNS POSTs, as JSON in a text/plain body). */
export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  Token?: string;
  SubscribeURL?: string;
}

/**
 * How SNS certificates and subscription confirmations are fetched. Production uses HTTPS; a test
 * serves its own certificate from memory. The URL has been checked (isSnsUrl) before either is
 * called, so an implementation never decides which hosts are trusted.
 */
export interface SnsHttp {
  get(url: URL): Promise<string>;
}
export const SNS_HTTP = Symbol('SNS_HTTP');

const FETCH_TIMEOUT_MS = 5000;
const MAX_RESPONSE_BYTES = 64 * 1024;

@Injectable()
export class HttpsSnsClient implements SnsHttp {
  async get(url: URL): Promise<string> {
    const res = await fetch(url, {
      redirect: 'error',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`${url.hostname} answered ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_RESPONSE_BYTES) throw new Error(`${url.hostname} answered too much`);
    return text;
  }
}

/** SNS's own endpoints: `https://sns.<region>.amazonaws.com/` (and `.com.cn`), nothing else. */
export function isSnsUrl(value: unknown): URL | null {
  if (typeof value !== 'string') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const trusted =
    url.protocol === 'https:' &&
    !url.username &&
    !url.password &&
    (url.port === '' || url.port === '443') &&
    /^sns\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com(\.cn)?$/.test(url.hostname);
  return trusted ? url : null;
}

/** The fields SNS signs, in its order, for each message type. */
function stringToSign(m: SnsMessage): string {
  const keys: Array<keyof SnsMessage> =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys
    .filter((k) => m[k] !== undefined)
    .map((k) => `${k}\n${m[k]}\n`)
    .join('');
}

const MAX_CACHED_CERTIFICATES = 20;

/**
 * Verifies SNS messages as AWS documents it: the signing certificate comes only from an SNS host
 * over HTTPS (cached by URL), is valid now, and its key verifies the signature (SHA1withRSA for
 * SignatureVersion 1, SHA256withRSA for 2) over the message's fields.
 */
@Injectable()
export class SnsMessages {
  private readonly logger = new Logger('SnsMessages');
  private readonly certificates = new Map<string, Promise<X509Certificate>>();

  constructor(@Inject(SNS_HTTP) private readonly http: SnsHttp) {}

  /** The body as an SNS message; 400 naming the field that is missing. */
  parse(body: unknown): SnsMessage {
    let value = body;
    if (Buffer.isBuffer(value)) {
      try {
        value = JSON.parse(value.toString('utf8'));
      } catch {
        throw new InvalidInputError('The body is not an SNS message (not JSON)', 'body');
      }
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InvalidInputError('The body is not an SNS message (not a JSON object)', 'body');
    }
    const m = value as Record<string, unknown>;
    const required = ['Type', 'MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion'];
    for (const field of [...required, 'Signature', 'SigningCertURL']) {
      if (typeof m[field] !== 'string' || !m[field]) {
        throw new InvalidInputError(`The SNS message has no ${field}`, field);
      }
    }
    if (
      !['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'].includes(
        m.Type as string,
      )
    ) {
      throw new InvalidInputError(`Unknown SNS message type ${JSON.stringify(m.Type)}`, 'Type');
    }
    return m as unknown as SnsMessage;
  }

  async verify(m: SnsMessage, now: Date): Promise<void> {
    const algorithm = { '1': 'RSA-SHA1', '2': 'RSA-SHA256' }[m.SignatureVersion];
    if (!algorithm) {
      throw new ForbiddenError(
        `Unsupported SNS SignatureVersion ${JSON.stringify(m.SignatureVersion)}`,
        'SignatureVersion',
        'invalid_signature',
      );
    }
    const url = isSnsUrl(m.SigningCertURL);
    if (!url || !url.pathname.endsWith('.pem')) {
      throw new ForbiddenError(
        'SigningCertURL is not an https://sns.<region>.amazonaws.com/ certificate',
        'SigningCertURL',
        'invalid_signature',
      );
    }
    const certificate = await this.certificate(url).catch((err: unknown) => {
      throw new ServiceUnavailableException(
        `The SNS signing certificate could not be fetched (${String(err)}); SNS retries later`,
      );
    });
    if (new Date(certificate.validFrom) > now || new Date(certificate.validTo) < now) {
      throw new ForbiddenError(
        'The SNS signing certificate is not valid now',
        'SigningCertURL',
        'invalid_signature',
      );
    }
    const verifier = createVerify(algorithm);
    verifier.update(stringToSign(m), 'utf8');
    if (!verifier.verify(certificate.publicKey, m.Signature, 'base64')) {
      throw new ForbiddenError(
        'The SNS signature does not verify',
        'Signature',
        'invalid_signature',
      );
    }
  }

  /** Confirms a subscription by visiting its SubscribeURL (an SNS host only). */
  async confirm(m: SnsMessage): Promise<void> {
    const url = isSnsUrl(m.SubscribeURL);
    if (!url) {
      throw new InvalidInputError(
        'SubscribeURL is not an https://sns.<region>.amazonaws.com/ URL',
        'SubscribeURL',
      );
    }
    await this.http.get(url);
  }

  private certificate(url: URL): Promise<X509Certificate> {
    const key = url.href;
    let cached = this.certificates.get(key);
    if (!cached) {
      if (this.certificates.size >= MAX_CACHED_CERTIFICATES) {
        this.certificates.delete(this.certificates.keys().next().value!);
      }
      cached = this.http.get(url).then((pem) => new X509Certificate(pem));
      this.certificates.set(key, cached);
      // A failed fetch is not kept: the next message tries again.
      cached.catch((err: unknown) => {
        this.certificates.delete(key);
        this.logger.warn({ host: url.hostname, err: String(err) }, 'SNS certificate fetch failed');
      });
    }
    return cached;
  }
}
