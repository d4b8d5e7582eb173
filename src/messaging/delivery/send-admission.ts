import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { queryRows } from '../../platform/database/sql';
import type { Locale } from '../../platform/locale';
import { EMAIL_CHANNEL } from './channels';
import { ClaimedMessage, ClaimRow, toClaimed } from './claimed-message';
import { MessageComposer } from './message-composer';
import type { MessageKind } from './outbound-message.entity';
import { SendChecks, SendDecision } from './send-checks';

/** A message someone asks for now, before it is written to the ledger. */
export interface SendCandidate {
  dedupeKey: string;
  subscriberId: string;
  topicId: string | null;
  template: string;
  kind: MessageKind;
  data: Record<string, unknown>;
  locale: Locale | null;
}

/** The facts the claim loads (claimed-message.ts), for a subscriber and topic instead of a row. */
const CANDIDATE_SQL = `
  SELECT s.id AS subscriber_id, CASE $3::text WHEN 'email' THEN s.email END AS address,
         s.email, s.name, COALESCE($4::text, s.locale) AS locale, s.timezone,
         s.status AS subscriber_status, s.paused_until, s.weekly_cap,
         x.status AS subscription_status, t.key AS topic_key, t.name AS topic_name
    FROM audience_subscribers s
    LEFT JOIN audience_subscriptions x ON x.subscriber_id = s.id AND x.topic_id = $2
    LEFT JOIN audience_topics t ON t.id = $2
   WHERE s.id = $1`;

/**
 * Runs what delivery runs on a claimed message on a message that is not written yet: the whole
 * send-time chain (`SendChecks.decide`: subscriber status, suppression, consent, pause, then every
 * `@SendCheck`), and the render with the data delivery adds at send time (links, subscriber,
 * locale). `POST /v1/sends` refuses or defers with its answer before writing the row; delivery
 * runs the same chain again when it claims the row, as for every message.
 */
@Injectable()
export class SendAdmission {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly checks: SendChecks,
    private readonly composer: MessageComposer,
  ) {}

  /** The candidate as delivery would claim it now; null when the subscriber does not exist. */
  async load(candidate: SendCandidate, now: Date): Promise<ClaimedMessage | null> {
    const [row] = await queryRows<Omit<ClaimRow, 'id'>>(this.dataSource, CANDIDATE_SQL, [
      candidate.subscriberId,
      candidate.topicId,
      EMAIL_CHANNEL,
      candidate.locale,
    ]);
    if (!row) return null;
    return toClaimed({
      ...row,
      // Not in the ledger yet: a fresh id matches no row, so checks that count earlier messages
      // count them all.
      id: randomUUID(),
      dedupe_key: candidate.dedupeKey,
      topic_id: candidate.topicId,
      channel: EMAIL_CHANNEL,
      template: candidate.template,
      kind: candidate.kind,
      data: candidate.data,
      attempts: 0,
      claimed_by: 0,
      deadline_at: null,
      created_at: now,
    });
  }

  /** What the send-time chain decides for it now; null: it may be sent now. */
  async decide(message: ClaimedMessage, now: Date): Promise<SendDecision | null> {
    return (await this.checks.decide([message], now)).get(message.id) ?? null;
  }

  /**
   * Renders it as delivery will; throws the rendering module's `TemplateError` (a missing
   * variable names its field, `data.<name>`) when the template cannot render this data.
   */
  render(message: ClaimedMessage): void {
    this.composer.compose(message);
  }
}
