import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { maskEmail } from '../../platform/email';
import { InvalidInputError, NotFoundError } from '../../platform/errors/domain-errors';
import { decodeCursor, encodeCursor } from '../../platform/http/pagination';
import { queryRows } from '../../platform/database/sql';
import {
  MissedByRuleDto,
  MissedDeadlineDto,
  MissedDeadlinesReportDto,
} from './lifecycle-report.dto';
import { Period } from './report-period';

export interface RuleRow {
  id: string;
  key: string;
  name: string;
}

interface ItemRow {
  id: string;
  rule_id: string;
  key: string;
  name: string;
  subscriber_id: string;
  message_id: string;
  anchor: string | null;
  deadline_at: Date;
  detected_at: Date;
  cursor_ts: string;
  cause: string;
  last_error: string | null;
  apology_message_id: string | null;
  apology_status: string | null;
  apology_sent_at: Date | null;
  apology_skip_reason: string | null;
  alerted_at: Date | null;
}

const ADDRESS = /[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g;

/**
 * The engine's missed promises (lifecycle_missed_promises) as a report: counts per rule, cause and
 * apology status, and the list itself, newest first, a keyset page at a time over
 * (detected_at, id).
 */
@Injectable()
export class MissedDeadlinesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async report(
    period: Period,
    options: { rule?: string; limit?: number; cursor?: string } = {},
  ): Promise<MissedDeadlinesReportDto> {
    const ruleId = options.rule ? (await this.findRule(options.rule)).id : null;
    const limit = options.limit ?? 50;
    const after = options.cursor ? decodeCursor(options.cursor) : null;
    if (after && !/^\d+$/.test(after.id)) {
      throw new InvalidInputError('cursor is not a cursor this API returned', 'cursor');
    }
    const [counts, rows] = await Promise.all([
      queryRows<{
        rule_id: string;
        key: string;
        name: string;
        cause: string;
        apology: string;
        n: number;
      }>(
        this.dataSource,
        `SELECT p.rule_id, r.key, r.name, p.cause, COALESCE(a.status, 'none') AS apology, count(*)::int AS n
           FROM programmes_lifecycle_missed_promises p
           JOIN programmes_lifecycle_rules r ON r.id = p.rule_id
           LEFT JOIN messaging_ledger_messages a ON a.id = p.apology_message_id
          WHERE p.detected_at >= $1 AND p.detected_at < $2
            AND ($3::uuid IS NULL OR p.rule_id = $3)
          GROUP BY 1, 2, 3, 4, 5`,
        [period.from, period.to, ruleId],
      ),
      queryRows<ItemRow>(
        this.dataSource,
        `SELECT p.id::text AS id, p.rule_id, r.key, r.name, p.subscriber_id, p.message_id, p.anchor,
                p.deadline_at, p.detected_at,
                to_char(p.detected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts,
                p.cause, p.last_error, p.apology_message_id, a.status AS apology_status,
                a.sent_at AS apology_sent_at, a.skip_reason AS apology_skip_reason, p.alerted_at
           FROM programmes_lifecycle_missed_promises p
           JOIN programmes_lifecycle_rules r ON r.id = p.rule_id
           LEFT JOIN messaging_ledger_messages a ON a.id = p.apology_message_id
          WHERE p.detected_at >= $1 AND p.detected_at < $2
            AND ($3::uuid IS NULL OR p.rule_id = $3)
            AND ($4::timestamptz IS NULL OR (p.detected_at, p.id) < ($4::timestamptz, $5::bigint))
          ORDER BY p.detected_at DESC, p.id DESC
          LIMIT $6`,
        [period.from, period.to, ruleId, after?.createdAt ?? null, after?.id ?? null, limit + 1],
      ),
    ]);
    const byRule = new Map<string, MissedByRuleDto>();
    for (const c of counts) {
      let entry = byRule.get(c.rule_id);
      if (!entry) {
        entry = {
          rule: { id: c.rule_id, key: c.key, name: c.name },
          missed: 0,
          byCause: {},
          apologies: {},
        };
        byRule.set(c.rule_id, entry);
      }
      entry.missed += c.n;
      entry.byCause[c.cause] = (entry.byCause[c.cause] ?? 0) + c.n;
      entry.apologies[c.apology] = (entry.apologies[c.apology] ?? 0) + c.n;
    }
    const kept = rows.slice(0, limit);
    const last = kept[kept.length - 1];
    return {
      period,
      total: counts.reduce((sum, c) => sum + c.n, 0),
      byRule: [...byRule.values()].sort(
        (a, b) => b.missed - a.missed || a.rule.key.localeCompare(b.rule.key),
      ),
      items: kept.map(toItem),
      nextCursor:
        rows.length > limit && last
          ? encodeCursor({ createdAt: last.cursor_ts, id: last.id })
          : null,
    };
  }

  /** A rule that is not deleted, by id or key; 404 naming `rule` otherwise. */
  async findRule(idOrKey: string): Promise<RuleRow> {
    const [rule] = await queryRows<RuleRow>(
      this.dataSource,
      `SELECT id, key, name FROM programmes_lifecycle_rules
        WHERE deleted_at IS NULL AND (key = $1 OR id::text = $1)`,
      [idOrKey],
    );
    if (!rule) throw new NotFoundError(`No lifecycle rule "${idOrKey}"`, 'rule');
    return rule;
  }
}

function toItem(r: ItemRow): MissedDeadlineDto {
  return {
    id: r.id,
    rule: { id: r.rule_id, key: r.key, name: r.name },
    subscriberId: r.subscriber_id,
    messageId: r.message_id,
    anchor: r.anchor,
    deadlineAt: r.deadline_at,
    detectedAt: r.detected_at,
    cause: r.cause,
    lastError: r.last_error ? r.last_error.replace(ADDRESS, (a) => maskEmail(a)) : null,
    apology: {
      status: r.apology_status ?? 'none',
      messageId: r.apology_message_id,
      sentAt: r.apology_sent_at,
      skipReason: r.apology_skip_reason,
    },
    alertedAt: r.alerted_at,
  };
}
