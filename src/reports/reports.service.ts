import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';
import { Period } from './report-period';
import { ReportFiguresDto, ReportTopicDto, TemplateReportDto, TopicReportDto } from './report.dto';

/** The ledger column a report groups by; '' stands for "no topic" so groups join on equality. */
const GROUPS = {
  topic: `COALESCE(m.topic_id::text, '')`,
  template: `m.template`,
} as const;
export type GroupBy = keyof typeof GROUPS;

/** An opt-out or complaint counts against a send when it follows within this window. */
export const ATTRIBUTION_DAYS = 7;

interface FigureRow {
  g: string;
  sent: number;
  helpful: number;
  unhelpful: number;
  hard: number;
  soft: number;
  unsubscribes: number;
  complaints: number;
}

/**
 * Sends and what followed them, per topic or per template, over a period. Everything is one
 * set-based query per figure family, driven by the ledger's partial indexes on sent_at and
 * (subscriber_id, sent_at); nothing is loaded per subscriber.
 */
@Injectable()
export class ReportsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async byTopic(period: Period): Promise<TopicReportDto> {
    const figures = await this.figures('topic', period);
    const ids = [...figures.keys()].filter(Boolean);
    const topics = new Map(
      (
        await queryRows<ReportTopicDto>(
          this.dataSource,
          `SELECT id, key, name, kind FROM topics WHERE id = ANY($1::uuid[])`,
          [ids],
        )
      ).map((t) => [t.id, t]),
    );
    const rows = [...figures.entries()]
      .map(([g, f]) => ({ topic: g ? (topics.get(g) ?? null) : null, ...f }))
      // Messages without a topic (confirmations) last.
      .sort((a, b) =>
        a.topic && b.topic
          ? a.topic.key.localeCompare(b.topic.key)
          : a.topic
            ? -1
            : b.topic
              ? 1
              : 0,
      );
    return { period, rows, totals: sumFigures([...figures.values()]) };
  }

  async byTemplate(period: Period): Promise<TemplateReportDto> {
    const figures = await this.figures('template', period);
    const rows = [...figures.entries()]
      .map(([template, f]) => ({ template, ...f }))
      .sort((a, b) => a.template.localeCompare(b.template));
    return { period, rows, totals: sumFigures([...figures.values()]) };
  }

  /** Figures keyed by group (topic id or '' / template). */
  async figures(groupBy: GroupBy, period: Period): Promise<Map<string, ReportFiguresDto>> {
    const g = GROUPS[groupBy];
    const params = [period.from, period.to, ATTRIBUTION_DAYS];
    const main = await queryRows<FigureRow>(
      this.dataSource,
      `WITH sent AS (
         SELECT m.id, m.subscriber_id, m.sent_at, ${g} AS g
           FROM outbound_messages m
          WHERE m.status = 'sent' AND m.sent_at >= $1 AND m.sent_at < $2
       ),
       votes AS (
         SELECT s.g, count(*) FILTER (WHERE v.helpful) AS helpful,
                count(*) FILTER (WHERE NOT v.helpful) AS unhelpful
           FROM sent s JOIN feedback_votes v ON v.message_id = s.id
          GROUP BY s.g
       ),
       signals AS (
         SELECT s.g, count(*) FILTER (WHERE d.type = 'hard_bounce') AS hard,
                count(*) FILTER (WHERE d.type = 'soft_bounce') AS soft,
                count(*) FILTER (WHERE d.type = 'complaint') AS complaints
           FROM sent s JOIN delivery_signals d ON d.message_id = s.id
          WHERE d.type IN ('hard_bounce', 'soft_bounce', 'complaint')
          GROUP BY s.g
       ),
       -- Each opt-out is attributed once: to the last message sent to that person before it
       -- (in the topic they left, or any message when they left everything), if within the window.
       unsubscribes AS (
         SELECT s.g, count(*) AS n
           FROM consent_events e
           CROSS JOIN LATERAL (
             SELECT m.id FROM outbound_messages m
              WHERE m.subscriber_id = e.subscriber_id AND m.status = 'sent'
                AND m.sent_at <= e.occurred_at
                AND m.sent_at > e.occurred_at - make_interval(days => $3)
                AND (e.topic_id IS NULL OR m.topic_id = e.topic_id)
              ORDER BY m.sent_at DESC LIMIT 1
           ) last
           JOIN sent s ON s.id = last.id
          WHERE e.action = 'opt_out' AND e.source <> 'system'
            AND e.occurred_at >= $1 AND e.occurred_at < $2::timestamptz + make_interval(days => $3)
          GROUP BY s.g
       ),
       sent_counts AS (SELECT g, count(*) AS n FROM sent GROUP BY g)
       SELECT c.g, c.n::int AS sent,
              COALESCE(v.helpful, 0)::int AS helpful, COALESCE(v.unhelpful, 0)::int AS unhelpful,
              COALESCE(x.hard, 0)::int AS hard, COALESCE(x.soft, 0)::int AS soft,
              COALESCE(x.complaints, 0)::int AS complaints, COALESCE(u.n, 0)::int AS unsubscribes
         FROM sent_counts c
         LEFT JOIN votes v ON v.g = c.g
         LEFT JOIN signals x ON x.g = c.g
         LEFT JOIN unsubscribes u ON u.g = c.g`,
      params,
    );
    const decided = await queryRows<{
      g: string;
      status: string;
      reason: string | null;
      n: number;
    }>(
      this.dataSource,
      `SELECT ${g} AS g, m.status, m.skip_reason AS reason, count(*)::int AS n
         FROM outbound_messages m
        WHERE m.status IN ('skipped', 'suppressed', 'failed') AND m.updated_at >= $1 AND m.updated_at < $2
        GROUP BY 1, 2, 3`,
      [period.from, period.to],
    );
    const out = new Map<string, ReportFiguresDto>();
    const at = (key: string) => {
      let f = out.get(key);
      if (!f) out.set(key, (f = emptyFigures()));
      return f;
    };
    for (const r of main) {
      Object.assign(at(r.g), {
        sent: r.sent,
        helpful: r.helpful,
        unhelpful: r.unhelpful,
        helpfulRatio: ratio(r.helpful, r.unhelpful),
        unsubscribes: r.unsubscribes,
        complaints: r.complaints,
        bounces: { hard: r.hard, soft: r.soft },
      });
    }
    for (const r of decided) {
      const f = at(r.g);
      if (r.status === 'skipped') f.skipped[r.reason ?? 'unknown'] = r.n;
      else if (r.status === 'suppressed') f.suppressed += r.n;
      else f.failed += r.n;
    }
    return out;
  }
}

