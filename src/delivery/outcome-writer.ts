import { DataSource } from 'typeorm';

export interface Outcome {
  id: string;
  status: 'sent' | 'failed';
  providerMessageId: string | null;
  error: string | null;
  at: Date;
}

interface Waiting {
  outcome: Outcome;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const MAX_TRIES = 3;
const RETRY_DELAY_MS = 200;
/** How long the first outcome waits for company; a lane waits at most this plus one write. */
const GATHER_MS = 5;
const GATHER_MAX = 200;

/**
 * Records send outcomes with group commit: outcomes arriving within a few milliseconds, or while
 * a write is in progress, go into one statement, so the database sees one statement per few
 * dozen messages instead of one per message. `backlog` tells how many are not yet durable; the
 * delivery processor stops sending while it is above its bound, which bounds what a crash could
 * leave unrecorded (and send again after the claim goes stale).
 */
export class OutcomeWriter {
  private pending: Waiting[] = [];
  private writing = false;
  private timer: NodeJS.Timeout | null = null;
  private inWrite = 0;

  constructor(private readonly dataSource: DataSource) {}

  /** Outcomes handed over and not yet committed. */
  get backlog(): number {
    return this.pending.length + this.inWrite;
  }

  record(outcome: Outcome): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ outcome, resolve, reject });
      if (this.writing) return;
      if (this.pending.length >= GATHER_MAX) {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        void this.drain();
      } else if (!this.timer) {
        this.timer = setTimeout(() => {
          this.timer = null;
          void this.drain();
        }, GATHER_MS);
      }
    });
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0);
        this.inWrite = batch.length;
        try {
          await this.write(batch.map((w) => w.outcome));
          for (const w of batch) w.resolve();
        } catch (err) {
          for (const w of batch) w.reject(err);
        } finally {
          this.inWrite = 0;
        }
      }
    } finally {
      this.writing = false;
    }
  }

  /** One statement: the ledger rows, and the last delivery of each subscription that got one. */
  private async write(outcomes: Outcome[], attempt = 1): Promise<void> {
    try {
      await this.dataSource.query(
        `WITH d AS (
           SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
                    AS d(id, status, provider_message_id, error, at)),
         done AS (
           UPDATE outbound_messages m
              SET status = d.status, provider_message_id = d.provider_message_id,
                  last_error = d.error, sent_at = CASE WHEN d.status = 'sent' THEN d.at END,
                  updated_at = now()
             FROM d WHERE m.id = d.id
           RETURNING m.subscriber_id, m.topic_id, m.status, d.at)
         UPDATE subscriptions x SET last_delivered_at = g.at
           FROM (SELECT subscriber_id, topic_id, max(at) AS at FROM done
                  WHERE status = 'sent' AND topic_id IS NOT NULL
                  GROUP BY subscriber_id, topic_id) g
          WHERE x.subscriber_id = g.subscriber_id AND x.topic_id = g.topic_id`,
        [
          outcomes.map((o) => o.id),
          outcomes.map((o) => o.status),
          outcomes.map((o) => o.providerMessageId),
          outcomes.map((o) => o.error),
          outcomes.map((o) => o.at),
        ],
      );
    } catch (err) {
      // A deadlock with another writer's batch, a dropped connection: the statement was rolled
      // back whole and setting the same outcomes again is idempotent. Giving up too soon would
      // leave sent messages looking unsent (and, once reclaimed, sent twice).
      if (attempt >= MAX_TRIES) throw err;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
      return this.write(outcomes, attempt + 1);
    }
  }
}
