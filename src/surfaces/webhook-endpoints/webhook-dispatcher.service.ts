import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { EventOutbox } from '../../platform/events/event-outbox';
import { ADDRESS_EVENT_TYPES, EventType } from '../../platform/events/event-types';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { OnSchedulerTick } from '../../platform/scheduler/tick-handlers';
import { WebhookSecrets } from './webhook-secrets';
import {
  DELIVERY_ID_HEADER,
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
} from './webhook-signature';

/** Events moved from the outbox to deliveries per transaction. */
const FANOUT_BATCH = 1000;
/** Deliveries claimed at once, and the most batches one run sends before the next run goes on. */
const CLAIM_BATCH = 100;
/** Deliveries of one endpoint in one claimed batch at most. */
const PER_ENDPOINT = 25;
const MAX_BATCHES_PER_RUN = 20;
/** POSTs in flight at once per process. */
const CONCURRENCY = 8;
const MAX_RETRY_DELAY_MS = 6 * 3600_000;
/**
 * A claimed batch is held for as long as all of it may take (every lane's POSTs timing out one
 * after the other) and this margin; only then may another process attempt it again.
 */
const LEASE_MARGIN_MS = 60_000;
const LANE_ROUNDS = Math.ceil(CLAIM_BATCH / CONCURRENCY);

interface ClaimedDelivery {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: EventType;
  subscriber_id: string | null;
  data: Record<string, unknown>;
  occurred_at: Date;
  attempts: number;
  url: string;
  secret: string;
  email: string | null;
}

interface AttemptResult {
  ok: boolean;
  code: number | null;
  error: string | null;
}

/**
 * Webhooks out, driven from PostgreSQL: hands recorded events (`event_outbox`) to the endpoints
 * that want them as deliveries, then sends the due deliveries, each an HTTP POST signed with the
 * endpoint's secret. A batch is claimed by moving its `next_attempt_at` past the time all of it
 * may take, so an attempt whose process died is due again after that; a failed attempt is retried
 * with exponential backoff up to WEBHOOK_MAX_ATTEMPTS. At least once: an attempt that reached the
 * receiver but whose outcome was not recorded is sent again.
 */
