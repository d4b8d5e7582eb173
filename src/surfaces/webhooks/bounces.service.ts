import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EntityManager } from 'typeorm';
import { InvalidInputError, RuleViolationError } from '../../platform/errors/domain-errors';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { SuppressionsService } from '../../audience/suppressions/suppressions.service';
import { SubscriberStatusService } from '../../audience/subscribers/subscriber-status.service';
import {
  classifyDsnRecipient,
  parseBounceEmail,
  ParsedReport,
  ReportParseError,
  ReportTooComplexError,
  SignalType,
} from './report-parser';
import {
  AppliedSignal,
  ApplyContext,
  MatchedSignal,
  WebhookReportsService,
} from './webhook-reports.service';
import { BounceJsonDto, JsonBounceType, WebhookResultDto } from './webhook.dto';

const JSON_TYPES: Record<JsonBounceType, SignalType> = {
  hard: 'hard_bounce',
  soft: 'soft_bounce',
  delayed: 'delayed',
  auto_reply: 'auto_reply',
};

/**
 * Bounce reports: a hard bounce suppresses the address and marks its subscriber bounced; soft
 * bounces are counted and suppress once SOFT_BOUNCE_LIMIT of them fall within the window; delays
 * are noted; auto-replies are ignored.
 */
@Injectable()
export class BouncesService {
  private readonly webhooks: AppConfig['webhooks'];
  private readonly bounces;

  constructor(
    private readonly reports: WebhookReportsService,
    private readonly suppressions: SuppressionsService,
    private readonly status: SubscriberStatusService,
    metrics: MetricsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.webhooks = config.get('webhooks', { infer: true });
    this.bounces = metrics.counter(
      'tidings_bounces_total',
      'Bounce webhook signals by type (hard_bounce, soft_bounce, delayed, auto_reply, other)',
      ['type'],
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
    const result = await this.reports.handle('bounces', report, (m, s, ctx) =>
      this.apply(m, s, ctx),
    );
    if (!result.replayed) for (const s of result.signals) this.bounces.inc({ type: s.type });
    return result;
  }

  /** A raw report as this endpoint reads it; 400/422 domain errors for what it cannot read. */
  async parseRaw(body: Buffer): Promise<ParsedReport> {
    try {
      return await parseBounceEmail(body, this.reports.domain);
    } catch (err) {
      if (!(err instanceof ReportParseError)) throw err;
      if (err instanceof ReportTooComplexError) {
        throw new RuleViolationError(err.message, 'body', 'report_too_complex');
      }
      if (err.message.includes('/v1/webhooks/complaints')) {
        throw new RuleViolationError(err.message, 'body', 'complaint_report');
      }
      throw new InvalidInputError(err.message, 'body');
    }
  }

  private fromJson(body: unknown): ParsedReport {
    const dto = this.reports.validateJson(BounceJsonDto, body);
    if (!dto.recipient && !dto.messageId) {
      throw new InvalidInputError('Give recipient or messageId (or both)', 'recipient');
    }
    if (!dto.type && !dto.status && !dto.action) {
      throw new InvalidInputError(
        'Give type (hard, soft, delayed, auto_reply), or a DSN status and action',
        'type',
      );
    }
    const fields = new Map<string, string>();
    if (dto.action) fields.set('action', dto.action);
    if (dto.status) fields.set('status', dto.status);
    if (dto.diagnostic) fields.set('diagnostic-code', dto.diagnostic);
    return {
      format: 'json',
      reportKey: this.reports.jsonReportKey(body as Record<string, unknown>, dto.id),
      ledgerId: this.reports.ledgerIdOf(dto.messageId),
      signals: [
        {
          type: dto.type ? JSON_TYPES[dto.type] : classifyDsnRecipient(fields),
          recipient: dto.recipient?.trim().toLowerCase() ?? null,
          action: dto.action ?? null,
          status: dto.status ?? null,
          diagnostic: dto.diagnostic ?? null,
        },
      ],
    };
  }

  private async apply(
    manager: EntityManager,
    s: MatchedSignal,
    ctx: ApplyContext,
  ): Promise<AppliedSignal> {
    if (s.type === 'auto_reply' || s.type === 'other' || s.type === 'complaint') {
      return { outcome: 'ignored', address: null };
    }
    // The report's recipient is the address that bounced, even if the subscriber changed theirs.
    const address = s.recipient ?? s.subscriber?.email ?? null;
    if (!address) return { outcome: 'unmatched', address: null };
    if (s.type === 'delayed') return { outcome: 'recorded', address };
    if (s.type === 'hard_bounce') {
      await this.suppress(manager, s, address, ctx, { status: s.status });
      return { outcome: 'suppressed', address };
    }
    // Soft: one transaction per address at a time, so two reports cannot both count below the limit.
    const hash = this.suppressions.hash(address);
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7))`, [hash]);
    const [{ n }] = await queryRows<{ n: number }>(
      manager,
      `SELECT count(*)::int AS n FROM delivery_signals
        WHERE address_hash = $1 AND type = 'soft_bounce' AND occurred_at > $2::timestamptz - make_interval(days => $3)`,
      [hash, ctx.now, this.webhooks.softBounceWindowDays],
    );
    const softBounces = n + 1;
    if (softBounces < this.webhooks.softBounceLimit) {
      return { outcome: 'counted', address, softBounces };
    }
    await this.suppress(manager, s, address, ctx, {
      rule: 'soft_bounce_limit',
      softBounces,
      windowDays: this.webhooks.softBounceWindowDays,
      status: s.status,
    });
    return { outcome: 'suppressed', address, softBounces };
  }

  /** Suppressed with reason hard_bounce; the subscriber is marked bounced if it is their address. */
  private suppress(
    manager: EntityManager,
    s: MatchedSignal,
    address: string,
    ctx: ApplyContext,
    details: Record<string, unknown>,
  ): Promise<void> {
    return this.status.bounced(
      manager,
      address,
      { reportId: ctx.reportId, messageId: s.messageId, ...details },
      s.subscriber?.id ?? null,
    );
  }
}
