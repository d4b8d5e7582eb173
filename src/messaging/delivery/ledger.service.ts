import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock';
import { JobName, JobPayloads, QueueName } from '../../platform/queue/queues';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { EMAIL_CHANNEL } from './channels';
import { MessageKind } from './outbound-message.entity';
import { ledgerInsertSql } from './ledger-statements';
import type { Locale } from '../../platform/locale';

export interface NewMessage {
  /** Unique per intended email; a second insert with the same key is ignored. */
  dedupeKey: string;
  subscriberId: string;
  topicId?: string | null;
  template: string;
  kind: MessageKind;
  /** The channel it goes out on (a transport and a template kind serve each); default `email`. */
  channel?: string;
  /** Template data fixed now (ids and facts, never the address). */
  data?: Record<string, unknown>;
  /** The locale to render it in; default the subscriber's at send time. */
  locale?: Locale | null;
  /** Content items the message carries ("who received which item" is read from the ledger). */
  contentItemIds?: string[];
  sendAfter?: Date;
  deadlineAt?: Date | null;
}

export interface InsertOptions {
  /** When the send was decided (created_at, and send_after unless given); default now. */
  at?: Date;
  /**
   * Mark the rows enqueued at `at`: the caller enqueues them itself right after its commit, and
   * the dispatcher leaves them alone until they look lost.
   */
  markEnqueued?: boolean;
}

/** A campaign's queued message that was cancelled: its slot may be given back. */
export interface CancelledMessage {
  subscriberId: string;
  createdAt: Date;
}

/**
 * The delivery queue's event stream is trimmed to this many entries (BullMQ keeps 10,000 by
 * default, about 600 KB, which made Redis memory grow with a campaign's size up to that cap).
 */
export const DELIVERY_QUEUE_OPTIONS = { streams: { events: { maxLen: 1000 } } } as const;

/** Completed delivery jobs are removed so Redis holds only work in flight. */
export const DELIVERY_JOB_OPTIONS = {
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3600 },
  attempts: 5,
  backoff: { type: 'exponential', delay: 5000 },
} as const;

