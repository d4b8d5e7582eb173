import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHmac } from 'node:crypto';
import type { AppConfig } from '../../platform/config/configuration';
import { safeEqual } from '../../platform/crypto';
import {
  ForbiddenError,
  InvalidInputError,
  UnauthorizedError,
} from '../../platform/errors/domain-errors';
import { WebhookReportsService } from '../webhooks/webhook-reports.service';
import type { SignalType } from '../webhooks/report-parser';
import type { ProviderAdapter, ProviderReceipt, ProviderRequest } from './provider-adapter';
import { kindOf, record, signal, text } from './provider-events';

/**
 * Mailgun's webhooks: `signature.signature` is the HMAC-SHA256, with the webhook signing key, of
 * `signature.timestamp` followed by `signature.token`. `failed` events are bounces (severity
 * `permanent` hard, `temporary` soft), `complained` a complaint; the rest are ignored.
 */
@Injectable()
export class MailgunAdapter implements ProviderAdapter {
  readonly name = 'mailgun' as const;
  readonly variable = 'MAILGUN_WEBHOOK_SIGNING_KEY';
  private readonly settings: AppConfig['providers']['mailgun'];

  constructor(
    private readonly reports: WebhookReportsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('providers', { infer: true }).mailgun;
  }

  get configured(): boolean {
    return !!this.settings;
  }

  receive(req: ProviderRequest): Promise<ProviderReceipt> {
    const body = record(req.body);
    this.verify(record(body.signature));
    const e = record(body['event-data']);
    const event = text(e.event);
    let type: SignalType;
    if (event === 'failed') type = text(e.severity) === 'permanent' ? 'hard_bounce' : 'soft_bounce';
    else if (event === 'complained') type = 'complaint';
    else return Promise.resolve({ reports: [] });
    const id = text(e.id);
    if (!id) throw new InvalidInputError('The Mailgun event has no id', 'event-data.id');
    const status = record(e['delivery-status']);
    const headers = record(record(e.message).headers);
    return Promise.resolve({
      reports: [
        {
          kind: kindOf(type),
          report: {
            format: 'mailgun',
            reportKey: `mailgun:${id}`,
            ledgerId: this.reports.ledgerIdOf(text(headers['message-id'])),
            signals: [
              signal(type, e.recipient, {
                status: status['enhanced-code'] ?? undefined,
                action: type === 'complaint' ? null : 'failed',
                diagnostic: status.description ?? status.message ?? e.reason,
              }),
            ],
            ...(type === 'complaint' ? { feedbackType: 'abuse' } : {}),
          },
        },
      ],
    });
  }

  private verify(s: Record<string, unknown>): void {
    const [timestamp, token, given] = [text(s.timestamp), text(s.token), text(s.signature)];
    if (!timestamp || !token || !given) {
      throw new UnauthorizedError(
        'A Mailgun webhook body carries signature.timestamp, signature.token and signature.signature',
        'signature',
        'missing_signature',
      );
    }
    const expected = createHmac('sha256', this.settings!.signingKey)
      .update(timestamp + token)
      .digest('hex');
    if (!safeEqual(expected, given.toLowerCase())) {
      throw new ForbiddenError(
        'The Mailgun signature does not verify with MAILGUN_WEBHOOK_SIGNING_KEY',
        'signature.signature',
        'invalid_signature',
      );
    }
  }
}
