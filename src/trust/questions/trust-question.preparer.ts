import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { TokensService } from '../../platform/tokens/tokens.service';
import type { ClaimedMessage } from '../../messaging/delivery/claimed-message';
import { MessagePreparer, PreparesMessages } from '../../messaging/delivery/message-composer';
import type { MessageKind } from '../../messaging/delivery/outbound-message.entity';
import { RenderingService } from '../../messaging/rendering/rendering.service';

/**
 * Kinds that may carry the question: never promotional mail (a campaign or digest with a
 * promotional item is `promotional` in the ledger) and never transactional mail (confirmations).
 */
export const TRUST_QUESTION_KINDS: ReadonlySet<MessageKind> = new Set(['editorial', 'notice']);

/** The template data field the `trust-question` partial shows. */
export const TRUST_QUESTION_FIELD = 'trustQuestion';

export const SCORES = [1, 2, 3, 4, 5] as const;

/**
 * Adds the trust question to at most one email per subscriber per period, at send time, for a
 * whole claimed batch in one statement. The claim on a subscriber is a conditional upsert of
 * `trust_question_state`: a concurrent worker's upsert for the same subscriber waits on the row
 * and then sees the new `asked_at`, so only one of them asks. An email that asked before and is
 * sent again (a retry) keeps its question. An earlier email that ended failed, skipped or
 * suppressed does not count: the subscriber never saw its question.
 */
@Injectable()
@PreparesMessages({ order: 100 })
export class TrustQuestionPreparer implements MessagePreparer {
  private readonly periodDays: number;
  private readonly publicUrl: string;
  private readonly asked;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: TokensService,
    private readonly rendering: RenderingService,
    metrics: MetricsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.periodDays = config.get('trustQuestion', { infer: true }).periodDays;
    this.publicUrl = config.get('app', { infer: true }).publicUrl;
    this.asked = metrics.counter(
      'tidings_trust_questions_total',
      'Emails the trust question was added to at send time (a retry of one counts again)',
      ['kind'],
    );
  }

  async prepare(messages: ClaimedMessage[], now: Date): Promise<void> {
    if (this.periodDays <= 0) return;
    const eligible = messages.filter(
      (m) =>
        m.channel === 'email' &&
        TRUST_QUESTION_KINDS.has(m.kind) &&
        this.rendering.refersTo(m.template, m.templateVersion, m.locale, TRUST_QUESTION_FIELD),
    );
    if (!eligible.length) return;
    const rows = await queryRows<{ message_id: string }>(
      this.dataSource,
      `WITH candidate AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[])
                  AS c(message_id, subscriber_id, topic_id, kind)
       ),
       retried AS (
         SELECT a.message_id FROM trust_question_asks a
          WHERE a.message_id = ANY($1::uuid[])
       ),
       fresh AS (
         SELECT DISTINCT ON (c.subscriber_id) c.*
           FROM candidate c
          WHERE NOT EXISTS (SELECT 1 FROM trust_question_asks a WHERE a.subscriber_id = c.subscriber_id
                              AND a.message_id = ANY($1::uuid[]))
          ORDER BY c.subscriber_id, c.message_id
       ),
       claimed AS (
         INSERT INTO trust_question_state AS s (subscriber_id, message_id, asked_at)
         SELECT f.subscriber_id, f.message_id, $5 FROM fresh f
         ON CONFLICT (subscriber_id) DO UPDATE
            SET message_id = EXCLUDED.message_id, asked_at = EXCLUDED.asked_at
          WHERE s.asked_at <= EXCLUDED.asked_at - make_interval(days => $6::int)
             OR NOT EXISTS (SELECT 1 FROM messaging_ledger_messages m
                             WHERE m.id = s.message_id AND m.status IN ('queued', 'sending', 'sent'))
         RETURNING s.message_id
       ),
       asked AS (
         INSERT INTO trust_question_asks (message_id, subscriber_id, topic_id, kind, asked_at)
         SELECT c.message_id, c.subscriber_id, c.topic_id, c.kind, $5
           FROM candidate c JOIN claimed USING (message_id)
         ON CONFLICT (message_id) DO NOTHING
         RETURNING message_id
       )
       SELECT message_id FROM retried
       UNION SELECT message_id FROM claimed`,
      [
        eligible.map((m) => m.id),
        eligible.map((m) => m.subscriberId),
        eligible.map((m) => m.topicId),
        eligible.map((m) => m.kind),
        now,
        this.periodDays,
      ],
    );
    const chosen = new Set(rows.map((r) => r.message_id));
    for (const m of eligible) {
      if (!chosen.has(m.id)) continue;
      m.data = { ...m.data, [TRUST_QUESTION_FIELD]: this.question(m, now) };
      this.asked.inc({ kind: m.kind });
    }
  }

  /** Five signed links, one per score, to the public answer page (the GET records nothing). */
  private question(m: ClaimedMessage, now: Date): { links: Record<string, string> } {
    const token = this.tokens.sign('trust', m.subscriberId, { ref: m.id, now });
    const links: Record<string, string> = {};
    for (const score of SCORES) links[`score${score}`] = `${this.publicUrl}/t/${token}/${score}`;
    return { links };
  }
}
