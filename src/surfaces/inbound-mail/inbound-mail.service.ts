import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { simpleParser } from 'mailparser';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import type { AppConfig } from '../../platform/config/configuration';
import { sha256Hex } from '../../platform/crypto';
import { queryRows } from '../../platform/database/sql';
import { inTransaction } from '../../platform/database/transaction';
import { DomainError, GoneError } from '../../platform/errors/domain-errors';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { TokenClaims, TokensService } from '../../platform/tokens/tokens.service';
import type { ChangeContext } from '../../audience/subscribers/subscriptions.service';
import { UnsubscribeService } from '../preference-center/unsubscribe.service';
import { BouncesService } from '../webhooks/bounces.service';
import { ComplaintsService } from '../webhooks/complaints.service';
import type { WebhookResultDto } from '../webhooks/webhook.dto';
import { InboundKind, inboundRecipient, tokenCandidates } from './inbound-addresses';

export type InboundVia = 'smtp' | 'imap';

/** What became of one inbound message. */
export interface InboundResult {
  kind: InboundKind;
  /**
   * unsubscribe: `unsubscribed`, `already_unsubscribed`, `no_token`, `invalid_token`,
   * `expired_token`; report: `processed` (see the report's signals) or `unreadable`.
   * `replayed` is true when the message had been handled before; nothing changed then.
   */
  outcome: string;
  replayed: boolean;
  subscriberId: string | null;
  report: WebhookResultDto | null;
}

/** Where a message was addressed: the envelope's recipients (SMTP) or its headers (IMAP). */
export interface InboundAddressing {
  kind: InboundKind;
  tag: string | null;
}

const MAILTO: Omit<ChangeContext, 'details'> = {
  source: 'one_click',
  via: 'an email to the List-Unsubscribe mailto: address',
};

/**
 * Inbound mail, from the SMTP listener or the IMAP poller: a message to the mailto:
 * List-Unsubscribe address unsubscribes as the one-click link of the same email does (matched by
 * the signed token in its subject or plus address); a message to the bounce address is a report
 * for the bounce handling (DSN) or the complaint handling (ARF). Each message is handled once per
 * message key (its Message-ID, else a hash of it).
 */
