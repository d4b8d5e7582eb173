import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import { queryRows } from '../../platform/database/sql';
import {
  ExpectationsReportDto,
  MonthDto,
  TrustCommentsReportDto,
  TrustScoreFiguresDto,
  TrustScoreReportDto,
} from './trust-report.dto';

/** A calendar month in UTC; `month` is `YYYY-MM` (validated by the DTO), default the current one. */
export function resolveMonth(month: string | undefined, now: Date): MonthDto {
  const [y, m] = month
    ? month.split('-').map(Number)
    : [now.getUTCFullYear(), now.getUTCMonth() + 1];
  const from = new Date(Date.UTC(y, m - 1, 1));
  const to = new Date(Date.UTC(y, m, 1));
  return { month: `${y}-${String(m).padStart(2, '0')}`, from, to };
}

interface ScoreRow {
  topic: string | null;
  kind: string;
  asked: number;
  answered: number;
  s1: number;
  s2: number;
  s3: number;
  s4: number;
  s5: number;
}

function figures(r: Omit<ScoreRow, 'topic' | 'kind'>): TrustScoreFiguresDto {
  const scores = [r.s1, r.s2, r.s3, r.s4, r.s5];
  const answered = r.answered;
  const sum = scores.reduce((acc, n, i) => acc + n * (i + 1), 0);
  return {
    asked: r.asked,
    answered,
    scores,
    averageScore: answered ? Math.round((sum / answered) * 100) / 100 : null,
    trustScore: answered ? Math.round(((r.s4 + r.s5) / answered) * 10_000) / 10_000 : null,
  };
}

/**
 * The trust question's figures for the marketer: scores per topic and kind of the emails sent in
 * a month (an email counts in the month it was asked in, whenever it was answered), the comments
 * (with the address only where the subscriber allowed it), and the expectations grouped.
 */
@Injectable()
export class TrustReportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  async score(month?: string): Promise<TrustScoreReportDto> {
    const period = resolveMonth(month, this.clock.now());
    // Only emails that were sent count: one that failed or was withheld never showed the question.
    const rows = await queryRows<ScoreRow>(
      this.dataSource,
      `SELECT t.key AS topic, a.kind,
              count(*)::int AS asked, count(a.score)::int AS answered,
              count(*) FILTER (WHERE a.score = 1)::int AS s1,
              count(*) FILTER (WHERE a.score = 2)::int AS s2,
              count(*) FILTER (WHERE a.score = 3)::int AS s3,
              count(*) FILTER (WHERE a.score = 4)::int AS s4,
              count(*) FILTER (WHERE a.score = 5)::int AS s5
         FROM trust_question_asks a
         JOIN messaging_ledger_messages m ON m.id = a.message_id AND m.status = 'sent'
         LEFT JOIN audience_topics t ON t.id = a.topic_id
        WHERE a.asked_at >= $1 AND a.asked_at < $2
        GROUP BY t.key, a.kind
        ORDER BY t.key NULLS LAST, a.kind`,
      [period.from, period.to],
    );
    const sum = (k: keyof Omit<ScoreRow, 'topic' | 'kind'>) =>
      rows.reduce((acc, r) => acc + r[k], 0);
    return {
      ...period,
      rows: rows.map((r) => ({ topic: r.topic, kind: r.kind, ...figures(r) })),
      total: figures({
        asked: sum('asked'),
        answered: sum('answered'),
        s1: sum('s1'),
        s2: sum('s2'),
        s3: sum('s3'),
        s4: sum('s4'),
        s5: sum('s5'),
      }),
    };
  }

  async comments(month: string | undefined, limit = 100): Promise<TrustCommentsReportDto> {
    const period = resolveMonth(month, this.clock.now());
    const rows = await queryRows<{
      message_id: string;
      topic: string | null;
      kind: string;
      score: number;
      comment: string;
      answered_at: Date;
      email: string | null;
      total: number;
    }>(
      this.dataSource,
      `SELECT a.message_id, t.key AS topic, a.kind, a.score, a.comment, a.answered_at,
              CASE WHEN a.show_address AND s.status <> 'erased' THEN s.email END AS email,
              count(*) OVER ()::int AS total
         FROM trust_question_asks a
         LEFT JOIN audience_topics t ON t.id = a.topic_id
         LEFT JOIN audience_subscribers s ON s.id = a.subscriber_id
        WHERE a.asked_at >= $1 AND a.asked_at < $2 AND a.comment IS NOT NULL
        ORDER BY a.answered_at DESC, a.message_id
        LIMIT $3`,
      [period.from, period.to, limit],
    );
    return {
      ...period,
      total: rows[0]?.total ?? 0,
      comments: rows.map((r) => ({
        messageId: r.message_id,
        topic: r.topic,
        kind: r.kind,
        score: r.score,
        comment: r.comment,
        answeredAt: r.answered_at,
        email: r.email,
      })),
    };
  }

  async expectations(month?: string): Promise<ExpectationsReportDto> {
    const period = resolveMonth(month, this.clock.now());
    const rows = await queryRows<{
      normalised: string;
      example: string;
      count: number;
      subscribers: number;
      locales: Record<string, number>;
      last_at: Date;
      total: number;
    }>(
      this.dataSource,
      `WITH month AS (
         SELECT * FROM trust_expectations WHERE created_at >= $1 AND created_at < $2
       ),
       by_locale AS (
         SELECT normalised, jsonb_object_agg(locale, n) AS locales
           FROM (SELECT normalised, locale, count(*)::int AS n FROM month GROUP BY normalised, locale) l
          GROUP BY normalised
       )
       SELECT g.normalised, g.example, g.count, g.subscribers, b.locales, g.last_at,
              (SELECT count(*)::int FROM month) AS total
         FROM (SELECT normalised, count(*)::int AS count,
                      count(DISTINCT subscriber_id)::int AS subscribers,
                      (array_agg(text ORDER BY created_at DESC, id DESC))[1] AS example,
                      max(created_at) AS last_at
                 FROM month GROUP BY normalised) g
         JOIN by_locale b USING (normalised)
        ORDER BY g.count DESC, g.last_at DESC, g.normalised
        LIMIT 200`,
      [period.from, period.to],
    );
    return {
      ...period,
      total: rows[0]?.total ?? 0,
      groups: rows.map((r) => ({
        normalised: r.normalised,
        example: r.example,
        count: r.count,
        subscribers: r.subscribers,
        locales: r.locales,
        lastAt: r.last_at,
      })),
    };
  }
}