@Injectable()
export class WebhookDispatcher {
  private readonly logger = new Logger('WebhooksOut');
  private readonly config: AppConfig['webhooksOut'];
  private readonly attempts;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: EventOutbox,
    private readonly clock: Clock,
    private readonly secrets: WebhookSecrets,
    metrics: MetricsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.config = config.get('webhooksOut', { infer: true });
    this.attempts = metrics.counter(
      'tidings_webhook_attempts_total',
      'Webhook delivery attempts by outcome: delivered, retry (failed, tried again), failed (gave up)',
      ['outcome'],
    );
  }

  /** One pass: every recorded event handed on, then due deliveries sent (a bounded number). */
  async run(): Promise<{ handedOn: number; attempted: number; delivered: number }> {
    let handedOn = 0;
    for (;;) {
      const moved = await this.fanOut();
      handedOn += moved;
      if (moved < FANOUT_BATCH) break;
    }
    let attempted = 0;
    let delivered = 0;
    for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
      const claimed = await this.claimDue();
      const results = await this.sendAll(claimed);
      attempted += claimed.length;
      delivered += results.filter((r) => r.ok).length;
      if (!claimed.length) break;
    }
    return { handedOn, attempted, delivered };
  }

  /**
   * Moves a batch of events from the outbox into deliveries for every enabled endpoint that wants
   * their type, in one transaction: an event leaves the outbox only with its deliveries written.
   * An event no endpoint wants is dropped.
   */
  private async fanOut(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const events = await this.outbox.take(manager, FANOUT_BATCH);
      if (!events.length) return 0;
      await manager.query(
        `INSERT INTO webhook_deliveries
                (endpoint_id, event_id, event_type, subscriber_id, data, occurred_at, next_attempt_at)
         SELECT w.id, e.id, e.type, e.subscriber_id, e.data::jsonb, e.occurred_at, $6
           FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::timestamptz[])
                WITH ORDINALITY AS e(id, type, subscriber_id, data, occurred_at, n)
           JOIN webhook_endpoints w ON w.enabled AND w.events && ARRAY['*', e.type]
          ORDER BY e.n, w.id`,
        [
          events.map((e) => e.id),
          events.map((e) => e.type),
          events.map((e) => e.subscriberId),
          events.map((e) => JSON.stringify(e.data)),
          events.map((e) => e.occurredAt),
          this.clock.now(),
        ],
      );
      return events.length;
    });
  }

  /** Claims due deliveries of enabled endpoints: the attempt is counted and leased. */
  private async claimDue(): Promise<ClaimedDelivery[]> {
    const now = this.clock.now();
    const leaseUntil = new Date(
      now.getTime() + LANE_ROUNDS * this.config.timeoutMs + LEASE_MARGIN_MS,
    );
    const rows = await queryRows<ClaimedDelivery>(
      this.dataSource,
      // At most PER_ENDPOINT of one endpoint per batch: one that is down cannot fill the batch.
      `WITH due AS (
         SELECT d.id FROM webhook_endpoints w
          CROSS JOIN LATERAL (
            SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
             WHERE d.endpoint_id = w.id AND d.status = 'pending' AND d.next_attempt_at <= $1
             ORDER BY d.next_attempt_at
             LIMIT $4
             FOR UPDATE SKIP LOCKED) d
          WHERE w.enabled
          ORDER BY d.next_attempt_at
          LIMIT $3),
       claimed AS (
         UPDATE webhook_deliveries d
            SET attempts = d.attempts + 1, last_attempt_at = $1, next_attempt_at = $2
           FROM due WHERE d.id = due.id
         RETURNING d.id, d.endpoint_id, d.event_id, d.event_type, d.subscriber_id, d.data,
                   d.occurred_at, d.attempts, d.created_at)
       SELECT c.*, w.url, w.secret, s.email
         FROM claimed c
         JOIN webhook_endpoints w ON w.id = c.endpoint_id
         LEFT JOIN audience_subscribers s ON s.id = c.subscriber_id
        ORDER BY c.created_at, c.id`,
      [now, leaseUntil, CLAIM_BATCH, PER_ENDPOINT],
    );
    return interleave(rows);
  }

  private async sendAll(claimed: ClaimedDelivery[]): Promise<AttemptResult[]> {
    const results: AttemptResult[] = new Array<AttemptResult>(claimed.length);
    let next = 0;
    const lanes = Array.from({ length: Math.min(CONCURRENCY, claimed.length) }, async () => {
      while (next < claimed.length) {
        const i = next++;
        results[i] = await this.attempt(claimed[i]);
        await this.record(claimed[i], results[i]);
      }
    });
    await Promise.all(lanes);
    return results;
  }

  private async attempt(d: ClaimedDelivery): Promise<AttemptResult> {
    let secret: string;
    try {
      secret = this.secrets.open(d.secret);
    } catch {
      return {
        ok: false,
        code: null,
        error: 'the secret cannot be read (was SECRET_KEY changed?)',
      };
    }
    const body = JSON.stringify(eventBody(d));
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Tidings-Webhooks',
          [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, body),
          [EVENT_ID_HEADER]: d.event_id,
          [EVENT_TYPE_HEADER]: d.event_type,
          [DELIVERY_ID_HEADER]: d.id,
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      await res.body?.cancel().catch(() => undefined);
      const ok = res.status >= 200 && res.status < 300;
      return { ok, code: res.status, error: ok ? null : `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, code: null, error: describeFetchError(err) };
    }
  }

  private async record(d: ClaimedDelivery, result: AttemptResult): Promise<void> {
    const now = this.clock.now();
    const gaveUp = !result.ok && d.attempts >= this.config.maxAttempts;
    const retryAt = new Date(
      now.getTime() + Math.min(this.config.retryBaseMs * 2 ** (d.attempts - 1), MAX_RETRY_DELAY_MS),
    );
    try {
      await this.dataSource.query(
        `UPDATE webhook_deliveries
            SET status = $2, last_response_code = $3, last_error = $4,
                delivered_at = CASE WHEN $2 = 'delivered' THEN $5::timestamptz END,
                next_attempt_at = CASE WHEN $2 = 'pending' THEN $6::timestamptz END
          WHERE id = $1 AND status = 'pending'`,
        [
          d.id,
          result.ok ? 'delivered' : gaveUp ? 'failed' : 'pending',
          result.code,
          result.error,
          now,
          retryAt,
        ],
      );
    } catch (err) {
      // Its lease runs out and the attempt is made again: at least once, never lost.
      this.logger.error({ err, deliveryId: d.id }, 'Webhook outcome not recorded');
      return;
    }
    this.attempts.inc({ outcome: result.ok ? 'delivered' : gaveUp ? 'failed' : 'retry' });
    if (!result.ok) {
      this.logger.warn(
        { deliveryId: d.id, endpointId: d.endpoint_id, attempts: d.attempts, error: result.error },
        gaveUp ? 'Webhook delivery failed; gave up' : 'Webhook delivery failed; will retry',
      );
    }
  }

  /** Delivered and failed deliveries older than WEBHOOK_RETENTION_DAYS are deleted. */
  @OnSchedulerTick('webhook-retention', { order: 60 })
  async removeOld(now: Date): Promise<{ removed: number }> {
    const before = new Date(now.getTime() - this.config.retentionDays * 86_400_000);
    const rows = await queryRows<{ id: string }>(
      this.dataSource,
      `DELETE FROM webhook_deliveries WHERE id IN (
         SELECT id FROM webhook_deliveries WHERE status <> 'pending' AND created_at < $1 LIMIT 10000)
       RETURNING id`,
      [before],
    );
    return { removed: rows.length };
  }
}

/**
 * What the receiver gets. The address is read as the delivery is sent, and only for the types
 * that need it: an erased subscriber has none, so their events carry none, also those recorded
 * before the erasure.
 */
export function eventBody(d: {
  event_id: string;
  event_type: EventType;
  occurred_at: Date;
  data: Record<string, unknown>;
  email: string | null;
}): Record<string, unknown> {
  const data = ADDRESS_EVENT_TYPES.has(d.event_type) ? { ...d.data, email: d.email } : d.data;
  return {
    id: d.event_id,
    type: d.event_type,
    occurredAt: new Date(d.occurred_at).toISOString(),
    data,
  };
}

/**
 * One endpoint's deliveries after another's, in turns (the first of each, then the second of
 * each, ...), so the lanes do not all wait on one endpoint that does not answer.
 */
export function interleave<T extends { endpoint_id: string }>(rows: T[]): T[] {
  const turn = new Map<string, number>();
  return rows
    .map((row, i) => {
      const n = turn.get(row.endpoint_id) ?? 0;
      turn.set(row.endpoint_id, n + 1);
      return { row, n, i };
    })
    .sort((a, b) => a.n - b.n || a.i - b.i)
    .map((x) => x.row);
}

function describeFetchError(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `${e?.message ?? String(err)}${cause ? `: ${cause}` : ''}`.slice(0, 500);
}
