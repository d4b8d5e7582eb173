import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AlertsService } from '../../messaging/alerts/alerts.service';
import { queryRows } from '../../platform/database/sql';
import { outboxInsertCte } from '../../platform/events/event-outbox';
import { LedgerService } from '../../messaging/delivery/ledger.service';
import { ledgerInsertSql } from '../../messaging/delivery/ledger-statements';
import { defaultLocale, locales, sqlDatePatterns } from '../../platform/locale';
import { apologyTexts } from './lifecycle-texts';

export type MissCause = 'failed' | 'not_delivered' | 'scheduled_late';

/**
 * Keeps the engine honest about its deadlines. A notice whose deadline passed undelivered (still
 * queued behind a failing SMTP server, failed, or scheduled too late) is marked skipped
 * `deadline_missed` so it can never go out late unnoticed, the miss is recorded in
 * `lifecycle_missed_promises`, the rule's apology goes out once, and the marketer is alerted.
 */
@Injectable()
export class DeadlinesService {
  private readonly logger = new Logger('LifecycleDeadlines');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly alerts: AlertsService,
  ) {}

  /** One batch of notices whose deadline passed; returns how many were recorded as missed. */
  async sweep(now: Date, batchSize: number): Promise<{ missed: number; apologies: number }> {
    const { missed, apologyIds } = await this.dataSource.transaction(async (manager) => {
      const rows = await this.ledger.skipPastDeadline(manager, now, batchSize);
      const recorded = await this.recordMissed(
        manager,
        rows.map((r) => ({
          messageId: r.id,
          cause: r.was === 'failed' ? 'failed' : 'not_delivered',
        })),
        now,
      );
      return { missed: recorded.missed, apologyIds: recorded.apologyIds };
    });
    await this.ledger.enqueue(apologyIds);
    return { missed, apologies: apologyIds.length };
  }

  /**
   * Records misses and writes the apologies, inside the caller's transaction (so a missed notice
   * and its apology exist together or not at all). Enqueue the returned apology ids after commit.
   */
  async recordMissed(
    manager: EntityManager,
    misses: Array<{ messageId: string; cause: MissCause }>,
    now: Date,
  ): Promise<{ missed: number; apologyIds: string[] }> {
    if (!misses.length) return { missed: 0, apologyIds: [] };
    const promises = await queryRows<{ id: string }>(
      manager,
      `WITH p AS (
         INSERT INTO lifecycle_missed_promises
                (rule_id, subscriber_id, message_id, anchor, deadline_at, detected_at, cause, last_error)
         SELECT m.rule_id, m.subscriber_id, m.id, m.data->'lifecycle'->>'anchor', m.deadline_at, $3,
                x.cause, m.last_error
           FROM unnest($1::uuid[], $2::text[]) AS x(id, cause)
           JOIN messaging_ledger_messages m ON m.id = x.id
         ON CONFLICT (message_id) DO NOTHING
         RETURNING id, rule_id, subscriber_id, message_id, anchor, deadline_at, detected_at, cause),
       ${outboxInsertCte(
         'missed_events',
         {
           type: `'notice.deadline_missed'`,
           subscriberId: 'p.subscriber_id',
           data: `jsonb_build_object('subscriberId', p.subscriber_id, 'messageId', p.message_id,
                    'ruleId', p.rule_id, 'rule', r.key, 'anchor', p.anchor,
                    'deadlineAt', p.deadline_at, 'cause', p.cause)`,
           occurredAt: 'p.detected_at',
         },
         'p JOIN lifecycle_rules r ON r.id = p.rule_id',
       )}
       SELECT id FROM p`,
      [misses.map((m) => m.messageId), misses.map((m) => m.cause), now],
    );
    if (!promises.length) return { missed: 0, apologyIds: [] };
    const apologies = await queryRows<{ id: string }>(
      manager,
      `WITH a AS (
         SELECT p.id AS promise_id, m.id AS message_id, m.subscriber_id, m.topic_id, m.rule_id,
                m.data, m.deadline_at, r.apology_template, r.apology_content, r.name, s.locale, z.tz,
                COALESCE(m.data->'sendWindow'->>'start', '09:00')::time AS w_start,
                COALESCE(m.data->'sendWindow'->>'end', '17:00')::time AS w_end
           FROM lifecycle_missed_promises p
           JOIN messaging_ledger_messages m ON m.id = p.message_id
           JOIN lifecycle_rules r ON r.id = m.rule_id
           JOIN audience_subscribers s ON s.id = m.subscriber_id
           CROSS JOIN LATERAL (SELECT lifecycle_zone(s.timezone) AS tz) z
          WHERE p.id = ANY($1::bigint[]) AND r.apology_template IS NOT NULL
       ),
       b AS (
         SELECT a.*, f.due_date, f.original
           FROM a
           CROSS JOIN LATERAL (SELECT
             COALESCE(NULLIF(a.data->'lifecycle'->>'dueDate', ''),
                      lifecycle_format_date((a.deadline_at AT TIME ZONE a.tz)::date, a.locale, $5::jsonb)) AS due_date,
             COALESCE(a.data->>'heading', a.name) AS original) f
       ),
       ins AS (
         ${ledgerInsertSql({
           values: {
             dedupeKey: `'apology:' || b.message_id`,
             subscriberId: 'b.subscriber_id',
             topicId: 'b.topic_id',
             ruleId: 'b.rule_id',
             template: 'b.apology_template',
             kind: `'notice'`,
             data: `jsonb_build_object(
                  'heading', COALESCE($3::jsonb->>b.locale, $3::jsonb->>$4::text),
                  'intro', COALESCE(b.data->>'intro', ''),
                  'originalSubject', b.original,
                  'dueDate', b.due_date)
                || CASE WHEN jsonb_typeof(b.data->'cta') = 'object'
                        THEN jsonb_build_object('cta', b.data->'cta') ELSE '{}'::jsonb END
                || lifecycle_fill(COALESCE(b.apology_content->b.locale, b.apology_content->$4::text, '{}'::jsonb),
                                  jsonb_build_object('date', b.data->'lifecycle'->>'date',
                                                     'deadline', b.due_date,
                                                     'originalSubject', b.original))
                || jsonb_build_object(
                     'lifecycle', COALESCE(b.data->'lifecycle', '{}'::jsonb)
                                  || jsonb_build_object('apologyFor', b.message_id),
                     'sendWindow', b.data->'sendWindow')`,
             sendAfter: 'lifecycle_next_window($2::timestamptz, b.tz, b.w_start, b.w_end)',
           },
           from: 'FROM b',
           returning: 'm.id, m.dedupe_key',
         })}
       )
       UPDATE lifecycle_missed_promises p SET apology_message_id = ins.id
         FROM ins WHERE ins.dedupe_key = 'apology:' || p.message_id
       RETURNING ins.id`,
      [
        promises.map((p) => p.id),
        now,
        JSON.stringify(Object.fromEntries(locales().map((l) => [l, apologyTexts(l).heading]))),
        defaultLocale(),
        sqlDatePatterns(),
      ],
    );
    return { missed: promises.length, apologyIds: apologies.map((a) => a.id) };
  }

  /** One alert per rule for the misses not alerted yet (the alert's dedupe key makes retries harmless). */
  async alertMarketer(now: Date): Promise<{ alerts: number }> {
    const groups = await queryRows<{
      rule_id: string;
      key: string;
      name: string;
      ids: string[];
      missed: Array<Record<string, unknown>>;
    }>(
      this.dataSource,
      `SELECT p.rule_id, r.key, r.name, array_agg(p.id::text ORDER BY p.id) AS ids,
              json_agg(json_build_object('missedPromiseId', p.id, 'messageId', p.message_id,
                                         'subscriberId', p.subscriber_id, 'deadlineAt', p.deadline_at,
                                         'cause', p.cause, 'lastError', p.last_error,
                                         'apologyMessageId', p.apology_message_id) ORDER BY p.id) AS missed
         FROM (SELECT * FROM lifecycle_missed_promises WHERE alerted_at IS NULL ORDER BY id LIMIT 1000) p
         JOIN lifecycle_rules r ON r.id = p.rule_id
        GROUP BY p.rule_id, r.key, r.name`,
    );
    for (const g of groups) {
      const n = g.ids.length;
      await this.alerts.raise({
        dedupeKey: `lifecycle-missed:${g.rule_id}:${g.ids[0]}`,
        kind: 'missed_deadline',
        title: `${n} notice${n === 1 ? '' : 's'} of rule "${g.key}" missed ${n === 1 ? 'its' : 'their'} deadline`,
        details: { rule: g.key, ruleName: g.name, count: n, missed: g.missed.slice(0, 50) },
      });
      await this.dataSource.query(
        `UPDATE lifecycle_missed_promises SET alerted_at = $2 WHERE id = ANY($1::bigint[])`,
        [g.ids, now],
      );
      this.logger.warn({ rule: g.key, count: n }, 'Notices missed their deadline');
    }
    return { alerts: groups.length };
  }
}
