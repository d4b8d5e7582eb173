import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock';
import { sha256Hex } from '../../platform/crypto';
import { maskEmail, normaliseEmail } from '../../platform/email';
import { InvalidInputError } from '../../platform/errors/domain-errors';
import { flattenValidationErrors } from '../../platform/http/validation';
import { isUuid } from '../../platform/ids';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { MetricsService } from '../../platform/metrics/metrics.service';
import type { SubscriberStatus } from '../../audience/subscribers/subscriber.entity';
import { SuppressionsService } from '../../audience/suppressions/suppressions.service';
import { ledgerIdFromMessageIds, ParsedReport, RecipientSignal } from './report-parser';
import { SignalResultDto, WebhookResultDto } from './webhook.dto';
import { inTransaction } from '../../platform/database/transaction';

export type Endpoint = 'bounces' | 'complaints';
export type SignalOutcome =
  'suppressed' | 'counted' | 'recorded' | 'ignored' | 'unsubscribed' | 'unmatched';

/** A recipient signal with the ledger row and subscriber it was matched to. */
export interface MatchedSignal extends RecipientSignal {
  matchedBy: 'message' | 'recipient' | 'none';
  messageId: string | null;
  subscriber: { id: string; email: string | null; status: SubscriberStatus } | null;
}

export interface AppliedSignal {
  outcome: SignalOutcome;
  /** The address acted on (suppressed, counted); stored only as its keyed hash. */
  address: string | null;
  softBounces?: number;
}

export interface ApplyContext {
  reportId: string;
  now: Date;
  report: ParsedReport;
}

export type ApplySignal = (
  manager: EntityManager,
  signal: MatchedSignal,
  ctx: ApplyContext,
) => Promise<AppliedSignal>;

/** Bounces without a Message-ID are attributed to the last message sent this long before. */
const RECIPIENT_ATTRIBUTION_DAYS = 7;

/**
 * The shared part of the bounce and complaint webhooks: one transaction per report that records
 * it under its key (a replay finds the key and changes nothing), matches each recipient to the
 * ledger (by our Message-ID) or to a subscriber (by address), applies the outcome and stores one
 * signal per recipient.
 */
