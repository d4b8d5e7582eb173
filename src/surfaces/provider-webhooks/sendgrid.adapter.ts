import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { KeyObject, verify } from 'node:crypto';
import type { AppConfig } from '../../platform/config/configuration';
import { sendgridPublicKey } from '../../platform/config/environment';
import {
  ForbiddenError,
  InvalidInputError,
  UnauthorizedError,
} from '../../platform/errors/domain-errors';
import { WebhookReportsService } from '../webhooks/webhook-reports.service';
import type { SignalType } from '../webhooks/report-parser';
import type { ProviderAdapter, ProviderReceipt, ProviderRequest } from './provider-adapter';
import { byStatus, kindOf, ProviderReport, record, signal, text } from './provider-events';

const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';

/**
 * SendGrid's signed Event Webhook: an ECDSA (P-256, SHA-256) signature over the timestamp header
 * followed by the exact body bytes, checked with the verification key SendGrid shows. Each event
 * of the batch is its own report (`sg_event_id`): bounce (type `bounce` by its status, `blocked`
 * soft), deferred (a delay) and spamreport (a complaint); the rest are ignored.
 */
@Injectable()
export class SendgridAdapter implements ProviderAdapter {
  readonly name = 'sendgrid' as const;
  readonly variable = 'SENDGRID_WEBHOOK_PUBLIC_KEY';
  private readonly publicKey: KeyObject | undefined;

  constructor(
    private readonly reports: WebhookReportsService,
    config: ConfigService<AppConfig, true>,
  ) {
    const settings = config.get('providers', { infer: true }).sendgrid;
    this.publicKey = settings ? sendgridPublicKey(settings.publicKey) : undefined;
  }

  get configured(): boolean {
    return !!this.publicKey;
  }

  receive(req: ProviderRequest): Promise<ProviderReceipt> {
    this.verify(req);
    if (!Array.isArray(req.body)) {
      throw new InvalidInputError(
        'A SendGrid Event Webhook body is a JSON array of events',
        'body',
      );
    }
    const reports = req.body.flatMap((e, i) => {
      const r = this.report(record(e), i);
      return r ? [r] : [];
    });
    return Promise.resolve({ reports });
  }

  private verify(req: ProviderRequest): void {
    const signature = req.headers[SIGNATURE];
    const timestamp = req.headers[TIMESTAMP];
    if (typeof signature !== 'string' || typeof timestamp !== 'string' || !req.rawBody) {
      throw new UnauthorizedError(
        `A signed SendGrid Event Webhook sends ${SIGNATURE} and ${TIMESTAMP} with a JSON body`,
        SIGNATURE,
        'missing_signature',
      );
    }
    const payload = Buffer.concat([Buffer.from(timestamp, 'utf8'), req.rawBody]);
    let valid = false;
    try {
      valid = verify('sha256', payload, this.publicKey!, Buffer.from(signature, 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) {
      throw new ForbiddenError(
        'The SendGrid signature does not verify with SENDGRID_WEBHOOK_PUBLIC_KEY',
        SIGNATURE,
        'invalid_signature',
      );
    }
  }

  private report(e: Record<string, unknown>, index: number): ProviderReport | null {
    const event = text(e.event);
    let type: SignalType;
    if (event === 'bounce') {
      type = text(e.type) === 'blocked' ? 'soft_bounce' : byStatus(e.status, e.reason);
      // SendGrid calls it a bounce only after the receiver refused permanently.
      if (text(e.type) !== 'blocked' && type !== 'soft_bounce') type = 'hard_bounce';
    } else if (event === 'deferred') type = 'delayed';
    else if (event === 'spamreport') type = 'complaint';
    else return null;
    const id = text(e.sg_event_id);
    if (!id)
      throw new InvalidInputError('A SendGrid event has no sg_event_id', `${index}.sg_event_id`);
    return {
      kind: kindOf(type),
      report: {
        format: 'sendgrid',
        reportKey: `sendgrid:${id}`,
        ledgerId: this.reports.ledgerIdOf(text(e['smtp-id'])),
        signals: [
          signal(type, e.email, {
            status: e.status,
            action: type === 'delayed' ? 'delayed' : type === 'complaint' ? null : 'failed',
            diagnostic: e.reason ?? e.response,
          }),
        ],
        ...(type === 'complaint' ? { feedbackType: 'abuse' } : {}),
      },
    };
  }
}
