import type { IncomingHttpHeaders } from 'node:http';
import type { ProviderReport } from './provider-events';

export const PROVIDERS = ['ses', 'postmark', 'sendgrid', 'mailgun'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** What a provider's webhook request gives its adapter. */
export interface ProviderRequest {
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or the raw bytes of a non-JSON body (SNS posts JSON as text/plain). */
  body: unknown;
  /** The exact bytes of a JSON body, for signatures over them (SendGrid). */
  rawBody: Buffer | undefined;
}

export interface ProviderReceipt {
  reports: ProviderReport[];
  /** SNS only: what became of a SubscriptionConfirmation. */
  subscription?: 'confirmed' | 'not_confirmed';
}

/**
 * One sending service: verifies a request its way (refusing with 401 or 403 and a clear message)
 * and maps its events onto bounce and complaint reports.
 */
export interface ProviderAdapter {
  readonly name: ProviderName;
  /** The variable that enables it, named in the 503 when it is unset. */
  readonly variable: string;
  readonly configured: boolean;
  receive(req: ProviderRequest, now: Date): Promise<ProviderReceipt>;
}
