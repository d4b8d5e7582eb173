import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../platform/config/configuration';
import { safeEqual, sha256Hex } from '../../platform/crypto';
import { InvalidInputError, UnauthorizedError } from '../../platform/errors/domain-errors';
import type { SignalType } from '../webhooks/report-parser';
import type { ProviderAdapter, ProviderReceipt, ProviderRequest } from './provider-adapter';
import { kindOf, record, signal, text } from './provider-events';

/** Postmark bounce `Type`s → what happened (Postmark's list; the rest say nothing about the address). */
const POSTMARK_TYPES: Record<string, SignalType> = {
  HardBounce: 'hard_bounce',
  BadEmailAddress: 'hard_bounce',
  ManuallyDeactivated: 'hard_bounce',
  SoftBounce: 'soft_bounce',
  Transient: 'soft_bounce',
  DnsError: 'soft_bounce',
  Blocked: 'soft_bounce',
  SpamNotification: 'soft_bounce',
  AutoResponder: 'auto_reply',
  SpamComplaint: 'complaint',
};

/**
 * Postmark's bounce and spam-complaint webhooks. Postmark signs nothing; it recommends HTTP basic
 * auth in the webhook URL (`https://user:password@host/...`), which this checks in constant time.
 */
@Injectable()
export class PostmarkAdapter implements ProviderAdapter {
  readonly name = 'postmark' as const;
  readonly variable = 'POSTMARK_WEBHOOK_PASSWORD';
  private readonly settings: AppConfig['providers']['postmark'];

  constructor(config: ConfigService<AppConfig, true>) {
    this.settings = config.get('providers', { infer: true }).postmark;
  }

  get configured(): boolean {
    return !!this.settings;
  }

  receive(req: ProviderRequest): Promise<ProviderReceipt> {
    this.authenticate(req.headers.authorization);
    const event = record(req.body);
    const recordType = text(event.RecordType);
    const id = typeof event.ID === 'number' || typeof event.ID === 'string' ? String(event.ID) : '';
    if (recordType === undefined || !id) {
      throw new InvalidInputError(
        'Not a Postmark webhook event (no RecordType or ID)',
        'RecordType',
      );
    }
    if (recordType !== 'Bounce' && recordType !== 'SpamComplaint') {
      return Promise.resolve({ reports: [] });
    }
    const type = POSTMARK_TYPES[text(event.Type) ?? ''] ?? 'other';
    const s = signal(type, event.Email, {
      action: type === 'hard_bounce' || type === 'soft_bounce' ? 'failed' : null,
      diagnostic: event.Details ?? event.Description,
    });
    return Promise.resolve({
      reports: [
        {
          kind: recordType === 'SpamComplaint' ? 'complaint' : kindOf(type),
          report: {
            format: 'postmark',
            reportKey: `postmark:${recordType}:${id}`,
            ledgerId: null,
            signals: [s],
            ...(type === 'complaint' ? { feedbackType: 'abuse' } : {}),
          },
        },
      ],
    });
  }

  private authenticate(header: string | undefined): void {
    const [scheme, encoded] = (header ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'basic' || !encoded) {
      throw new UnauthorizedError(
        'Put the user name and POSTMARK_WEBHOOK_PASSWORD in the webhook URL (basic auth)',
        'authorization',
        'missing_credentials',
      );
    }
    const given = Buffer.from(encoded, 'base64').toString('utf8');
    const expected = `${this.settings!.username}:${this.settings!.password}`;
    if (!safeEqual(sha256Hex(given), sha256Hex(expected))) {
      throw new UnauthorizedError(
        'Wrong Postmark webhook user name or password',
        'authorization',
        'invalid_credentials',
      );
    }
  }
}
