/**
 * The ledger's statement builder for set-based producers: a fan-out or a scan hands the ledger
 * "insert these rows from this SELECT" and embeds the returned statement (alone, or as a
 * data-modifying CTE of its own statement), so rows are never loaded into memory and the
 * producer's plan stays one statement. Only the delivery module writes `outbound_messages`; the
 * row form is `LedgerService.insert`.
 */

/** The columns a producer may set; the rest (claims, attempts, outcomes) are delivery's. */
const COLUMNS = {
  dedupeKey: 'dedupe_key',
  subscriberId: 'subscriber_id',
  topicId: 'topic_id',
  campaignId: 'campaign_id',
  ruleId: 'rule_id',
  template: 'template',
  kind: 'kind',
  channel: 'channel',
  status: 'status',
  skipReason: 'skip_reason',
  data: 'data',
  locale: 'locale',
  contentItemIds: 'content_item_ids',
  sendAfter: 'send_after',
  deadlineAt: 'deadline_at',
  createdAt: 'created_at',
  enqueuedAt: 'enqueued_at',
  enqueuedBy: 'enqueued_by',
} as const;

export type LedgerColumn = keyof typeof COLUMNS;

/** An SQL expression per column, evaluated over the rows of the SELECT. */
export type LedgerValues = Partial<Record<LedgerColumn, string>> &
  Record<'dedupeKey' | 'subscriberId' | 'template' | 'kind', string>;

/**
 * A row whose dedupe key exists already:
 * - `nothing` (default): the existing row stands; the new one is not written.
 * - `revive`: for scheduled notices. The new row, when it is `queued`, replaces one that was
 *   skipped for one of `reasons` (an SQL `text[]` expression), or one still queued, never tried
 *   and not due before `now` (an SQL timestamptz expression) whose time, deadline, template or
 *   data changed. Its delivery state starts over.
 */
export type LedgerConflict = 'nothing' | { revive: { reasons: string; now: string } };

export interface LedgerInsert {
  values: LedgerValues;
  /**
   * The rest of the SELECT after its list: `FROM ...` with joins, WHERE, ORDER BY (the list
   * starts with the dedupe key).
   */
  from: string;
  onConflict?: LedgerConflict;
  /** The RETURNING list, over the ledger row `m` (`m.id, m.status`). */
  returning: string;
}

/**
 * `INSERT INTO outbound_messages AS m (...) SELECT <values> <from> ON CONFLICT (dedupe_key) ...
 * RETURNING <returning>`. Columns left out get their defaults (status `queued`, send_after and
 * created_at now(), data `{}`).
 */
export function ledgerInsertSql(spec: LedgerInsert): string {
  for (const c of Object.keys(spec.values)) {
    if (!(c in COLUMNS)) throw new Error(`Not a ledger column a producer may set: ${c}`);
  }
  // In a fixed order, the dedupe key first: `ORDER BY 1` in `from` orders by it.
  const columns = (Object.keys(COLUMNS) as LedgerColumn[]).filter(
    (c) => spec.values[c] !== undefined,
  );
  return `INSERT INTO outbound_messages AS m (${columns.map((c) => COLUMNS[c]).join(', ')})
        SELECT ${columns.map((c) => spec.values[c]).join(',\n               ')}
          ${spec.from}
        ${conflictSql(spec.onConflict ?? 'nothing')}
        RETURNING ${spec.returning}`;
}

function conflictSql(conflict: LedgerConflict): string {
  if (conflict === 'nothing') return 'ON CONFLICT (dedupe_key) DO NOTHING';
  const { reasons, now } = conflict.revive;
  return `ON CONFLICT (dedupe_key) DO UPDATE
           SET status = 'queued', skip_reason = NULL, template = EXCLUDED.template,
               data = EXCLUDED.data, topic_id = EXCLUDED.topic_id, send_after = EXCLUDED.send_after,
               deadline_at = EXCLUDED.deadline_at, attempts = 0, last_error = NULL,
               enqueued_at = NULL, claimed_at = NULL, updated_at = now()
         WHERE EXCLUDED.status = 'queued'
           AND ((m.status = 'skipped' AND m.skip_reason = ANY(${reasons}))
                OR (m.status = 'queued' AND m.attempts = 0 AND m.send_after > ${now}
                    AND (m.send_after, m.deadline_at, m.template, m.data)
                        IS DISTINCT FROM (EXCLUDED.send_after, EXCLUDED.deadline_at, EXCLUDED.template, EXCLUDED.data)))`;
}
