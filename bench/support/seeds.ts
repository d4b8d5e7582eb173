/** Seeds both the console and the reports benches use (set-based, on a pg Client or a DataSource). */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * The renewal notices of the date rule `renewal-ahead` (30 days before `renewal_date`, 09:00 local
 * time, at the latest 14 days before at 17:00), for the benches that seed a lifecycle programme:
 * sent, queued, or (one in 300 whose deadline passed) skipped as `deadline_missed` with its
 * missed promise. Set-based, like the rest of the seeds.
 */
export async function seedRenewalNotices(db: Queryable, ruleId: string, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO outbound_messages (dedupe_key, subscriber_id, topic_id, rule_id, template, kind, status,
                                    skip_reason, data, locale, send_after, deadline_at, sent_at, created_at, updated_at)
     SELECT lifecycle_notice_key($1, d.subscriber_id, lifecycle_date_anchor(d.value)), d.subscriber_id,
            x.topic_id, $1::uuid, 'notice', 'notice',
            CASE WHEN w.missed THEN 'skipped' WHEN w.planned <= $2 THEN 'sent' ELSE 'queued' END,
            CASE WHEN w.missed THEN 'deadline_missed' END,
            jsonb_build_object('lifecycle', jsonb_build_object('rule', 'renewal-ahead', 'trigger', 'date',
                                                               'anchor', lifecycle_date_anchor(d.value))),
            s.locale, w.planned, w.deadline, CASE WHEN NOT w.missed AND w.planned <= $2 THEN w.planned END,
            w.planned - interval '1 day', LEAST(w.planned, $2)
       FROM subscriber_dates d
       JOIN subscribers s ON s.id = d.subscriber_id AND s.status = 'active'
       JOIN subscriptions x ON x.subscriber_id = s.id AND x.status = 'active'
       JOIN topics t ON t.id = x.topic_id AND t.key = 'renewals'
       CROSS JOIN LATERAL (
         SELECT lifecycle_local_at(d.value - 30, '09:00', s.timezone) AS planned,
                lifecycle_local_at(d.value - 14, '17:00', s.timezone) AS deadline,
                abs(hashtext(d.subscriber_id::text || 'miss')) % 300 = 0
                  AND lifecycle_local_at(d.value - 14, '17:00', s.timezone) < $2 AS missed) w
      WHERE d.name = 'renewal_date' AND d.value <= ($2::timestamptz AT TIME ZONE 'UTC')::date + 31`,
    [ruleId, now],
  );
  await db.query(
    `INSERT INTO lifecycle_missed_promises (rule_id, subscriber_id, message_id, anchor, deadline_at, detected_at, cause)
     SELECT rule_id, subscriber_id, id, data->'lifecycle'->>'anchor', deadline_at, deadline_at + interval '1 minute',
            'not_delivered'
       FROM outbound_messages WHERE skip_reason = 'deadline_missed'`,
  );
}

/**
 * Hard bounces and complaints on 7 in 2,000 sent messages (6 bounces to 1 complaint), each with the
 * webhook report it came in, an hour after the message.
 */
export async function seedBouncesAndComplaints(db: Queryable): Promise<void> {
  await db.query(
    `WITH picked AS (
       SELECT m.id, m.subscriber_id, m.sent_at, CASE WHEN abs(hashtext(m.id::text)) % 2000 < 6 THEN 'hard_bounce' ELSE 'complaint' END AS type
         FROM outbound_messages m
        WHERE m.status = 'sent' AND abs(hashtext(m.id::text)) % 2000 < 7),
     reports AS (
       INSERT INTO webhook_reports (endpoint, report_key, format, received_at)
       SELECT CASE WHEN type = 'complaint' THEN 'complaints' ELSE 'bounces' END, 'bench:' || id, 'json', sent_at
         FROM picked RETURNING id, report_key)
     INSERT INTO delivery_signals (report_id, type, outcome, matched_by, message_id, subscriber_id, occurred_at)
     SELECT r.id, p.type, 'recorded', 'message', p.id, p.subscriber_id, p.sent_at + interval '1 hour'
       FROM picked p JOIN reports r ON r.report_key = 'bench:' || p.id`,
  );
}
