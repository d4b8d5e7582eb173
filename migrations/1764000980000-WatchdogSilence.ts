import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The silence watchdog's definition of a silent subscription, as SQL functions: the watchdog's
 * fallback (which locks the subscriptions it picks), its report, and the programme summary and
 * dashboard (src/trust/reports) all call these, so there is one definition and no caller depends
 * on another statement's table aliases or parameter numbers. Plain SQL functions, not STRICT:
 * PostgreSQL inlines them into the calling statement (the whole-row arguments become plain
 * column references), so plans stay as they were.
 */
export class WatchdogSilence1764000980000 implements MigrationInterface {
  name = 'WatchdogSilence1764000980000';

  async up(q: QueryRunner): Promise<void> {
    // When a subscription's chosen window ended: its period after the last message in its topic
    // or, before any, after joining (or confirming, whichever is later).
    await q.query(`
      CREATE FUNCTION watchdog_window_end(x subscriptions, s subscribers) RETURNS timestamptz
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT coalesce(x.last_delivered_at, greatest(x.created_at, coalesce(s.confirmed_at, x.created_at)))
               + tidings_period(x.frequency) $$`);
    // Silent at `at`: an active subscription of an active subscriber to an editorial or
    // promotional topic that is not archived, whose window plus grace_days ended with no message
    // in its topic (any kind of message counts). Paused subscribers asked for quiet and are not
    // silent; notice topics promise a message ahead of a date, not one per period: never silent.
    await q.query(`
      CREATE FUNCTION watchdog_silent(x subscriptions, s subscribers, t topics, at timestamptz,
                                      grace_days integer)
        RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT x.status = 'active' AND s.status = 'active' AND t.archived_at IS NULL
               AND t.kind <> 'notice'
               AND (s.paused_until IS NULL OR s.paused_until <= at)
               AND watchdog_window_end(x, s) + make_interval(days => grace_days) <= at $$`);
    // The silent subscriptions at `at`, for reports.
    await q.query(`
      CREATE FUNCTION watchdog_silent_subscriptions(at timestamptz, grace_days integer)
        RETURNS TABLE (subscription_id uuid, subscriber_id uuid, topic_id uuid, frequency text,
                       last_delivered_at timestamptz, window_ended_at timestamptz)
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT x.id, x.subscriber_id, x.topic_id, x.frequency, x.last_delivered_at,
               watchdog_window_end(x, s)
          FROM subscriptions x
          JOIN subscribers s ON s.id = x.subscriber_id
          JOIN topics t ON t.id = x.topic_id
         WHERE watchdog_silent(x, s, t, at, grace_days) $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION watchdog_silent_subscriptions(timestamptz, integer)`);
    await q.query(
      `DROP FUNCTION watchdog_silent(subscriptions, subscribers, topics, timestamptz, integer)`,
    );
    await q.query(`DROP FUNCTION watchdog_window_end(subscriptions, subscribers)`);
  }
}