@Injectable()
export class WebhookReportsService {
  private readonly logger = new Logger('Webhooks');
  private readonly mailDomain: string;
  private readonly reports;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly suppressions: SuppressionsService,
    private readonly clock: Clock,
    metrics: MetricsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.mailDomain = config.get('mail', { infer: true }).domain;
    this.reports = metrics.counter(
      'tidings_webhook_reports_total',
      'Bounce and complaint reports received, by endpoint and whether they were new or replays',
      ['endpoint', 'result'],
    );
  }

  get domain(): string {
    return this.mailDomain;
  }

  async handle(
    endpoint: Endpoint,
    report: ParsedReport,
    apply: ApplySignal,
  ): Promise<WebhookResultDto> {
    const now = this.clock.now();
    const result = await inTransaction(this.dataSource, async (manager) => {
      const [claimed] = await queryRows<{ id: string }>(
        manager,
        `INSERT INTO webhook_reports (endpoint, report_key, format, received_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (endpoint, report_key) DO NOTHING RETURNING id`,
        [endpoint, report.reportKey, report.format, now],
      );
      if (!claimed) return this.replay(manager, endpoint, report.reportKey);
      const ctx: ApplyContext = { reportId: claimed.id, now, report };
      const signals: SignalResultDto[] = [];
      for (const signal of report.signals) {
        const matched = await this.match(manager, report.ledgerId, signal, now);
        const applied = await apply(manager, matched, ctx);
        await this.store(manager, ctx, matched, applied);
        signals.push({
          type: matched.type,
          outcome: applied.outcome,
          matchedBy: matched.matchedBy,
          messageId: matched.messageId,
          subscriberId: matched.subscriber?.id ?? null,
          status: matched.status,
          ...(applied.softBounces !== undefined ? { softBounces: applied.softBounces } : {}),
        });
      }
      await manager.query(`UPDATE webhook_reports SET result = $2 WHERE id = $1`, [
        claimed.id,
        JSON.stringify({ signals }),
      ]);
      return { reportId: claimed.id, replayed: false, format: report.format, signals };
    });
    this.reports.inc({ endpoint, result: result.replayed ? 'replayed' : 'processed' });
    this.logger.log(
      {
        endpoint,
        reportId: result.reportId,
        replayed: result.replayed,
        signals: result.signals.map((s) => ({
          type: s.type,
          outcome: s.outcome,
          subscriberId: s.subscriberId,
          messageId: s.messageId,
        })),
      },
      result.replayed ? 'Report replayed; nothing changed' : 'Report processed',
    );
    return result;
  }

  /** Validates a JSON report against its DTO; 400 naming the field. */
  validateJson<T extends object>(cls: new () => T, body: unknown): T {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidInputError('The body must be a JSON object', 'body');
    }
    const dto = plainToInstance(cls, body);
    const errors = validateSync(dto, { whitelist: true, forbidNonWhitelisted: true });
    if (errors.length) {
      const fields = flattenValidationErrors(errors);
      throw new InvalidInputError(
        fields.map((f) => `${f.field}: ${f.message}`).join('; '),
        fields[0].field,
      );
    }
    return dto;
  }

  /** Identifies a JSON report: the provider's event id, or a hash of its sorted content. */
  jsonReportKey(body: Record<string, unknown>, id?: string): string {
    if (id) return `id:${id}`;
    const sorted = Object.fromEntries(Object.entries(body).sort(([a], [b]) => a.localeCompare(b)));
    return `sha256:${sha256Hex(JSON.stringify(sorted))}`;
  }

  /** A ledger id from a JSON `messageId`: the bare id or `<id@our mail domain>`. */
  ledgerIdOf(messageId: string | undefined): string | null {
    if (!messageId) return null;
    const bare = messageId.trim();
    if (isUuid(bare)) return bare.toLowerCase();
    return ledgerIdFromMessageIds(bare, this.mailDomain);
  }

  private async replay(
    manager: EntityManager,
    endpoint: Endpoint,
    reportKey: string,
  ): Promise<WebhookResultDto> {
    const [row] = await queryRows<{
      id: string;
      format: string;
      result: { signals?: SignalResultDto[] };
    }>(
      manager,
      `SELECT id, format, result FROM webhook_reports WHERE endpoint = $1 AND report_key = $2`,
      [endpoint, reportKey],
    );
    return {
      reportId: row.id,
      replayed: true,
      format: row.format,
      signals: row.result.signals ?? [],
    };
  }

  private async match(
    manager: EntityManager,
    ledgerId: string | null,
    signal: RecipientSignal,
    now: Date,
  ): Promise<MatchedSignal> {
    if (ledgerId) {
      const [row] = await queryRows<{
        id: string;
        subscriber_id: string;
        email: string | null;
        status: SubscriberStatus | null;
      }>(
        manager,
        `SELECT m.id, m.subscriber_id, s.email, s.status
           FROM messaging_ledger_messages m LEFT JOIN audience_subscribers s ON s.id = m.subscriber_id
          WHERE m.id = $1`,
        [ledgerId],
      );
      if (row) {
        return {
          ...signal,
          matchedBy: 'message',
          messageId: row.id,
          subscriber: { id: row.subscriber_id, email: row.email, status: row.status ?? 'erased' },
        };
      }
    }
    if (signal.recipient) {
      const [subscriber] = await queryRows<{ id: string; email: string; status: SubscriberStatus }>(
        manager,
        `SELECT id, email, status FROM audience_subscribers WHERE email = $1`,
        [normaliseEmail(signal.recipient)],
      );
      if (subscriber) {
        const [last] = await queryRows<{ id: string }>(
          manager,
          // 'sending' too: outcomes are committed in small groups, and a fast bounce can arrive
          // a few milliseconds before its message is recorded as sent.
          `SELECT id FROM messaging_ledger_messages
            WHERE subscriber_id = $1 AND status IN ('sent', 'sending')
              AND coalesce(sent_at, claimed_at) <= $2
              AND coalesce(sent_at, claimed_at) > $2::timestamptz - make_interval(days => $3)
            ORDER BY coalesce(sent_at, claimed_at) DESC LIMIT 1`,
          [subscriber.id, now, RECIPIENT_ATTRIBUTION_DAYS],
        );
        return { ...signal, matchedBy: 'recipient', messageId: last?.id ?? null, subscriber };
      }
    }
    return { ...signal, matchedBy: 'none', messageId: null, subscriber: null };
  }

  private async store(
    manager: EntityManager,
    ctx: ApplyContext,
    s: MatchedSignal,
    applied: AppliedSignal,
  ): Promise<void> {
    const address = applied.address ?? s.recipient;
    await manager.query(
      `INSERT INTO delivery_signals (report_id, type, outcome, matched_by, message_id, subscriber_id,
                                     address_hash, status_code, action, diagnostic, occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        ctx.reportId,
        s.type,
        applied.outcome,
        s.matchedBy,
        s.messageId,
        s.subscriber?.id ?? null,
        address ? this.suppressions.hash(address) : null,
        s.status,
        s.action,
        maskDiagnostic(s.diagnostic),
        ctx.now,
      ],
    );
  }
}

/** Diagnostics often quote the address; keep the text, mask the mailbox. */
export function maskDiagnostic(text: string | null): string | null {
  if (!text) return null;
  return text
    .replace(/[^\s<>;:"'()[\]]+@[^\s<>;:"'()[\]]+/g, (address) => maskEmail(address))
    .slice(0, 1000);
}
