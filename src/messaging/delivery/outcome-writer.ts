import { DataSource } from 'typeorm';
import { lastDeliveryCtes } from '../../audience/subscribers/last-delivery';
import { queryPrepared } from '../../platform/database/sql';
import { outboxInsertCte } from '../../platform/events/event-outbox';
import { GroupCommit } from './group-commit';

export interface Outcome {
  id: string;
  status: 'sent' | 'failed';
  providerMessageId: string | null;
  error: string | null;
  at: Date;
}

/**
 * CTEs recording outcomes: the ledger rows, and the last delivery of each subscription that got
 * one. `param` adds a value to the caller's statement and returns its placeholder. Used alone
 * (OutcomeWriter) and inside the hand-over statement, which records the previous message of an
 * SMTP connection together with the next one's hand-over.
 *
 * Each recorded outcome is also a `message.sent` or `message.failed` event (src/platform/events),
 * written by the same statement: one multi-row insert per group. Its data are ids, the template
 * and the kind; not the error, which can quote the address (it stays in the ledger).
 *
 * A row taken back meanwhile (its claim was reclaimed) still gets a send that really happened, so
 * its next holder finds it sent instead of sending it again. The subscriptions' last delivery is
 * written by their owner's statement (lastDeliveryCtes, src/audience/subscribers).
 */
export function outcomeCtes(outcomes: Outcome[], param: (value: unknown) => string): string {
  return `
    outcome AS (
      SELECT * FROM unnest(${param(outcomes.map((o) => o.id))}::uuid[],
                           ${param(outcomes.map((o) => o.status))}::text[],
                           ${param(outcomes.map((o) => o.providerMessageId))}::text[],
                           ${param(outcomes.map((o) => o.error))}::text[],
                           ${param(outcomes.map((o) => o.at))}::timestamptz[])
               AS d(id, status, provider_message_id, error, at)),
    done AS (
      UPDATE outbound_messages m
         SET status = d.status, provider_message_id = d.provider_message_id,
             last_error = d.error, sent_at = CASE WHEN d.status = 'sent' THEN d.at END,
             updated_at = now()
        FROM outcome d WHERE m.id = d.id AND m.status IN ('queued', 'sending')
      RETURNING m.subscriber_id, m.topic_id, m.status, d.at, m.id, m.campaign_id, m.rule_id,
                m.template, m.kind, m.channel),
    ${outboxInsertCte(
      'message_events',
      {
        type: `'message.' || done.status`,
        subscriberId: 'done.subscriber_id',
        data: `jsonb_build_object('messageId', done.id, 'subscriberId', done.subscriber_id,
                 'topicId', done.topic_id, 'campaignId', done.campaign_id, 'ruleId', done.rule_id,
                 'template', done.template, 'kind', done.kind, 'channel', done.channel)`,
        occurredAt: 'done.at',
      },
      'done',
    )},
    latest AS (
      SELECT subscriber_id, topic_id, max(at) AS at FROM done
       WHERE status = 'sent' AND topic_id IS NOT NULL
       GROUP BY subscriber_id, topic_id),${lastDeliveryCtes('latest')}`;
}

/**
 * Records outcomes with group commit (group-commit.ts): one statement carries every outcome that
 * arrived while the previous one ran. Used for outcomes that do not ride along with a hand-over:
 * failures, and an accepted message whose connection went idle (SmtpPool).
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

  private async write(outcomes: Outcome[]): Promise<void> {
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    await queryPrepared(
      this.dataSource,
      'tidings_outcomes',
      `WITH ${outcomeCtes(outcomes, param)} SELECT count(*) FROM last_delivery`,
      params,
    );
  }
}
