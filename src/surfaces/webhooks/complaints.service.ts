import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { InvalidInputError, RuleViolationError } from '../../platform/errors/domain-errors';
import { ConsentService } from '../../audience/consent/consent.service';
import { DEFAULT_WORDING_VERSION, defaultWording } from '../../audience/consent/wording';
import { queryRows } from '../../platform/database/sql';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { SuppressionsService } from '../../audience/suppressions/suppressions.service';
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
 * subscriber status becomes `complained`, and the address is suppressed.
 */
@Injectable()
export class ComplaintsService {
  private readonly complaints;

  constructor(
    private readonly reports: WebhookReportsService,
    private readonly suppressions: SuppressionsService,
    private readonly consent: ConsentService,
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
    const result = await this.reports.handle('complaints', report, (m, s, ctx) =>
      this.apply(m, s, ctx),
    );
    if (!result.replayed)
      for (const s of result.signals) this.complaints.inc({ outcome: s.outcome });
    return result;
  }

  private async parseRaw(body: Buffer): Promise<ParsedReport> {
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
    await this.suppressions.suppress(
      address,
      'complaint',
      { reportId: ctx.reportId, messageId: s.messageId, feedbackType: ctx.report.feedbackType },
      manager,
    );
    const [locked] = await queryRows<{ status: string }>(
      manager,
      `SELECT status FROM subscribers WHERE id = $1 FOR NO KEY UPDATE`,
      [subscriber.id],
    );
    if (!locked || locked.status === 'erased') return { outcome: 'unsubscribed', address };
    const left = await queryRows<{ topic_id: string }>(
      manager,
      `UPDATE subscriptions SET status = 'unsubscribed', unsubscribed_at = $2, updated_at = now()
        WHERE subscriber_id = $1 AND status <> 'unsubscribed' RETURNING topic_id`,
      [subscriber.id, ctx.now],
    );
    if (left.length || locked.status !== 'complained') {
      await this.consent.record(manager, [
        {
          subscriberId: subscriber.id,
          action: 'opt_out',
          topicId: null,
          wording: defaultWording('opt_out', {
            via: 'a spam complaint reported by their mailbox provider',
          }),
          wordingVersion: DEFAULT_WORDING_VERSION,
          source: 'system',
          details: {
            reason: 'complaint',
            reportId: ctx.reportId,
            messageId: s.messageId,
            feedbackType: ctx.report.feedbackType ?? null,
            topicsLeft: left.length,
          },
          occurredAt: ctx.now,
        },
      ]);
    }
    await manager.query(
      `UPDATE subscribers SET status = 'complained', updated_at = now() WHERE id = $1`,
      [subscriber.id],
    );
    return { outcome: 'unsubscribed', address };
  }
}