export function emptyFigures(): ReportFiguresDto {
  return {
    sent: 0,
    helpful: 0,
    unhelpful: 0,
    helpfulRatio: null,
    unsubscribes: 0,
    complaints: 0,
    bounces: { hard: 0, soft: 0 },
    skipped: {},
    suppressed: 0,
    failed: 0,
  };
}

function ratio(helpful: number, unhelpful: number): number | null {
  return helpful + unhelpful
    ? Math.round((helpful / (helpful + unhelpful)) * 10_000) / 10_000
    : null;
}

export function sumFigures(all: ReportFiguresDto[]): ReportFiguresDto {
  const t = emptyFigures();
  for (const f of all) {
    t.sent += f.sent;
    t.helpful += f.helpful;
    t.unhelpful += f.unhelpful;
    t.unsubscribes += f.unsubscribes;
    t.complaints += f.complaints;
    t.bounces.hard += f.bounces.hard;
    t.bounces.soft += f.bounces.soft;
    t.suppressed += f.suppressed;
    t.failed += f.failed;
    for (const [reason, n] of Object.entries(f.skipped))
      t.skipped[reason] = (t.skipped[reason] ?? 0) + n;
  }
  t.helpfulRatio = ratio(t.helpful, t.unhelpful);
  return t;
}
