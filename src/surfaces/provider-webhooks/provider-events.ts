import {
  classifyDsnRecipient,
  ParsedReport,
  RecipientSignal,
  SignalType,
} from '../webhooks/report-parser';

/** A sending service's event, mapped onto the report the bounce or complaint handling applies. */
export interface ProviderReport {
  kind: 'bounce' | 'complaint';
  report: ParsedReport;
}

/** Which handling a signal type belongs to (complaints leave every topic; the rest are bounces). */
export function kindOf(type: SignalType): ProviderReport['kind'] {
  return type === 'complaint' ? 'complaint' : 'bounce';
}

/** A recipient signal from the fields a provider gives (status, action, diagnostic). */
export function signal(
  type: SignalType,
  recipient: unknown,
  details: { status?: unknown; action?: string | null; diagnostic?: unknown } = {},
): RecipientSignal {
  const status =
    typeof details.status === 'string'
      ? /\b[245]\.\d{1,3}\.\d{1,3}\b/.exec(details.status)?.[0]
      : undefined;
  return {
    type,
    recipient:
      typeof recipient === 'string' && recipient.includes('@')
        ? recipient.trim().toLowerCase()
        : null,
    action: details.action ?? null,
    status: status ?? null,
    diagnostic: typeof details.diagnostic === 'string' ? details.diagnostic.slice(0, 1000) : null,
  };
}

/**
 * A bounce the provider could not call hard or soft: the DSN rules decide from its status (5.x.x
 * hard except the statuses that say nothing about the address, 4.x.x soft).
 */
export function byStatus(status: unknown, diagnostic?: unknown): SignalType {
  const fields = new Map<string, string>([['action', 'failed']]);
  if (typeof status === 'string') fields.set('status', status);
  if (typeof diagnostic === 'string') fields.set('diagnostic-code', diagnostic);
  return classifyDsnRecipient(fields);
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}

export function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
