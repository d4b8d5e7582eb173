import { InjectQueue, WorkerHost } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import { laterAttemptAt } from '../send-window';
import { JobName, JobOf, JobPayloads, QueueName } from '../../platform/queue/queues';
import { TidingsProcessor } from '../../platform/queue/tidings-processor.decorator';
import type { AfterWorkersStopped } from '../../platform/queue/worker-runner.service';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { SubscriberStatusService } from '../../audience/subscribers/subscriber-status.service';
import { ChannelGroup, DeliveryChannels, EMAIL_CHANNEL } from './channels';
import { ClaimedMessage, ClaimRow, CLAIM_SQL, toClaimed } from './claimed-message';
import { recordDecisions } from './decisions';
import { DeliveryLease } from './delivery-lease';
import { HandOverResult, HandOverService } from './hand-over';
import { DELIVERY_JOB_OPTIONS } from './ledger.service';
import { MessageComposer } from './message-composer';
import { RenderingService } from '../rendering/rendering.service';
import type { Carry, MessageTransport, SendFailure, TransportOutcome } from './message-transport';
import { Outcome, OutcomeWriter } from './outcome-writer';
import { SendChecks, SendDecision } from './send-checks';
import type { PendingBuild } from './template-kind';
import { inTransaction } from '../../platform/database/transaction';

const MAX_RETRY_DELAY_MS = 3600_000;
const DELIVERY_LOCK_MS = 10_000;

/** A message the transport accepted, riding on its connection until it is recorded. */
class Accepted implements Carry {
  constructor(
    readonly outcome: Outcome,
    readonly recorded: () => void,
    private readonly write: (outcome: Outcome) => Promise<void>,
    private readonly failed: (err: unknown) => void,
  ) {}

  async flush(): Promise<void> {
    try {
      await this.write(this.outcome);
      this.recorded();
    } catch (err) {
      // Left `sending`: sent again once reclaimed (the one duplicate a connection can cause).
      this.failed(err);
    }
  }
}

/** The hand-over check could not be committed: the message was not handed to its transport. */
class HandOverNotRecorded extends Error {
  constructor(cause: unknown) {
    super('hand-over not recorded', { cause });
  }
}

/**
 * Sends batches of ledger rows: claim atomically under this process's lease, check consent,
 * suppression, pause, frequency and content mix for the batch, build each message with its
 * channel's template kind, then per message check consent, suppression and pause again and record
 * the hand-over immediately before its transport sends it (hand-over.ts; for SMTP, right before
 * the SMTP transaction), and record its outcome before the connection takes another message. A
 * crash can thus leave at most one message per SMTP connection delivered but unrecorded.
 */
