import { DataSource } from 'typeorm';
import { GroupCommit } from './group-commit';

export interface Outcome {
  id: string;
  status: 'sent' | 'failed';
  providerMessageId: string | null;
  error: string | null;
  at: Date;
}

/**
 * Records send outcomes with group commit (group-commit.ts): one statement carries every outcome
 * that arrived while the previous one ran. A sender waits for its outcome to be committed before
 * its SMTP connection takes the next message (SmtpPool.send), so the groups grow with the number
 * of connections busy, and a crash leaves at most one accepted-but-unrecorded message per
 * connection.
 */
export class OutcomeWriter {
  private readonly group: GroupCommit<Outcome, undefined>;

  constructor(private readonly dataSource: DataSource) {
    this.group = new GroupCommit(async (outcomes) => {
      await this.write(outcomes);
      return outcomes.map(() => undefined);
    });
  }

  /** Outcomes handed over and not yet committed. */
  get backlog(): number {
    return this.group.backlog;
  }

  /** Resolves once the outcome is committed. */
  async record(outcome: Outcome): Promise<void> {
    await this.group.submit(outcome);
  }

  /**
   * One statement: the ledger rows, and the last delivery of each subscription that got one. A
   * row taken back meanwhile (its claim was reclaimed) still gets a send that really happened, so
   * its next holder finds it sent instead of sending it again.
   * Subscriptions are locked in (subscriber, topic) order, the order every writer uses, so two
   * groups, or a group and a fan-out, do not deadlock over them.
   */
  private async write(outcomes: Outcome[]): Promise<void> {
    await this.dataSource.query(
      `WITH d AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
                  AS d(id, status, provider_message_id, error, at)),
       done AS (
         UPDATE outbound_messages m
            SET status = d.status, provider_message_id = d.provider_message_id,
                last_error = d.error, sent_at = CASE WHEN d.status = 'sent' THEN d.at END,
                updated_at = now()
           FROM d WHERE m.id = d.id AND m.status IN ('queued', 'sending')
         RETURNING m.subscriber_id, m.topic_id, m.status, d.at),
       latest AS (
         SELECT subscriber_id, topic_id, max(at) AS at FROM done
          WHERE status = 'sent' AND topic_id IS NOT NULL
          GROUP BY subscriber_id, topic_id),
       locked AS (
         SELECT x.id, l.at FROM subscriptions x
           JOIN latest l ON x.subscriber_id = l.subscriber_id AND x.topic_id = l.topic_id
          ORDER BY x.subscriber_id, x.topic_id
            FOR NO KEY UPDATE OF x)
       UPDATE subscriptions x SET last_delivered_at = locked.at FROM locked WHERE x.id = locked.id`,
      [
        outcomes.map((o) => o.id),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.providerMessageId),
        outcomes.map((o) => o.error),
        outcomes.map((o) => o.at),
      ],
    );
  }
}
