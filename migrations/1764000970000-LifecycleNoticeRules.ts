import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The lifecycle engine's rules for "will this date get its notice", as SQL functions that the
 * scheduler (src/programmes/lifecycle: the due scan and the notice writer) and the trust audit
 * (src/trust/reports/audit.service.ts) both call, so the audit can never drift from what the
 * engine does. Plain SQL functions, not STRICT: PostgreSQL inlines them into the calling
 * statement, so they cost nothing per row and plans stay as they were. The timing comes in
 * layers (planned, send_after, late) so a statement can keep a computed moment in a column
 * instead of having it spelled out again in every expression that uses it.
 */
export class LifecycleNoticeRules1764000970000 implements MigrationInterface {
  name = 'LifecycleNoticeRules1764000970000';

  async up(q: QueryRunner): Promise<void> {
    // The dedupe key of a rule's notice: one per rule, subscriber and anchor (a date as
    // lifecycle_date_anchor() writes it, 'confirmed', 'event:<id>' or 'occurrence:<n>').
    await q.query(`
      CREATE FUNCTION lifecycle_notice_key(rule_id uuid, subscriber_id uuid, anchor text)
        RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT 'rule:' || rule_id::text || ':' || subscriber_id::text || ':' || anchor $$`);
    // A date as the anchor of a date rule's notice (its dedupe key and data.lifecycle.anchor).
    await q.query(`
      CREATE FUNCTION lifecycle_date_anchor(day date) RETURNS text
        LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT to_char(day, 'YYYY-MM-DD') $$`);
    // When a notice about anchor_day is due: the start of the send window on the send day
    // (anchor_day + offset_days), for a subscriber in zone tz (a zone from lifecycle_zone()).
    await q.query(`
      CREATE FUNCTION lifecycle_notice_planned_at(anchor_day date, offset_days integer,
                                                  w_start time, tz text)
        RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT lifecycle_local_at(anchor_day + offset_days, w_start, tz) $$`);
    // Its deadline: the end of the send window on the deadline day; none without deadline_days.
    await q.query(`
      CREATE FUNCTION lifecycle_notice_deadline_at(anchor_day date, deadline_days integer,
                                                   w_end time, tz text)
        RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN deadline_days IS NOT NULL
                    THEN lifecycle_local_at(anchor_day + deadline_days, w_end, tz) END $$`);
    // When a notice written at `at` goes: its planned moment, or the next moment inside the send
    // window once that has passed (a late date, an event, a scheduler catching up).
    await q.query(`
      CREATE FUNCTION lifecycle_notice_send_after(planned_at timestamptz, at timestamptz, tz text,
                                                  w_start time, w_end time)
        RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN planned_at >= at THEN planned_at
                    ELSE lifecycle_next_window(at, tz, w_start, w_end) END $$`);
    // Late: it would go after its deadline, so it can no longer arrive in time.
    await q.query(`
      CREATE FUNCTION lifecycle_notice_late(send_after timestamptz, deadline_at timestamptz)
        RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT deadline_at IS NOT NULL AND send_after > deadline_at $$`);
    // Whether the forward scan writes a candidate: on time, or late but promised (its deadline
    // came after the rule last started making promises), which the scan records as a missed
    // promise and answers with an apology. A late date the rule never promised is not written.
    await q.query(`
      CREATE FUNCTION lifecycle_scan_writes(late boolean, deadline_at timestamptz,
                                            active_since timestamptz)
        RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT NOT late OR deadline_at > active_since $$`);
    // The keyset position (date, subscriber id) after which a date rule's forward scan writes:
    // where it stopped, or, for a rule that (re)started (no stored date), two days before the
    // earliest date whose deadline can still be met, so late subscribers get their notice at once.
    await q.query(`
      CREATE FUNCTION lifecycle_date_scan_after(cursor_date date, cursor_id uuid,
                                                active_since timestamptz, deadline_days integer)
        RETURNS TABLE (scan_date date, scan_id uuid)
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT COALESCE(cursor_date,
                        (active_since AT TIME ZONE 'UTC')::date - 2 - COALESCE(deadline_days, 0)),
               CASE WHEN cursor_date IS NOT NULL
                    THEN COALESCE(cursor_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)
                    ELSE 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION lifecycle_date_scan_after(date, uuid, timestamptz, integer)`);
    await q.query(`DROP FUNCTION lifecycle_scan_writes(boolean, timestamptz, timestamptz)`);
    await q.query(`DROP FUNCTION lifecycle_notice_late(timestamptz, timestamptz)`);
    await q.query(
      `DROP FUNCTION lifecycle_notice_send_after(timestamptz, timestamptz, text, time, time)`,
    );
    await q.query(`DROP FUNCTION lifecycle_notice_deadline_at(date, integer, time, text)`);
    await q.query(`DROP FUNCTION lifecycle_notice_planned_at(date, integer, time, text)`);
    await q.query(`DROP FUNCTION lifecycle_date_anchor(date)`);
    await q.query(`DROP FUNCTION lifecycle_notice_key(uuid, uuid, text)`);
  }
}