// A job held by a worker that died comes back after its lock expires (BullMQ's stall check). A
// short lock costs nothing here: a job that runs twice finds its rows claimed already.
@TidingsProcessor(QueueName.Delivery, {
  concurrency: 4,
  lockDuration: DELIVERY_LOCK_MS,
  stalledInterval: DELIVERY_LOCK_MS / 2,
  maxStalledCount: 5,
})
export class DeliveryProcessor
  extends WorkerHost
  implements OnApplicationBootstrap, AfterWorkersStopped
{
  private readonly logger = new Logger('Delivery');
  private readonly delivery: AppConfig['delivery'];
  private readonly workersEnabled: boolean;
  private readonly outcomes;
  private readonly outcomeWriter: OutcomeWriter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Delivery)
    private readonly queue: Queue<JobPayloads[JobName.DeliverBatch]>,
    private readonly channels: DeliveryChannels,
    private readonly composer: MessageComposer,
    private readonly rendering: RenderingService,
    private readonly status: SubscriberStatusService,
    private readonly checks: SendChecks,
    private readonly lease: DeliveryLease,
    private readonly handOver: HandOverService,
    private readonly clock: Clock,
    metrics: MetricsService,
    config: ConfigService<AppConfig, true>,
  ) {
    super();
    this.outcomeWriter = new OutcomeWriter(dataSource);
    this.delivery = config.get('delivery', { infer: true });
    this.workersEnabled = config.get('workers', { infer: true }).enabled;
    this.outcomes = metrics.counter(
      'tidings_messages_total',
      'Ledger outcomes by kind and status',
      ['kind', 'status'],
    );
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.delivery.concurrency;
    if (this.workersEnabled) this.channels.start();
  }

  /** Messages the transports' connections delivered and still carry are recorded before shutdown. */
  async afterWorkersStopped(): Promise<void> {
    await this.channels.flush();
  }

  async process(job: JobOf<JobName.DeliverBatch>): Promise<{ claimed: number }> {
    switch (job.name) {
      case JobName.DeliverBatch:
        return this.deliverBatch(job.data.messageIds);
    }
  }

  async deliverBatch(ids: string[]): Promise<{ claimed: number }> {
    const lease = await this.lease.id();
    const now = this.clock.now();
    // One small query per batch: a version published before this claim is the one it renders.
    await this.rendering.refresh();
    const versions = JSON.stringify(Object.fromEntries(this.rendering.versions()));
    const rows = await queryRows<ClaimRow>(this.dataSource, CLAIM_SQL, [ids, now, lease, versions]);
    if (!rows.length) return { claimed: 0 };
    const claimed = rows.map(toClaimed);
    const decisions = await this.checks.decide(claimed, now);
    const prepared = await this.composer.prepare(
      claimed.filter((m) => !decisions.has(m.id)),
      now,
    );
    for (const [id, d] of prepared) decisions.set(id, d);
    await recordDecisions(this.dataSource, claimed, decisions);
    for (const m of claimed) this.count(m, decisions.get(m.id));
    const toSend = claimed.filter((m) => !decisions.has(m.id));
    await Promise.all(this.channels.route(toSend).map((group) => this.sendGroup(group)));
    return { claimed: claimed.length };
  }

  /**
   * Builds a channel's messages with its template kind and sends them through its transport, as
   * many at once as the transport takes. A channel no transport here delivers fails its messages.
   */
  private async sendGroup({ channel, messages, route }: ChannelGroup): Promise<void> {
    if (!route) {
      const error = `no transport for channel "${channel}"`;
      await Promise.all(messages.map((m) => this.finish(m, 'failed', { error })));
      return;
    }
    const { templates, transport } = route;
    const builds = templates.build(messages);
    let next = 0;
    const lanes = Array.from(
      { length: Math.min(transport.concurrency, messages.length) },
      async () => {
        while (next < messages.length) {
          const i = next++;
          await this.sendOne(messages[i], builds[i], transport);
        }
      },
    );
    await Promise.all(lanes);
  }

  /**
   * Builds, hands over and records one message. The hand-over check runs immediately before the
   * transport sends it (for SMTP with a connection held, right before the SMTP transaction), and
   * the connection takes no other message until this one's outcome is committed (SmtpPool.send).
   */
  private async sendOne<P>(
    m: ClaimedMessage,
    build: PendingBuild<P>,
    transport: MessageTransport<P>,
  ): Promise<void> {
    let payload: P;
    try {
      payload = await build();
    } catch (err) {
      // A template problem is permanent for this row; it was validated at load, so this is rare.
      this.logger.error({ err, messageId: m.id, template: m.template }, 'Rendering failed');
      await this.finish(m, 'failed', { error: `render: ${(err as Error).message}` });
      return;
    }
    let withheld: Exclude<HandOverResult, 'handed'> | null = null;
    let outcome: TransportOutcome;
    try {
      outcome = await transport.deliver(payload, {
        beforeSend: async (carried) => {
          // The connection's previous message is recorded by the same statement.
          const previous = carried instanceof Accepted ? carried : undefined;
          const result = await this.handOver.check(m, previous?.outcome).catch((err: unknown) => {
            throw new HandOverNotRecorded(err);
          });
          previous?.recorded();
          if (result === 'handed') return true;
          withheld = result;
          return false;
        },
        // Not recorded here: it rides on its connection until the next hand-over (or an idle
        // connection) records it. A database error then can never pass for a failed send.
        afterSend: (accepted) =>
          new Accepted(
            {
              id: m.id,
              status: 'sent',
              providerMessageId: accepted.providerMessageId,
              error: null,
              at: this.clock.now(),
            },
            () => this.outcomes.inc({ kind: m.kind, status: 'sent' }),
            (outcome) => this.outcomeWriter.record(outcome),
            (err) => this.logger.error({ err, messageId: m.id }, 'Outcome not recorded'),
          ),
      });
    } catch (err) {
      if (err instanceof HandOverNotRecorded) {
        // Not handed over. Its claim comes back to the queue through the dispatcher, which
        // reclaims claims that never reached their hand-over.
        this.logger.warn({ err: err.cause, messageId: m.id }, 'Hand-over not recorded; not sent');
        return;
      }
      // A transport reports its own failures as outcomes; anything else is taken as temporary.
      const message = String((err as Error)?.message ?? err).slice(0, 500);
      outcome = { status: 'failed', permanent: false, hardBounce: false, message };
    }
    if (outcome.status === 'failed') await this.sendFailed(m, outcome);
    else if (outcome.status === 'withheld' && withheld)
      this.count(m, withheld === 'lost' ? { status: 'lost' } : withheld);
  }

  private async sendFailed(m: ClaimedMessage, failure: SendFailure): Promise<void> {
    if (failure.permanent) {
      // The bounce first: whoever sees the message failed sees the address suppressed already.
      // Suppressions hold email addresses: on another channel a hard bounce fails its message.
      if (failure.hardBounce && m.channel === EMAIL_CHANNEL && m.email)
        await this.hardBounce(m, failure.message);
      await this.finish(m, 'failed', { error: failure.message });
    } else if (m.attempts >= this.delivery.maxAttempts) {
      await this.finish(m, 'failed', {
        error: `gave up after ${m.attempts} attempts: ${failure.message}`,
      });
    } else {
      await this.retryLater(m, failure.message);
    }
  }

  private count(m: ClaimedMessage, decision: SendDecision | { status: 'lost' } | undefined): void {
    if (decision) this.outcomes.inc({ kind: m.kind, status: decision.status });
  }

  /**
   * Records the outcome and resolves once it is committed; never rejects. An outcome that cannot
   * be committed (the database stayed away through the writer's retries) leaves the row
   * `sending`: it is logged, and the row is sent again once reclaimed.
   */
  private async finish(
    m: ClaimedMessage,
    status: 'sent' | 'failed',
    extra: { providerMessageId?: string; error?: string },
  ): Promise<void> {
    try {
      await this.outcomeWriter.record({
        id: m.id,
        status,
        providerMessageId: extra.providerMessageId ?? null,
        error: extra.error ?? null,
        at: this.clock.now(),
      });
    } catch (err) {
      this.logger.error({ err, messageId: m.id, status }, 'Outcome not recorded');
      return;
    }
    this.outcomes.inc({ kind: m.kind, status });
    if (status === 'failed')
      this.logger.warn({ messageId: m.id, error: extra.error }, 'Message failed');
  }

  /** Back to `queued` with exponential backoff; a delayed job brings it back, the dispatcher is the safety net. */
  private async retryLater(m: ClaimedMessage, error: string): Promise<void> {
    const now = this.clock.now().getTime();
    const backoffMs = Math.min(
      this.delivery.retryBaseMs * 2 ** (m.attempts - 1),
      MAX_RETRY_DELAY_MS,
    );
    // A notice or apology retried at night waits for its window, as its first attempt did.
    const retryAt = laterAttemptAt(new Date(now + backoffMs), m);
    const delayMs = retryAt.getTime() - now;
    await this.dataSource.query(
      `UPDATE outbound_messages
          SET status = 'queued', last_error = $2, claimed_at = NULL, claimed_by = NULL,
              handed_at = NULL, send_after = $3::timestamptz, enqueued_at = $3::timestamptz,
              enqueued_by = $4, updated_at = now()
        WHERE id = $1 AND status = 'sending'`,
      [m.id, error, retryAt, m.claimedBy],
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

  /** A hard bounce suppresses the address and marks the subscriber bounced (SubscriberStatusService). */
  private async hardBounce(m: ClaimedMessage, reason: string): Promise<void> {
    await inTransaction(this.dataSource, (manager) =>
      this.status.bounced(manager, m.email!, { messageId: m.id, reason }, m.subscriberId),
    );
    this.logger.log(
      { subscriberId: m.subscriberId, messageId: m.id },
      'Hard bounce: address suppressed',
    );
  }
}