@Injectable()
export class InboundMailService {
  private readonly logger = new Logger('InboundMail');
  private readonly ours: { unsubscribeAddress: string; bounceAddress: string };
  private readonly received;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: TokensService,
    private readonly unsubscribe: UnsubscribeService,
    private readonly bounces: BouncesService,
    private readonly complaints: ComplaintsService,
    private readonly clock: Clock,
    metrics: MetricsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.ours = config.get('inbound', { infer: true });
    this.received = metrics.counter(
      'tidings_inbound_messages_total',
      'Inbound mail handled, by path (smtp, imap), kind (unsubscribe, report) and outcome',
      ['via', 'kind', 'outcome'],
    );
  }

  /** Our address kind for an envelope recipient, or null (the listener refuses it). */
  recipient(address: string): InboundAddressing | null {
    return inboundRecipient(address, this.ours);
  }

  /**
   * Handles one message. `addressing` comes from the SMTP envelope; without it (IMAP) the
   * message's own recipient headers and content decide.
   */
  async receive(
    raw: Buffer,
    via: InboundVia,
    addressing?: InboundAddressing[],
  ): Promise<InboundResult[]> {
    // Only the header block decides here (subject, Message-ID, Content-Type, recipients); a report
    // is parsed in full, within its limits, by the bounce or complaint handling.
    const head = headerBlock(raw);
    const mail = await simpleParser(Buffer.concat([head, Buffer.from('\r\n\r\n')]), {
      skipHtmlToText: true,
      skipTextLinks: true,
      skipImageLinks: true,
    }).catch(() => null);
    const targets = addressing?.length ? addressing : this.addressingOf(head, mail);
    const messageKey = mail?.messageId
      ? `msgid:${mail.messageId}`
      : `sha256:${sha256Hex(raw.toString('latin1'))}`;
    const results: InboundResult[] = [];
    for (const kind of ['unsubscribe', 'report'] as const) {
      const tags = targets.filter((t) => t.kind === kind).map((t) => t.tag);
      if (!tags.length) continue;
      const result =
        kind === 'unsubscribe'
          ? await this.unsubscribeBy(`unsubscribe:${messageKey}`, via, [
              ...tags,
              mail?.subject ?? null,
            ])
          : await this.report(`report:${messageKey}`, via, raw);
      this.received.inc({ via, kind, outcome: result.replayed ? 'replayed' : result.outcome });
      this.logger.log(
        {
          via,
          kind,
          outcome: result.outcome,
          replayed: result.replayed,
          subscriberId: result.subscriberId,
          reportId: result.report?.reportId ?? null,
        },
        'Inbound mail handled',
      );
      results.push(result);
    }
    return results;
  }

  /**
   * Without an envelope: a report (multipart/report) goes to the report handling; a message to
   * the unsubscribe address or with a valid-looking token in its subject is an unsubscribe;
   * anything else in the mailbox is treated as mail to the bounce address.
   */
  private addressingOf(
    head: Buffer,
    mail: Awaited<ReturnType<typeof simpleParser>> | null,
  ): InboundAddressing[] {
    const contentType = mail?.headers.get('content-type') as { value?: string } | undefined;
    if (contentType?.value?.toLowerCase() === 'multipart/report') {
      return [{ kind: 'report', tag: null }];
    }
    const addresses = [
      ...head
        .toString('latin1')
        .matchAll(/^(?:to|cc|delivered-to|x-original-to|envelope-to):(.*(?:\r?\n[ \t].*)*)/gim),
    ].flatMap((m) => m[1].match(/[^\s<>,;:"()]+@[^\s<>,;:"()]+/g) ?? []);
    for (const address of addresses) {
      const r = this.recipient(address);
      if (r?.kind === 'unsubscribe') return [r];
    }
    if (/^\s*(re:\s*)*unsubscribe\b/i.test(mail?.subject ?? '')) {
      return [{ kind: 'unsubscribe', tag: null }];
    }
    return [{ kind: 'report', tag: null }];
  }

  private async unsubscribeBy(
    key: string,
    via: InboundVia,
    texts: Array<string | null>,
  ): Promise<InboundResult> {
    const now = this.clock.now();
    let claims: TokenClaims | null = null;
    let refused: 'no_token' | 'invalid_token' | 'expired_token' = 'no_token';
    for (const token of tokenCandidates(...texts)) {
      try {
        claims = this.tokens.verify(token, 'unsubscribe', now);
        break;
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        refused = err instanceof GoneError ? 'expired_token' : 'invalid_token';
      }
    }
    // Per subscriber too: another message that reuses a Message-ID cannot stand in for this one.
    const messageKey = claims ? `${key}:${claims.subscriberId}` : key;
    return inTransaction(this.dataSource, async (m) => {
      const claimed = await this.claim(m, messageKey, via, 'unsubscribe', now);
      if (!claimed) return this.replay(m, messageKey, 'unsubscribe');
      if (!claims) {
        await this.record(m, claimed, refused, null, null);
        return {
          kind: 'unsubscribe',
          outcome: refused,
          replayed: false,
          subscriberId: null,
          report: null,
        };
      }
      const result = await this.unsubscribe.unsubscribeIn(
        m,
        claims,
        { ...MAILTO, details: { inboundMessageId: claimed, via } },
        now,
      );
      const outcome = result.changed ? 'unsubscribed' : 'already_unsubscribed';
      await this.record(m, claimed, outcome, claims.subscriberId, null);
      return {
        kind: 'unsubscribe',
        outcome,
        replayed: false,
        subscriberId: claims.subscriberId,
        report: null,
      };
    });
  }

  /**
   * A report: applied by the bounce or complaint handling, which is idempotent by the report's
   * own key, then recorded here (a crash in between only makes the next delivery a replay there).
   */
  private async report(key: string, via: InboundVia, raw: Buffer): Promise<InboundResult> {
    const [seen] = await queryRows<{ id: string }>(
      this.dataSource.manager,
      `SELECT id FROM inbound_messages WHERE message_key = $1`,
      [key],
    );
    if (seen) return this.replay(this.dataSource.manager, key, 'report');
    let report: WebhookResultDto | null = null;
    let outcome = 'processed';
    try {
      report = await this.bounces.process(await this.bounces.parseRaw(raw));
    } catch (err) {
      if (err instanceof DomainError && err.code === 'complaint_report') {
        report = await this.complaints.process(await this.complaints.parseRaw(raw));
      } else if (err instanceof DomainError) {
        // Not a report we can read; answering with an error would only make a second bounce.
        outcome = 'unreadable';
      } else {
        throw err;
      }
    }
    const subscriberId = report?.signals.find((s) => s.subscriberId)?.subscriberId ?? null;
    await inTransaction(this.dataSource, async (m) => {
      const claimed = await this.claim(m, key, via, 'report', this.clock.now());
      if (claimed) await this.record(m, claimed, outcome, subscriberId, report?.reportId ?? null);
    });
    return { kind: 'report', outcome, replayed: report?.replayed ?? false, subscriberId, report };
  }

  private async claim(
    m: DataSource['manager'],
    key: string,
    via: InboundVia,
    kind: InboundKind,
    now: Date,
  ): Promise<string | null> {
    const [row] = await queryRows<{ id: string }>(
      m,
      `INSERT INTO inbound_messages (message_key, via, kind, outcome, received_at)
       VALUES ($1, $2, $3, 'pending', $4)
       ON CONFLICT (message_key) DO NOTHING RETURNING id`,
      [key, via, kind, now],
    );
    return row?.id ?? null;
  }

  private async record(
    m: DataSource['manager'],
    id: string,
    outcome: string,
    subscriberId: string | null,
    reportId: string | null,
  ): Promise<void> {
    await m.query(
      `UPDATE inbound_messages SET outcome = $2, subscriber_id = $3, report_id = $4 WHERE id = $1`,
      [id, outcome, subscriberId, reportId],
    );
  }

  private async replay(
    m: DataSource['manager'],
    key: string,
    kind: InboundKind,
  ): Promise<InboundResult> {
    const [row] = await queryRows<{ outcome: string; subscriber_id: string | null }>(
      m,
      `SELECT outcome, subscriber_id FROM inbound_messages WHERE message_key = $1`,
      [key],
    );
    return {
      kind,
      outcome: row?.outcome ?? 'pending',
      replayed: true,
      subscriberId: row?.subscriber_id ?? null,
      report: null,
    };
  }
}

/** A header block longer than this is cut (a real one is a few kilobytes). */
const MAX_HEADER_BYTES = 64 * 1024;

/** The message's header block, without the blank line that ends it. */
export function headerBlock(raw: Buffer): Buffer {
  const window = raw.subarray(0, MAX_HEADER_BYTES);
  const crlf = window.indexOf('\r\n\r\n');
  const lf = window.indexOf('\n\n');
  const ends = [crlf, lf].filter((i) => i >= 0);
  return ends.length ? window.subarray(0, Math.min(...ends)) : window;
}
