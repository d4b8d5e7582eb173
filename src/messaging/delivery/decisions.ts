import { DataSource, EntityManager } from 'typeorm';
import { laterAttemptAt } from '../send-window';
import type { ClaimedMessage } from './claimed-message';
import type { SendDecision } from './send-checks';

/**
 * Records, in one statement per kind, why claimed messages are not sent now: `skipped` or
 * `suppressed` for good, or `deferred` (back to `queued` until `until`; the claim's attempt does
 * not count, and the dispatcher enqueues it when its time comes). Only rows still claimed are
 * touched, so a claim that was reclaimed meanwhile is left to its new holder.
 */
export async function recordDecisions(
  db: DataSource | EntityManager,
  messages: ClaimedMessage[],
  decisions: Map<string, SendDecision>,
): Promise<void> {
  const deferred = messages.filter((m) => decisions.get(m.id)?.status === 'deferred');
  if (deferred.length) {
    await db.query(
      `UPDATE outbound_messages m
          SET status = 'queued', send_after = d.until, claimed_at = NULL, claimed_by = NULL,
              handed_at = NULL, enqueued_at = NULL, attempts = GREATEST(m.attempts - 1, 0),
              updated_at = now()
         FROM unnest($1::uuid[], $2::timestamptz[]) AS d(id, until)
        WHERE m.id = d.id AND m.status = 'sending'`,
      [
        deferred.map((m) => m.id),
        // A windowed message deferred to a moment outside its window waits for the window.
        deferred.map((m) =>
          laterAttemptAt((decisions.get(m.id) as { until: Date }).until, m).toISOString(),
        ),
      ],
    );
  }
  const decided = messages.filter(
    (m) => decisions.has(m.id) && decisions.get(m.id)!.status !== 'deferred',
  );
  if (!decided.length) return;
  await db.query(
    `UPDATE outbound_messages m SET status = d.status, skip_reason = d.reason, updated_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS d(id, status, reason)
      WHERE m.id = d.id AND m.status = 'sending'`,
    [
      decided.map((m) => m.id),
      decided.map((m) => decisions.get(m.id)!.status),
      decided.map((m) => {
        const d = decisions.get(m.id)!;
        return d.status === 'skipped' ? d.reason : null;
      }),
    ],
  );
}