@Injectable()
export class LedgerService {
  private readonly batchSize: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Delivery)
    private readonly delivery: Queue<
      JobPayloads[JobName.DeliverBatch],
      unknown,
      JobName.DeliverBatch
    >,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    this.batchSize = config.get('delivery', { infer: true }).batchSize;
  }

  /**
   * Writes ledger rows; rows whose dedupe key exists are ignored. Returns the ids of the rows that
   * were new. Call inside the caller's transaction, then `enqueue()` the ids after it commits (a
   * crash in between is harmless: the dispatcher finds rows that were never enqueued). The
   * set-based form, for fan-outs and scans, is `ledgerInsertSql` (ledger-statements.ts).
   */
  async insert(
    manager: EntityManager,
    messages: NewMessage[],
    options: InsertOptions = {},
  ): Promise<string[]> {
    if (!messages.length) return [];
    // created_at is when the send was decided; the frequency rule counts from it, so it comes
    // from the Clock like every other "when".
    const at = options.at ?? this.clock.now();
    const rows = await queryRows<{ id: string }>(
      manager,
      ledgerInsertSql({
        values: {
          dedupeKey: 'd.dedupe_key',
          subscriberId: 'd.subscriber_id',
          topicId: 'd.topic_id',
          template: 'd.template',
          kind: 'd.kind',
          channel: 'd.channel',
          data: 'd.data',
          locale: 'd.locale',
          // unnest() cannot take an array of arrays of different lengths: the ids travel joined.
          contentItemIds: `string_to_array(d.items, ',')::uuid[]`,
          sendAfter: 'd.send_after',
          deadlineAt: 'd.deadline_at',
          createdAt: '$10::timestamptz',
          ...(options.markEnqueued ? { enqueuedAt: '$10::timestamptz' } : {}),
        },
        from: `FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::jsonb[],
                           $7::text[], $8::timestamptz[], $9::timestamptz[], $11::text[], $12::text[])
                     AS d(dedupe_key, subscriber_id, topic_id, template, kind, data, items, send_after,
                          deadline_at, channel, locale)`,
        returning: 'm.id',
      }),
      [
        messages.map((m) => m.dedupeKey),
        messages.map((m) => m.subscriberId),
        messages.map((m) => m.topicId ?? null),
        messages.map((m) => m.template),
        messages.map((m) => m.kind),
        messages.map((m) => JSON.stringify(m.data ?? {})),
        messages.map((m) => m.contentItemIds?.join(',') ?? null),
        messages.map((m) => (m.sendAfter ?? at).toISOString()),
        messages.map((m) => m.deadlineAt?.toISOString() ?? null),
        at,
        messages.map((m) => m.channel ?? EMAIL_CHANNEL),
        messages.map((m) => m.locale ?? null),
      ],
    );
    return rows.map((r) => r.id);
  }

  /** Insert and enqueue in one step, for callers without a surrounding transaction. */
  async send(messages: NewMessage[]): Promise<string[]> {
    const ids = await this.dataSource.transaction((m) => this.insert(m, messages));
    await this.enqueue(ids);
    return ids;
  }

  /**
   * Adds delivery jobs carrying batches of ledger ids. Rows scheduled for later are left to the
   * dispatcher, which enqueues them when they come due.
   */
  async enqueue(ids: string[], options: { delayMs?: number } = {}): Promise<void> {
    if (!ids.length) return;
    const due = options.delayMs
      ? ids
      : (
          await this.dataSource.query<{ id: string }[]>(
            `SELECT id FROM outbound_messages WHERE id = ANY($1) AND status = 'queued' AND send_after <= $2`,
            [ids, this.clock.now()],
          )
        ).map((r) => r.id);
    for (const slice of this.slices(due)) {
      await this.addJobs(slice, options.delayMs);
      await this.dataSource.query(
        `UPDATE outbound_messages SET enqueued_at = $2, enqueued_by = NULL WHERE id = ANY($1)`,
        [slice, new Date(this.clock.now().getTime() + (options.delayMs ?? 0))],
      );
    }
  }

  /**
   * Adds delivery jobs for rows that the statement creating or selecting them already wrote as
   * due, queued and enqueued (`enqueued_at`, and `enqueued_by` the writer's lease): the campaign
   * fan-out, the dispatcher. Skipping the re-check and the second write of every row saved about
   * 37 ms of database time per 1,000 rows (bench:campaign). If the process dies before the jobs
   * are added, its lease goes with it and the dispatcher re-enqueues those rows.
   */
  async enqueueWritten(ids: string[]): Promise<void> {
    for (const slice of this.slices(ids)) await this.addJobs(slice);
  }

  /** Whether a row that was due at `at` is still waiting in the ledger (not yet taken by a worker). */
  async hasQueuedDueBy(at: Date): Promise<boolean> {
    const [{ waiting }] = await queryRows<{ waiting: boolean }>(
      this.dataSource,
      `SELECT EXISTS (SELECT 1 FROM outbound_messages WHERE status = 'queued' AND send_after <= $1) AS waiting`,
      [at],
    );
    return waiting;
  }

  /**
   * Stops a campaign's messages that are not yet sent: queued ones become `skipped: cancelled`
   * (returned, so their slots can be given back), and folded copies no longer go into digests.
   * Messages already being handed to SMTP finish.
   */
  async cancelCampaign(manager: EntityManager, campaignId: string): Promise<CancelledMessage[]> {
    const rows = await queryRows<{ subscriber_id: string; created_at: Date }>(
      manager,
      `UPDATE outbound_messages SET status = 'skipped', skip_reason = 'cancelled', updated_at = now()
        WHERE campaign_id = $1 AND status = 'queued'
        RETURNING subscriber_id, created_at`,
      [campaignId],
    );
    await manager.query(
      `UPDATE outbound_messages SET skip_reason = 'cancelled', updated_at = now()
        WHERE campaign_id = $1 AND status = 'skipped' AND skip_reason = 'folded'`,
      [campaignId],
    );
    return rows.map((r) => ({ subscriberId: r.subscriber_id, createdAt: r.created_at }));
  }

  /** A lifecycle rule's queued notices (keys `rule:...`, not its apologies) become skipped with `reason`. */
  async skipQueuedNotices(manager: EntityManager, ruleId: string, reason: string): Promise<void> {
    await manager.query(
      `UPDATE outbound_messages SET status = 'skipped', skip_reason = $2, updated_at = now()
        WHERE rule_id = $1 AND status = 'queued' AND dedupe_key LIKE 'rule:%'`,
      [ruleId, reason],
    );
  }

  /**
   * A date rule's queued notices for these subscribers whose anchor is no longer their date
   * become skipped: `date_removed` when the subscriber has no such date now (`anchor` null),
   * `date_changed` when it moved.
   */
  async skipMovedNotices(
    manager: EntityManager,
    ruleId: string,
    current: Array<{ subscriberId: string; anchor: string | null }>,
  ): Promise<void> {
    if (!current.length) return;
    await manager.query(
      `UPDATE outbound_messages o
          SET status = 'skipped', updated_at = now(),
              skip_reason = CASE WHEN c.anchor IS NULL THEN 'date_removed' ELSE 'date_changed' END
         FROM unnest($2::uuid[], $3::text[]) AS c(subscriber_id, anchor)
        WHERE o.subscriber_id = c.subscriber_id AND o.rule_id = $1 AND o.status = 'queued'
          AND o.dedupe_key LIKE 'rule:%'
          AND (o.data->'lifecycle'->>'anchor') IS DISTINCT FROM c.anchor`,
      [ruleId, current.map((c) => c.subscriberId), current.map((c) => c.anchor)],
    );
  }

  /**
   * Notices whose deadline passed undelivered (still queued, or failed) become `skipped:
   * deadline_missed`: at most `limit`, earliest deadline first, leaving rows another transaction
   * holds to the next sweep. Returns them with the status they had.
   */
  async skipPastDeadline(
    manager: EntityManager,
    now: Date,
    limit: number,
  ): Promise<Array<{ id: string; was: 'queued' | 'failed' }>> {
    return queryRows<{ id: string; was: 'queued' | 'failed' }>(
      manager,
      `WITH due AS (
         SELECT m.id, m.status AS was FROM outbound_messages m
          WHERE m.rule_id IS NOT NULL AND m.status IN ('queued', 'failed') AND m.deadline_at <= $1
          ORDER BY m.deadline_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED)
       UPDATE outbound_messages m
          SET status = 'skipped', skip_reason = 'deadline_missed', updated_at = now()
         FROM due WHERE m.id = due.id
       RETURNING m.id, due.was`,
      [now, limit],
    );
  }

  /** Up to 100 jobs' worth of ids per Redis round trip. */
  private *slices(ids: string[]): Generator<string[]> {
    for (let i = 0; i < ids.length; i += this.batchSize * 100) {
      yield ids.slice(i, i + this.batchSize * 100);
    }
  }

  private async addJobs(ids: string[], delayMs?: number): Promise<void> {
    const jobs = [];
    for (let j = 0; j < ids.length; j += this.batchSize) {
      jobs.push({
        name: JobName.DeliverBatch as const,
        data: { messageIds: ids.slice(j, j + this.batchSize) },
        opts: { ...DELIVERY_JOB_OPTIONS, delay: delayMs },
      });
    }
    await this.delivery.addBulk(jobs);
  }
}
