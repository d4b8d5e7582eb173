import { Injectable } from '@nestjs/common';
import { ContentMixPolicy } from '../cadence/content-mix';
import type { ContentKind } from '../content/content-item.entity';
import { lacksDataConsentSql } from '../../audience/purposes/data-consent-sql';
import { Segment, segmentSql } from './segment';

/** Who a campaign addresses: a topic's active subscribers, narrowed by a segment and purposes. */
export interface CampaignAudience {
  topicId: string;
  segment: Segment | null;
  purposes: string[] | null;
  /** Day offsets in the segment's date conditions count from this date. */
  sendAt: Date;
}

/** What the per-subscriber decision needs besides the audience. */
export interface CampaignDecisionInput extends CampaignAudience {
  contentItemId: string | null;
  kind: ContentKind;
}

/** Why the fan-out writes a subscriber's row as skipped (null: queued, sent now). */
export const FANOUT_SKIP_REASONS = [
  'already_received',
  'folded',
  'frequency',
  'content_mix',
] as const;

/**
 * The fan-out's decisions as SQL, shared by the fan-out itself (a batch at a time, locking the
 * subscriptions) and by the forecast (the whole audience at once, reading only): both run the same
 * `decided` CTE, so a forecast counts exactly what a launch at the same moment would write.
 */
@Injectable()
export class CampaignDecisions {
  constructor(private readonly mix: ContentMixPolicy) {}

  /** `FROM … WHERE …` of the audience's subscriptions `x` joined with their subscribers `s`. */
  audienceSql(audience: CampaignAudience, params: unknown[]): string {
    params.push(audience.topicId);
    const topic = `$${params.length}`;
    const sendDate = audience.sendAt.toISOString().slice(0, 10);
    // A consent-based purpose the segment relies on: only subscribers who granted it.
    let consent = '';
    if (audience.purposes?.length) {
      params.push(audience.purposes);
      consent = `AND NOT ${lacksDataConsentSql('s.id', `$${params.length}::text[]`)}`;
    }
    return `FROM audience_subscriptions x
       JOIN audience_subscribers s ON s.id = x.subscriber_id
      WHERE x.topic_id = ${topic} AND x.status = 'active' AND s.status = 'active'
     ${segmentSql(audience.segment ?? {}, params, sendDate)}
     ${consent}`;
  }

  /**
   * The CTEs `batch` (the subscribers decided on) and `decided` (each with its `skip_reason`, null
   * when it is sent now). `at` is the parameter reference of the decision time. With `page`, a
   * keyset page of the audience after `page.after`, its subscriptions locked; without, all of it,
   * and `batch` and `decided` also carry the subscriber's `email` and `paused_until`.
   *
   * The decision reads the topic's regular sends twice: has the subscriber received the content
   * item (`received`), and has any regular message gone to them in this topic (`sent`). A page
   * probes them per subscriber; the whole audience reads the topic's sends once, grouped by
   * subscriber. Both ask the same of the same rows.
   */
  decidedSql(
    input: CampaignDecisionInput,
    at: string,
    params: unknown[],
    page?: { after: string; limit: string },
  ): string {
    const audience = this.audienceSql(input, params);
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const items = input.contentItemId ? [input.contentItemId] : null;
    const itemsRef = p(items);
    const topic = p(input.topicId);
    const cap =
      input.kind === 'promotional'
        ? this.mix.capSql('b.subscriber_id', at, params, page ? 'probe' : 'pass')
        : null;
    const noRoom = input.contentItemId ? 'folded' : 'frequency';
    const paging = page
      ? `AND x.subscriber_id > ${page.after}::uuid AND s.id > ${page.after}::uuid
         ORDER BY x.subscriber_id
         LIMIT ${page.limit}
         FOR UPDATE OF x`
      : '';
    const ledger = page
      ? {
          received: 'got.received',
          sent: `EXISTS (SELECT 1 FROM messaging_regular_sends e
                          WHERE e.subscriber_id = b.subscriber_id AND e.topic_id = ${topic})`,
          // One index probe per subscriber. As an EXISTS, the planner hashed the whole topic's
          // ledger once per batch: a scan that grew with every batch written (bench:campaign,
          // docs/campaigns.md).
          join: `LEFT JOIN LATERAL (
            SELECT true AS received FROM messaging_regular_sends r
             WHERE ${itemsRef}::uuid[] IS NOT NULL
               AND r.subscriber_id = b.subscriber_id AND r.topic_id = ${topic}
               AND r.content_item_ids && ${itemsRef}::uuid[]
             LIMIT 1) got ON true`,
        }
      : {
          // One pass over the topic's sends (an index-only scan in subscriber order) instead of
          // a probe per subscriber: the forecast decides the whole audience at once.
          received: `(${itemsRef}::uuid[] IS NOT NULL AND sends.received)`,
          sent: 'sends.subscriber_id IS NOT NULL',
          join: `LEFT JOIN (
            SELECT r.subscriber_id, bool_or(r.content_item_ids && ${itemsRef}::uuid[]) AS received
              FROM messaging_regular_sends r
             WHERE r.topic_id = ${topic}
             GROUP BY r.subscriber_id) sends ON sends.subscriber_id = b.subscriber_id`,
        };
    const carried = page ? '' : ', s.email, s.paused_until';
    const carriedOut = page ? '' : ', b.email, b.paused_until';
    return `
      batch AS (
        SELECT x.id AS subscription_id, x.subscriber_id, x.next_due_at, s.timezone${carried}
          ${audience}
          ${paging}
      ),
      decided AS (
        SELECT b.subscription_id, b.subscriber_id, b.timezone${carriedOut},
               CASE
                 WHEN ${ledger.received} THEN 'already_received'
                 -- No room before their next slot, unless no regular message has gone to them
                 -- in this topic yet: a new subscription's first period has room (the welcome
                 -- and the confirmation are transactional and do not use it).
                 WHEN (b.next_due_at IS NULL OR b.next_due_at > ${at}) AND ${ledger.sent}
                 THEN '${noRoom}'
                 ${cap ? `WHEN NOT ${cap.allows} THEN 'content_mix'` : ''}
               END AS skip_reason
          FROM batch b
          ${ledger.join}
          ${cap ? cap.join : ''}
      )`;
  }
}
