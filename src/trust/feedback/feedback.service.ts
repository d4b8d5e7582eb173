import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock';
import { deriveKey } from '../../platform/crypto';
import {
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
} from '../../platform/errors/domain-errors';
import { SignedForms } from '../../platform/http/signed-form';
import { AppConfig } from '../../platform/config/configuration';
import { queryRows } from '../../platform/database/sql';
import type { ClaimedMessage } from '../../messaging/delivery/claimed-message';
import { ContributesLinks, LinkContributor } from '../../messaging/delivery/message-composer';
import type { MessageKind } from '../../messaging/delivery/outbound-message.entity';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { RenderingService } from '../../messaging/rendering/rendering.service';
import { Locale, localeOr } from '../../platform/locale';
import {
  ErasesPersonalData,
  PersonalDataEraser,
} from '../../audience/subscribers/personal-data-erasers';
import { TokensService } from '../../platform/tokens/tokens.service';

/** Useful, non-transactional mail asks for feedback; promotions and receipts do not. */
export const FEEDBACK_KINDS: ReadonlySet<MessageKind> = new Set(['editorial', 'notice']);

export const MAX_COMMENT_LENGTH = 2000;

/** A form rendered now can be sent within a day (people leave tabs open). */
const FORM_TTL_MS = 24 * 3600_000;

export type Answer = 'yes' | 'no';

export interface FeedbackState {
  messageId: string;
  subscriberId: string;
  locale: Locale;
  topicName: string | null;
  /** The email's subject as the subscriber saw it, when the ledger holds all it was made from. */
  subject: string | null;
  template: string;
  sentAt: Date | null;
  timezone: string;
  /** The recorded answer, if any. */
  vote: { helpful: boolean; comment: string | null } | null;
  /** Anti-forgery value for the form, bound to this link token. */
  formToken: string;
}

interface MessageRow {
  id: string;
  subscriber_id: string;
  template: string;
  sent_at: Date | null;
  locale: Locale | null;
  subscriber_status: string | null;
  topic_name: string | null;
  data: Record<string, unknown> | null;
  content_item_ids: string[] | null;
  name: string | null;
  email: string | null;
  timezone: string | null;
  helpful: boolean | null;
  comment: string | null;
}

/**
 * "Was this useful?" links and votes. Links are signed at send time (no token stored); a vote is
 * recorded only by an explicit POST from the landing page, so mail scanners that open every link
 * in a message (both "yes" and "no") record nothing.
 */
