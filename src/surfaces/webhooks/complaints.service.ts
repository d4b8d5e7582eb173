import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { InvalidInputError, RuleViolationError } from '../../platform/errors/domain-errors';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { SubscriberStatusService } from '../../audience/subscribers/subscriber-status.service';
import {
  complaintType,
  parseComplaintEmail,
  ParsedReport,
  ReportParseError,
  ReportTooComplexError,
} from './report-parser';
import {
  AppliedSignal,
  ApplyContext,
  MatchedSignal,
  WebhookReportsService,
} from './webhook-reports.service';
import { ComplaintJsonDto, WebhookResultDto } from './webhook.dto';

/**
 * Spam complaints (ARF feedback loops or JSON): the person told their mailbox provider they do
 * not want our mail, so they leave every topic (one consent event, source `system`), their
 * subscriber status becomes `complained`, and the address is suppressed
 * (SubscriberStatusService.complained).
 */
@Injectable()
export class ComplaintsService {
  private readonly complaints;

  constructor(
    private readonly reports: WebhookReportsService,
    private readonly status: SubscriberStatusService,
    metrics: MetricsService,
  ) {
    this.complaints = metrics.counter(
      'tidings_complaints_total',
      'Spam complaints received, by outcome (unsubscribed, unmatched, ignored)',
      ['outcome'],
    );
  }

  async receive(body: unknown): Promise<WebhookResultDto> {
    const report = Buffer.isBuffer(body) ? await this.parseRaw(body) : this.fromJson(body);
    return this.process(report);
  }

  /**
   * Applies a report that was already read: a raw one (inbound mail) or a sending service's
   * event mapped onto a report (provider webhooks). Idempotent by the report's key.
   */
  async process(report: ParsedReport): Promise<WebhookResultDto> {
    const result = await this.reports.handle('complaints', report, (m, s, ctx) =>
      this.apply(m, s, ctx),
    );
    if (!result.replayed)
      for (const s of result.signals) this.complaints.inc({ outcome: s.outcome });
    return result;
  }

  /** A raw report as this endpoint reads it; 400/422 domain errors for what it cannot read. */
  async parseRaw(body: Buffer): Promise<ParsedReport> {
    try {
      return await parseComplaintEmail(body, this.reports.domain);
    } catch (err) {
      if (err instanceof ReportTooComplexError) {
        throw new RuleViolationError(err.message, 'body', 'report_too_complex');
      }
      if (err instanceof ReportParseError) throw new InvalidInputError(err.message, 'body');
      throw err;
    }
  }

  private fromJson(body: unknown): ParsedReport {
    const dto = this.reports.validateJson(ComplaintJsonDto, body);
    if (!dto.recipient && !dto.messageId) {
      throw new InvalidInputError('Give recipient or messageId (or both)', 'recipient');
    }
    const feedbackType = dto.feedbackType ?? 'abuse';
    return {
      format: 'json',
      reportKey: this.reports.jsonReportKey(body as Record<string, unknown>, dto.id),
      ledgerId: this.reports.ledgerIdOf(dto.messageId),
      feedbackType,
      signals: [
        {
          type: complaintType(feedbackType),
          recipient: dto.recipient?.trim().toLowerCase() ?? null,
          action: null,
          status: null,
          diagnostic: `feedback-type: ${feedbackType}`,
        },
      ],
    };
  }

  private async apply(
    manager: EntityManager,
    s: MatchedSignal,
    ctx: ApplyContext,
  ): Promise<AppliedSignal> {
    if (s.type !== 'complaint') return { outcome: 'ignored', address: null };
    // Providers often redact the recipient; the subscriber of our matched message is authoritative.
    const subscriber = s.subscriber;
    if (!subscriber || !subscriber.email) return { outcome: 'unmatched', address: null };
    const address = subscriber.email;
    await this.status.complained(
      manager,
      subscriber.id,
      address,
      { reportId: ctx.reportId, messageId: s.messageId, feedbackType: ctx.report.feedbackType },
      ctx.now,
    );
    return { outcome: 'unsubscribed', address };
  }
}
