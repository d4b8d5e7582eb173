import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The watchdog's definition of silence (migrations/1764000980000-WatchdogSilence.ts) takes the
 * columns it needs instead of whole rows of subscriptions, subscribers and topics: the watchdog
 * reads them through the audience read models (audience_subscriptions, audience_subscribers,
 * audience_topics), and a view's row is not a table's row type. Same rules, same SQL; the
 * functions stay plain SQL expressions PostgreSQL inlines into the calling statement.
 */
export class WatchdogSilenceColumns1764001061000 implements MigrationInterface {
  name = 'WatchdogSilenceColumns1764001061000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION watchdog_silent_subscriptions(timestamptz, integer)`);
    await q.query(
      `DROP FUNCTION watchdog_silent(subscriptions, subscribers, topics, timestamptz, integer)`,
    );
    await q.query(`DROP FUNCTION watchdog_window_end(subscriptions, subscribers)`);
    // When a subscription's current window ends: its last delivery (or its start: the later of
    // its creation and the subscriber's confirmation) plus its period.
    await q.query(`
      CREATE FUNCTION watchdog_window_end(last_delivered_at timestamptz, created_at timestamptz,
                                          confirmed_at timestamptz, frequency text)
        RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT coalesce(last_delivered_at, greatest(created_at, coalesce(confirmed_at, created_at)))
               + tidings_period(frequency) $$`);
    // Silent at \`at\`: as before (an active subscription of an active, unpaused subscriber to an
    // editorial or promotional topic that is not archived, whose window plus grace_days ended).
    await q.query(`
      CREATE FUNCTION watchdog_silent(subscription_status text, subscriber_status text,
                                      paused_until timestamptz, topic_kind text,
                                      topic_archived_at timestamptz, window_end timestamptz,
                                      at timestamptz, grace_days integer)
        RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT subscription_status = 'active' AND subscriber_status = 'active'
               AND topic_archived_at IS NULL AND topic_kind <> 'notice'
               AND (paused_until IS NULL OR paused_until <= at)
               AND window_end + make_interval(days => grace_days) <= at $$`);
    await q.query(`
      CREATE FUNCTION watchdog_silent_subscriptions(at timestamptz, grace_days integer)
        RETURNS TABLE (subscription_id uuid, subscriber_id uuid, topic_id uuid, frequency text,
                       last_delivered_at timestamptz, window_ended_at timestamptz)
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT x.id, x.subscriber_id, x.topic_id, x.frequency, x.last_delivered_at,
               watchdog_window_end(x.last_delivered_at, x.created_at, s.confirmed_at, x.frequency)
          FROM audience_subscriptions x
          JOIN audience_subscribers s ON s.id = x.subscriber_id
          JOIN audience_topics t ON t.id = x.topic_id
         WHERE watchdog_silent(x.status, s.status, s.paused_until, t.kind, t.archived_at,
                               watchdog_window_end(x.last_delivered_at, x.created_at,
                                                   s.confirmed_at, x.frequency),
                               at, grace_days) $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION watchdog_silent_subscriptions(timestamptz, integer)`);
    await q.query(
      `DROP FUNCTION watchdog_silent(text, text, timestamptz, text, timestamptz, timestamptz, timestamptz, integer)`,
    );
    await q.query(`DROP FUNCTION watchdog_window_end(timestamptz, timestamptz, timestamptz, text)`);
    await q.query(`
      CREATE FUNCTION watchdog_window_end(x subscriptions, s subscribers) RETURNS timestamptz
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT coalesce(x.last_delivered_at, greatest(x.created_at, coalesce(s.confirmed_at, x.created_at)))
               + tidings_period(x.frequency) $$`);
    await q.query(`
      CREATE FUNCTION watchdog_silent(x subscriptions, s subscribers, t topics, at timestamptz,
                                      grace_days integer)
        RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT x.status = 'active' AND s.status = 'active' AND t.archived_at IS NULL
               AND t.kind <> 'notice'
               AND (s.paused_until IS NULL OR s.paused_until <= at)
               AND watchdog_window_end(x, s) + make_interval(days => grace_days) <= at $$`);
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
}