@Injectable()
@ContributesLinks()
@ErasesPersonalData()
export class FeedbackService implements LinkContributor, PersonalDataEraser {
  private readonly logger = new Logger('Feedback');
  private readonly publicUrl: string;
  private readonly forms: SignedForms;
  private readonly votes;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: TokensService,
    private readonly clock: Clock,
    private readonly rendering: RenderingService,
    metrics: MetricsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.publicUrl = config.get('app', { infer: true }).publicUrl;
    const secret = config.get('security', { infer: true }).secretKey;
    if (!secret) throw new Error('security.secretKey is not resolved');
    this.forms = new SignedForms(deriveKey(secret, 'feedback-form'), FORM_TTL_MS);
    this.votes = metrics.counter(
      'tidings_feedback_votes_total',
      '"Was this useful?" answers recorded, by answer and whether it was new or changed',
      ['answer', 'change'],
    );
  }

  /** "Was this useful?" links, signed at send time (no token is stored). */
  linksFor(m: ClaimedMessage): Record<string, string> {
    if (!FEEDBACK_KINDS.has(m.kind)) return {};
    const token = this.tokens.sign('feedback', m.subscriberId, {
      ref: m.id,
      now: this.clock.now(),
    });
    const base = `${this.publicUrl}/f/${token}`;
    return { feedbackYes: `${base}/yes`, feedbackNo: `${base}/no` };
  }

  /** A comment is free text the person wrote; the answer itself stays as an anonymous figure. */
  async erasePersonalData(manager: EntityManager, subscriberId: string): Promise<void> {
    await manager.query(`UPDATE feedback_votes SET comment = NULL WHERE subscriber_id = $1`, [
      subscriberId,
    ]);
  }

  /** What the landing page shows for a link; records nothing. */
  async open(token: string): Promise<FeedbackState> {
    const now = this.clock.now();
    const claims = this.tokens.verify(token, 'feedback', now);
    const row = await this.load(claims.ref, claims.subscriberId);
    const vote = row.helpful === null ? null : { helpful: row.helpful, comment: row.comment };
    return this.state(row, vote, token, now);
  }

  /** Records (or changes) the answer for the message the token is about. */
  async vote(
    token: string,
    input: { answer?: unknown; comment?: unknown; form?: unknown },
  ): Promise<FeedbackState> {
    const now = this.clock.now();
    const claims = this.tokens.verify(token, 'feedback', now);
    if (!this.forms.verify(input.form, token, now)) {
      throw new ForbiddenError(
        'This form has expired or did not come from this page; open the link from the email again',
        'form',
        'invalid_form_token',
      );
    }
    if (input.answer !== 'yes' && input.answer !== 'no') {
      throw new InvalidInputError('answer must be "yes" or "no"', 'answer');
    }
    if (input.comment !== undefined && typeof input.comment !== 'string') {
      throw new InvalidInputError('comment must be text', 'comment');
    }
    const comment = (input.comment ?? '').trim();
    if (comment.length > MAX_COMMENT_LENGTH) {
      throw new InvalidInputError(
        `comment must be at most ${MAX_COMMENT_LENGTH} characters`,
        'comment',
      );
    }
    const row = await this.load(claims.ref, claims.subscriberId);
    const helpful = input.answer === 'yes';
    const [result] = await queryRows<{ previous: boolean | null }>(
      this.dataSource,
      `WITH previous AS (SELECT helpful FROM feedback_votes WHERE message_id = $1)
       INSERT INTO feedback_votes AS v
              (message_id, subscriber_id, topic_id, template, helpful, comment, created_at, updated_at)
       SELECT m.id, m.subscriber_id, m.topic_id, m.template, $2, $3, $4, $4
         FROM messaging_ledger_messages m WHERE m.id = $1
       ON CONFLICT (message_id) DO UPDATE
          SET helpful = EXCLUDED.helpful,
              comment = EXCLUDED.comment,
              changes = v.changes + CASE WHEN v.helpful <> EXCLUDED.helpful THEN 1 ELSE 0 END,
              updated_at = EXCLUDED.updated_at
       RETURNING (SELECT helpful FROM previous) AS previous`,
      [row.id, helpful, comment || null, now],
    );
    const change =
      result.previous === null ? 'new' : result.previous === helpful ? 'same' : 'changed';
    this.votes.inc({ answer: helpful ? 'helpful' : 'unhelpful', change });
    this.logger.log(
      { messageId: row.id, subscriberId: row.subscriber_id, helpful, change },
      'Feedback recorded',
    );
    return this.state(row, { helpful, comment: comment || null }, token, now);
  }

  /** What the page shows: the message, the vote, and a fresh form token. */
  private state(
    row: MessageRow,
    vote: FeedbackState['vote'],
    token: string,
    now: Date,
  ): FeedbackState {
    return {
      messageId: row.id,
      subscriberId: row.subscriber_id,
      locale: localeOr(row.locale ?? 'en'),
      topicName: row.topic_name,
      subject: this.subjectOf(row),
      template: row.template,
      sentAt: row.sent_at,
      timezone: row.timezone ?? 'UTC',
      vote,
      formToken: this.forms.issue(token, now),
    };
  }

  /**
   * The subject, rendered again from what the ledger kept. Messages whose content is added at
   * send time (digests and campaigns name their items) show their topic instead.
   */
  private subjectOf(row: MessageRow): string | null {
    if (row.content_item_ids?.length || !this.rendering.has(row.template)) return null;
    try {
      const locale = localeOr(row.locale ?? 'en');
      const topic = row.topic_name ? { name: row.topic_name } : undefined;
      const subject = this.rendering.renderSubject(row.template, locale, {
        ...(row.data ?? {}),
        ...(topic ? { topic } : {}),
        subscriber: { name: row.name, email: row.email },
      });
      return subject || null;
    } catch {
      return null;
    }
  }

  private async load(messageId: string | undefined, subscriberId: string): Promise<MessageRow> {
    const missing = () =>
      new NotFoundError('The message this link is about no longer exists', 'token', 'not_found');
    if (!messageId) throw missing();
    const [row] = await queryRows<MessageRow>(
      this.dataSource,
      `SELECT m.id, m.subscriber_id, m.template, m.sent_at, s.locale, s.status AS subscriber_status,
              m.data, m.content_item_ids, s.name, s.email, s.timezone,
              COALESCE(t.names->>s.locale, t.name) AS topic_name, v.helpful, v.comment
         FROM messaging_ledger_messages m
         LEFT JOIN audience_subscribers s ON s.id = m.subscriber_id
         LEFT JOIN audience_topics t ON t.id = m.topic_id
         LEFT JOIN feedback_votes v ON v.message_id = m.id
        WHERE m.id = $1`,
      [messageId],
    );
    // A token is signed for one subscriber and one message; both must still agree.
    if (!row || row.subscriber_id !== subscriberId || row.subscriber_status === 'erased') {
      throw missing();
    }
    return row;
  }
}
