import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../platform/config/configuration';
import { ForbiddenError, InvalidInputError } from '../../platform/errors/domain-errors';
import { WebhookReportsService } from '../webhooks/webhook-reports.service';
import type { ProviderAdapter, ProviderReceipt, ProviderRequest } from './provider-adapter';
import { byStatus, ProviderReport, record, signal, text } from './provider-events';
import { SnsMessage, SnsMessages } from './sns-messages';

/**
 * Amazon SES notifications through SNS: the SNS signature is verified, the topic must be one of
 * SES_SNS_TOPIC_ARNS (anyone can make an SNS topic; only yours count), a subscription to it is
 * confirmed when SES_SNS_AUTO_CONFIRM is on, and Bounce and Complaint notifications (and the
 * event-publishing form with `eventType`) become reports. Delivery and other notices are ignored.
 */
@Injectable()
export class SesAdapter implements ProviderAdapter {
  readonly name = 'ses' as const;
  readonly variable = 'SES_SNS_TOPIC_ARNS';
  private readonly logger = new Logger('SesWebhook');
  private readonly settings: AppConfig['providers']['ses'];

  constructor(
    private readonly sns: SnsMessages,
    private readonly reports: WebhookReportsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('providers', { infer: true }).ses;
  }

  get configured(): boolean {
    return !!this.settings;
  }

  async receive(req: ProviderRequest, now: Date): Promise<ProviderReceipt> {
    const m = this.sns.parse(req.body);
    await this.sns.verify(m, now);
    if (!this.settings!.topicArns.includes(m.TopicArn)) {
      throw new ForbiddenError(
        'This SNS topic is not one of SES_SNS_TOPIC_ARNS',
        'TopicArn',
        'topic_not_allowed',
      );
    }
    if (m.Type === 'SubscriptionConfirmation') {
      if (!this.settings!.autoConfirm) {
        this.logger.warn(
          { topicArn: m.TopicArn },
          'SNS subscription not confirmed (SES_SNS_AUTO_CONFIRM=false)',
        );
        return { reports: [], subscription: 'not_confirmed' };
      }
      await this.sns.confirm(m);
      this.logger.log({ topicArn: m.TopicArn }, 'SNS subscription confirmed');
      return { reports: [], subscription: 'confirmed' };
    }
    if (m.Type === 'UnsubscribeConfirmation') return { reports: [] };
    const report = this.report(m);
    return { reports: report ? [report] : [] };
  }

  private report(m: SnsMessage): ProviderReport | null {
    let message: Record<string, unknown>;
    try {
      message = record(JSON.parse(m.Message));
    } catch {
      throw new InvalidInputError(
        'The SNS Message is not an SES notification (not JSON)',
        'Message',
      );
    }
    const type = text(message.notificationType) ?? text(message.eventType);
    const mail = record(message.mail);
    const base = {
      format: 'ses' as const,
      reportKey: `sns:${m.MessageId}`,
      ledgerId: this.ledgerId(mail),
    };
    if (type === 'Bounce') {
      const bounce = record(message.bounce);
      const bounceType = text(bounce.bounceType);
      const recipients = Array.isArray(bounce.bouncedRecipients) ? bounce.bouncedRecipients : [];
      const signals = recipients.map((r) => {
        const rec = record(r);
        const kind =
          bounceType === 'Permanent'
            ? 'hard_bounce'
            : bounceType === 'Transient'
              ? 'soft_bounce'
              : byStatus(rec.status, rec.diagnosticCode);
        return signal(kind, rec.emailAddress, {
          status: rec.status,
          action: text(rec.action) ?? 'failed',
          diagnostic: rec.diagnosticCode ?? `${bounceType}/${text(bounce.bounceSubType) ?? ''}`,
        });
      });
      if (!signals.length) throw new InvalidInputError('The bounce names no recipient', 'Message');
      return { kind: 'bounce', report: { ...base, signals } };
    }
    if (type === 'Complaint') {
      const complaint = record(message.complaint);
      const recipients = Array.isArray(complaint.complainedRecipients)
        ? complaint.complainedRecipients
        : [];
      const feedbackType = (text(complaint.complaintFeedbackType) ?? 'abuse').toLowerCase();
      const signals = recipients.map((r) =>
        signal(feedbackType === 'not-spam' ? 'other' : 'complaint', record(r).emailAddress, {
          diagnostic: `feedback-type: ${feedbackType}`,
        }),
      );
      if (!signals.length)
        throw new InvalidInputError('The complaint names no recipient', 'Message');
      return { kind: 'complaint', report: { ...base, feedbackType, signals } };
    }
    return null;
  }

  /** Our ledger id from the original's headers SES repeats (X-Tidings-Message, Message-ID). */
  private ledgerId(mail: Record<string, unknown>): string | null {
    const headers = Array.isArray(mail.headers) ? mail.headers.map(record) : [];
    const header = (name: string) =>
      text(headers.find((h) => text(h.name)?.toLowerCase() === name)?.value);
    return (
      this.reports.ledgerIdOf(header('x-tidings-message')) ??
      this.reports.ledgerIdOf(header('message-id')) ??
      this.reports.ledgerIdOf(text(record(mail.commonHeaders).messageId))
    );
  }
}
