/**
 * CTEs recording each subscription's last delivery (`last_delivered_at`, what the silence watchdog
 * measures from), for the delivery module's outcome statements. `source` names a relation of the
 * caller's statement with the columns `subscriber_id, topic_id, at` (one row per subscription).
 * Defines `delivered` and `last_delivery` (RETURNING `x.id`; a data-modifying CTE runs whether
 * or not the rest of the statement reads it).
 *
 * Subscriptions are locked in (subscriber, topic) order, the order every writer uses.
 */
export function lastDeliveryCtes(source: string): string {
  return `
    delivered AS (
      SELECT x.id, l.at FROM subscriptions x
        JOIN ${source} l ON x.subscriber_id = l.subscriber_id AND x.topic_id = l.topic_id
       ORDER BY x.subscriber_id, x.topic_id
         FOR NO KEY UPDATE OF x),
    last_delivery AS (
      UPDATE subscriptions x SET last_delivered_at = delivered.at
        FROM delivered WHERE x.id = delivered.id
      RETURNING x.id)`;
}
