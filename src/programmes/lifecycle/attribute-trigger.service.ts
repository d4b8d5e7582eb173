import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryRows } from '../../platform/database/sql';
import { Condition, evaluate } from './condition';
import { LifecycleRule } from './lifecycle-rule.entity';
import { NoticeWriter } from './notice-writer';

interface Row {
  id: string;
  attributes: Record<string, unknown>;
  status: string;
  subscribed: boolean;
  is_true: boolean | null;
  occurrence: number | null;
}

/**
 * `attribute` rules: a condition on a subscriber's attributes fires once each time it becomes
 * true. The last known truth per rule and subscriber is kept in lifecycle_attribute_states; a
 * false → true transition bumps the occurrence number, which is part of the notice's dedupe key,
 * so the notice goes out once per occurrence however often the subscriber is evaluated.
 */
@Injectable()
export class AttributeTriggerService {
  constructor(private readonly writer: NoticeWriter) {}

  /** Evaluates the rule for these subscribers; returns the ids of notices queued. */
  async evaluate(
    manager: EntityManager,
    rule: LifecycleRule,
    subscriberIds: string[],
    now: Date,
  ): Promise<{ evaluated: number; fired: number; queued: string[] }> {
    const rows = await queryRows<Row>(
      manager,
      `SELECT s.id, s.attributes, s.status, COALESCE(x.status = 'active', false) AS subscribed,
              st.is_true, st.occurrence
         FROM unnest($2::uuid[]) AS b(id)
         JOIN audience_subscribers s ON s.id = b.id
         LEFT JOIN audience_subscriptions x ON x.subscriber_id = s.id AND x.topic_id = $3
         LEFT JOIN lifecycle_attribute_states st ON st.rule_id = $1 AND st.subscriber_id = s.id`,
      [rule.id, subscriberIds, rule.topicId],
    );
    const changed: Array<{ id: string; isTrue: boolean; occurrence: number }> = [];
    const fire: Array<{ id: string; occurrence: number }> = [];
    for (const r of rows) {
      const isTrue = r.status !== 'erased' && evaluate(rule.condition as Condition, r.attributes);
      const was = r.is_true ?? false;
      // No row means "never true": nothing to store until it becomes true.
      if (isTrue === was) continue;
      const occurrence = (r.occurrence ?? 0) + (isTrue ? 1 : 0);
      changed.push({ id: r.id, isTrue, occurrence });
      // An occurrence while unreachable is spent, not saved up for when they come back.
      if (isTrue && r.status === 'active' && r.subscribed) fire.push({ id: r.id, occurrence });
    }
    if (changed.length) {
      await manager.query(
        `INSERT INTO lifecycle_attribute_states AS st (rule_id, subscriber_id, is_true, occurrence, changed_at)
         SELECT $1, u.id, u.is_true, u.occurrence, $5
           FROM unnest($2::uuid[], $3::boolean[], $4::int[]) AS u(id, is_true, occurrence)
         ON CONFLICT (rule_id, subscriber_id) DO UPDATE
            SET is_true = EXCLUDED.is_true, changed_at = EXCLUDED.changed_at,
                occurrence = GREATEST(st.occurrence, EXCLUDED.occurrence)`,
        [
          rule.id,
          changed.map((c) => c.id),
          changed.map((c) => c.isTrue),
          changed.map((c) => c.occurrence),
          now,
        ],
      );
    }
    if (!fire.length) return { evaluated: rows.length, fired: 0, queued: [] };
    const result = await this.writer.write(
      manager,
      rule,
      (p) => `
        SELECT u.id AS subscriber_id, 'occurrence:' || u.n AS anchor_key, NULL::date AS anchor_date,
               ${p.add(now.toISOString())}::timestamptz AS anchor_ts, '{}'::jsonb AS vars,
               NULL::date AS pos_date, NULL::timestamptz AS pos_ts, NULL::uuid AS pos_id
          FROM unnest(${p.add(fire.map((f) => f.id))}::uuid[], ${p.add(fire.map((f) => f.occurrence))}::int[]) AS u(id, n)`,
      { now, mode: 'drop', cooldown: true },
    );
    const queued = result.rows.filter((r) => r.status === 'queued').map((r) => r.id);
    return { evaluated: rows.length, fired: fire.length, queued };
  }

  /** The next slice of the first evaluation over every active subscriber (after a rule starts). */
  async initialBatch(
    manager: EntityManager,
    rule: LifecycleRule,
    afterId: string | null,
    batchSize: number,
    now: Date,
  ): Promise<{ lastId: string | null; done: boolean; queued: string[] }> {
    const ids = (
      await queryRows<{ id: string }>(
        manager,
        `SELECT id FROM audience_subscribers WHERE id > $1 AND status = 'active' ORDER BY id LIMIT $2`,
        [afterId ?? '00000000-0000-0000-0000-000000000000', batchSize],
      )
    ).map((r) => r.id);
    if (!ids.length) return { lastId: afterId, done: true, queued: [] };
    const { queued } = await this.evaluate(manager, rule, ids, now);
    return { lastId: ids[ids.length - 1], done: ids.length < batchSize, queued };
  }
}
