import { InjectQueue, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock';
import { JobName, JobOf, JobPayloads, QueueName } from '../common/queue/queues';
import { TidingsProcessor } from '../common/queue/tidings-processor.decorator';
import { AppConfig } from '../config/configuration';
import { queryRows } from '../database/sql';
import { MetricsService } from '../metrics/metrics.service';
import { SuppressionsService } from '../suppressions/suppressions.service';
import { ClaimedMessage, ClaimRow, CLAIM_SQL, toClaimed } from './claimed-message';
import { DELIVERY_JOB_OPTIONS } from './ledger.service';
import { ComposeThreads, PendingBuild } from './compose-threads';
import { MAIL_TRANSPORT, MailTransport } from './mail-transport';
import { MessageComposer } from './message-composer';
import { OutcomeWriter } from './outcome-writer';
import { baseDecision, SendCheckRegistry, SendDecision } from './send-checks';
import { classifySmtpError } from './smtp-errors';

const MAX_RETRY_DELAY_MS = 3600_000;
/** Sent messages whose outcome may be not yet committed before senders wait for the writer. */
const MAX_UNRECORDED = 20;

/**
 * Sends batches of ledger rows: claim atomically, re-check consent/suppression/pause at send time,
 * render, send over the pooled transport, and record each outcome right after its send (so a crash
 * loses at most the message in flight, and never re-sends one already recorded as sent).
 */
@TidingsProcessor(QueueName.Delivery, { concurrency: 4 })
export class DeliveryProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('Delivery');
  private readonly delivery: AppConfig['delivery'];
  private readonly poolSize: number;
  private readonly workersEnabled: boolean;
  private readonly outcomes;
  private readonly outcomeWriter: OutcomeWriter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Delivery)
    private readonly queue: Queue<JobPayloads[JobName.DeliverBatch]>,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    private readonly composer: MessageComposer,
    private readonly builder: ComposeThreads,
    private readonly suppressions: SuppressionsService,
    private readonly checks: SendCheckRegistry,
    private readonly clock: Clock,
    metrics: MetricsService,
    config: ConfigService<AppConfig, true>,
  ) {
    super();
    this.outcomeWriter = new OutcomeWriter(dataSource);
    this.delivery = config.get('delivery', { infer: true });
    this.poolSize = config.get('mail', { infer: true }).poolSize;
    this.workersEnabled = config.get('workers', { infer: true }).enabled;
    this.outcomes = metrics.counter(
      'tidings_messages_total',
      'Ledger outcomes by kind and status',
      ['kind', 'status'],
    );
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.delivery.concurrency;
    if (this.workersEnabled) this.builder.start();
  }

  async process(job: JobOf<JobName.DeliverBatch>): Promise<{ claimed: number }> {
    switch (job.name) {
      case JobName.DeliverBatch:
        return this.deliverBatch(job.data.messageIds);
    }
  }

  async deliverBatch(ids: string[]): Promise<{ claimed: number }> {
    const now = this.clock.now();
    const rows = await queryRows<ClaimRow>(this.dataSource, CLAIM_SQL, [ids, now]);
    if (!rows.length) return { claimed: 0 };
    const claimed = rows.map(toClaimed);
    const decisions = await this.decide(claimed, now);
    const prepared = await this.composer.prepare(
      claimed.filter((m) => !decisions.has(m.id)),
      now,
    );
    for (const [id, d] of prepared) decisions.set(id, d);
    await this.recordDecisions(claimed, decisions);
    const toSend = claimed.filter((m) => !decisions.has(m.id));
    const builds = this.builder.build(toSend);
    // Twice as many sends in flight as the SMTP pool has connections, so every connection stays
    // busy. Outcomes are committed in groups; the job ends only when all of its are.
    let next = 0;
    const writes: Promise<void>[] = [];
    const lanes = Array.from({ length: Math.min(this.poolSize * 2, toSend.length) }, async () => {
      while (next < toSend.length) {
        const i = next++;
        await this.sendOne(toSend[i], builds[i], writes);
      }
    });
    await Promise.all(lanes);
    await Promise.all(writes);
    return { claimed: claimed.length };
  }

  private async decide(messages: ClaimedMessage[], now: Date): Promise<Map<string, SendDecision>> {
    const suppressed = await this.suppressions.suppressedAmong(
      messages.map((m) => m.email).filter((e): e is string => !!e),
    );
    const decisions = new Map<string, SendDecision>();
    for (const m of messages) {
      const d = baseDecision(m, !!m.email && suppressed.has(m.email), now);
      if (d) decisions.set(m.id, d);
    }
    for (const check of this.checks.all()) {
      const remaining = messages.filter((m) => !decisions.has(m.id));
      if (!remaining.length) break;
      for (const [id, d] of await check.check(remaining, now)) decisions.set(id, d);
    }
    return decisions;
  }

  private async sendOne(
    m: ClaimedMessage,
    build: PendingBuild,
    writes: Promise<void>[],
  ): Promise<void> {
    let mail;
    try {
      mail = await build();
    } catch (err) {
      // A template problem is permanent for this row; it was validated at load, so this is rare.
      this.logger.error({ err, messageId: m.id, template: m.template }, 'Rendering failed');
      await this.finish(m, 'failed', { error: `render: ${(err as Error).message}` }, writes);
      return;
    }
    let sent;
    try {
      sent = await this.transport.sendBuilt(mail);
    } catch (err) {
      const failure = classifySmtpError(err);
      if (failure.permanent) {
        await this.finish(m, 'failed', { error: failure.message }, writes);
        if (failure.hardBounce && m.email) await this.hardBounce(m, failure.message);
      } else if (m.attempts >= this.delivery.maxAttempts) {
        await this.finish(
          m,
          'failed',
          { error: `gave up after ${m.attempts} attempts: ${failure.message}` },
          writes,
        );
      } else {
        await this.retryLater(m, failure.message);
      }
      return;
    }
    // Outside the try: a database error after the server accepted the message must not pass
    // for an SMTP failure and send it again.
    await this.finish(m, 'sent', { providerMessageId: sent.providerMessageId }, writes);
  }

  /** One statement for every message of the batch that is not to be sent. */
  private async recordDecisions(
    messages: ClaimedMessage[],
    decisions: Map<string, SendDecision>,
  ): Promise<void> {
    const deferred = messages.filter((m) => decisions.get(m.id)?.status === 'deferred');
    if (deferred.length) {
      // Back in the queue for later; the claim's attempt does not count. The dispatcher enqueues
      // each when its send_after comes.
      await this.dataSource.query(
        `UPDATE outbound_messages m
            SET status = 'queued', send_after = d.until, claimed_at = NULL, enqueued_at = NULL,
                attempts = GREATEST(m.attempts - 1, 0), updated_at = now()
           FROM unnest($1::uuid[], $2::timestamptz[]) AS d(id, until)
          WHERE m.id = d.id`,
        [
          deferred.map((m) => m.id),
          deferred.map((m) => (decisions.get(m.id) as { until: Date }).until.toISOString()),
        ],
      );
      for (const m of deferred) this.outcomes.inc({ kind: m.kind, status: 'deferred' });
    }
    const decided = messages.filter(
      (m) => decisions.has(m.id) && decisions.get(m.id)!.status !== 'deferred',
    );
    if (!decided.length) return;
    await this.dataSource.query(
      `UPDATE outbound_messages m SET status = d.status, skip_reason = d.reason, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS d(id, status, reason)
        WHERE m.id = d.id`,
      [
        decided.map((m) => m.id),
        decided.map((m) => decisions.get(m.id)!.status),
        decided.map((m) => {
          const d = decisions.get(m.id)!;
          return d.status === 'skipped' ? d.reason : null;
        }),
      ],
    );
    for (const m of decided) {
      this.outcomes.inc({ kind: m.kind, status: decisions.get(m.id)!.status });
    }
  }

  /**
   * Hands the outcome to the group-commit writer. The lane goes on sending unless more than
   * MAX_UNRECORDED outcomes are not yet durable: a crash can then leave at most that many, plus
   * the sends in flight, unrecorded (their claims go stale and they are sent again), and every
   * outcome is committed within milliseconds.
   */
  private async finish(
    m: ClaimedMessage,
    status: 'sent' | 'failed',
    extra: { providerMessageId?: string; error?: string },
    writes: Promise<void>[],
  ): Promise<void> {
    const written = this.outcomeWriter.record({
      id: m.id,
      status,
      providerMessageId: extra.providerMessageId ?? null,
      error: extra.error ?? null,
      at: this.clock.now(),
    });
    writes.push(written);
    this.outcomes.inc({ kind: m.kind, status });
    if (status === 'failed')
      this.logger.warn({ messageId: m.id, error: extra.error }, 'Message failed');
    if (this.outcomeWriter.backlog > MAX_UNRECORDED) await written;
  }

  /** Back to `queued` with exponential backoff; a delayed job brings it back, the dispatcher is the safety net. */
  private async retryLater(m: ClaimedMessage, error: string): Promise<void> {
    const delayMs = Math.min(this.delivery.retryBaseMs * 2 ** (m.attempts - 1), MAX_RETRY_DELAY_MS);
    await this.dataSource.query(
      `UPDATE outbound_messages
          SET status = 'queued', last_error = $2, claimed_at = NULL,
              send_after = $3::timestamptz, enqueued_at = $3::timestamptz, updated_at = now()
        WHERE id = $1`,
      [m.id, error, new Date(this.clock.now().getTime() + delayMs)],
    );
    await this.queue.add(
      JobName.DeliverBatch,
      { messageIds: [m.id] },
      { ...DELIVERY_JOB_OPTIONS, delay: delayMs },
    );
    this.logger.warn(
      { messageId: m.id, attempt: m.attempts, retryInMs: delayMs, error },
      'Temporary failure; will retry',
    );
  }

  /** A hard bounce suppresses the address and marks the subscriber bounced. */
  private async hardBounce(m: ClaimedMessage, reason: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.suppressions.suppress(
        m.email!,
        'hard_bounce',
        { messageId: m.id, reason },
        manager,
      );
      await manager.query(
        `UPDATE subscribers SET status = 'bounced', updated_at = now() WHERE id = $1 AND status IN ('active', 'pending')`,
        [m.subscriberId],
      );
    });
    this.logger.log(
      { subscriberId: m.subscriberId, messageId: m.id },
      'Hard bounce: address suppressed',
    );
  }
}
