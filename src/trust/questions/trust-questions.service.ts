import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../platform/config/configuration';
import { Clock } from '../../platform/clock';
import { deriveKey } from '../../platform/crypto';
import { queryRows } from '../../platform/database/sql';
import {
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
} from '../../platform/errors/domain-errors';
import { SignedForms } from '../../platform/http/signed-form';
import { Locale, localeOr } from '../../platform/locale';
import { MetricsService } from '../../platform/metrics/metrics.service';
import { TokensService } from '../../platform/tokens/tokens.service';
import {
  ErasesPersonalData,
  PersonalDataEraser,
} from '../../audience/subscribers/personal-data-erasers';

export const MAX_TRUST_COMMENT_LENGTH = 2000;

/** A form rendered now can be sent within a day (people leave tabs open). */
const FORM_TTL_MS = 24 * 3600_000;

export interface TrustAnswerState {
  messageId: string;
  locale: Locale;
  /** The recorded answer, if any. */
  answer: { score: number; comment: string | null; showAddress: boolean } | null;
  /** Anti-forgery value for the form, bound to this link token. */
  formToken: string;
}

interface AskRow {
  message_id: string;
  subscriber_id: string;
  score: number | null;
  comment: string | null;
  show_address: boolean;
  locale: Locale | null;
  subscriber_status: string | null;
}

/** A score from a link or a form field: 1 to 5. */
export function parseScore(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : value;
  return typeof text === 'string' && /^[1-5]$/.test(text) ? Number(text) : undefined;
}

/**
 * The answers to the trust question. One answer per email that asked (the row delivery's
 * preparer wrote): a second answer replaces the first (score, comment and the address choice),
 * so an email is never counted twice. Recorded only by the POST of the landing page, so mail
 * scanners that open all five links record nothing.
 */
@Injectable()
@ErasesPersonalData()
export class TrustQuestionsService implements PersonalDataEraser {
  private readonly logger = new Logger('TrustQuestion');
  private readonly forms: SignedForms;
  private readonly answers;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: TokensService,
    private readonly clock: Clock,
    metrics: MetricsService,
    config: ConfigService<AppConfig, true>,
  ) {
    const secret = config.get('security', { infer: true }).secretKey;
    if (!secret) throw new Error('security.secretKey is not resolved');
    this.forms = new SignedForms(deriveKey(secret, 'trust-question-form'), FORM_TTL_MS);
    this.answers = metrics.counter(
      'tidings_trust_answers_total',
      'Answers to the trust question recorded, by score and whether the email had none before',
      ['score', 'change'],
    );
  }

  /** Comments are what the person wrote; the score stays as an anonymous figure. */
  async erasePersonalData(manager: EntityManager, subscriberId: string): Promise<void> {
    await manager.query(
      `UPDATE trust_question_asks SET comment = NULL, show_address = false WHERE subscriber_id = $1`,
      [subscriberId],
    );
    await manager.query(`DELETE FROM trust_expectations WHERE subscriber_id = $1`, [subscriberId]);
  }

  /** The subscriber's answers, for the data export. */
  async answersOf(subscriberId: string): Promise<Array<Record<string, unknown>>> {
    return queryRows(
      this.dataSource,
      `SELECT a.kind, t.key AS topic, a.asked_at AS "askedAt", a.score, a.comment,
              a.show_address AS "showAddress", a.answered_at AS "answeredAt"
         FROM trust_question_asks a LEFT JOIN audience_topics t ON t.id = a.topic_id
        WHERE a.subscriber_id = $1 AND a.score IS NOT NULL ORDER BY a.asked_at, a.message_id`,
      [subscriberId],
    );
  }

  /** What the landing page shows for a link; records nothing. */
  async open(token: string): Promise<TrustAnswerState> {
    const now = this.clock.now();
    const claims = this.tokens.verify(token, 'trust', now);
    const row = await this.load(claims.ref, claims.subscriberId);
    return this.state(row, token, now);
  }

  /** Records (or replaces) the answer of the email the token is about. */
  async answer(
    token: string,
    input: { score?: unknown; comment?: unknown; showAddress?: unknown; form?: unknown },
  ): Promise<TrustAnswerState> {
    const now = this.clock.now();
    const claims = this.tokens.verify(token, 'trust', now);
    if (!this.forms.verify(input.form, token, now)) {
      throw new ForbiddenError(
        'This form has expired or did not come from this page; open the link from the email again',
        'form',
        'invalid_form_token',
      );
    }
    const score = parseScore(input.score);
    if (score === undefined) throw new InvalidInputError('score must be 1 to 5', 'score');
    if (input.comment !== undefined && typeof input.comment !== 'string') {
      throw new InvalidInputError('comment must be text', 'comment');
    }
    const comment = (input.comment ?? '').trim();
    if (comment.length > MAX_TRUST_COMMENT_LENGTH) {
      throw new InvalidInputError(
        `comment must be at most ${MAX_TRUST_COMMENT_LENGTH} characters`,
        'comment',
      );
    }
    // An HTML checkbox sends its value only when ticked.
    const showAddress = input.showAddress === 'yes' || input.showAddress === true;
    const row = await this.load(claims.ref, claims.subscriberId);
    const [updated] = await queryRows<AskRow>(
      this.dataSource,
      `UPDATE trust_question_asks
          SET changes = changes + CASE WHEN score IS NOT NULL AND score <> $2 THEN 1 ELSE 0 END,
              score = $2, comment = $3, show_address = $4, answered_at = $5
        WHERE message_id = $1
        RETURNING message_id, subscriber_id, score, comment, show_address`,
      [row.message_id, score, comment || null, showAddress, now],
    );
    this.answers.inc({ score: String(score), change: row.score === null ? 'new' : 'replaced' });
    this.logger.log(
      {
        messageId: row.message_id,
        subscriberId: row.subscriber_id,
        score,
        change: row.score === null ? 'new' : 'replaced',
      },
      'Trust answer recorded',
    );
    return this.state({ ...row, ...updated }, token, now);
  }

  private state(row: AskRow, token: string, now: Date): TrustAnswerState {
    return {
      messageId: row.message_id,
      locale: localeOr(row.locale ?? 'en'),
      answer:
        row.score === null
          ? null
          : { score: row.score, comment: row.comment, showAddress: row.show_address },
      formToken: this.forms.issue(token, now),
    };
  }

  private async load(messageId: string | undefined, subscriberId: string): Promise<AskRow> {
    const missing = () =>
      new NotFoundError('The email this link is about no longer exists', 'token', 'not_found');
    if (!messageId) throw missing();
    const [row] = await queryRows<AskRow>(
      this.dataSource,
      `SELECT a.message_id, a.subscriber_id, a.score, a.comment, a.show_address,
              s.locale, s.status AS subscriber_status
         FROM trust_question_asks a
         LEFT JOIN audience_subscribers s ON s.id = a.subscriber_id
        WHERE a.message_id = $1`,
      [messageId],
    );
    // A token is signed for one subscriber and one email; both must still agree.
    if (!row || row.subscriber_id !== subscriberId || row.subscriber_status === 'erased') {
      throw missing();
    }
    return row;
  }
}
