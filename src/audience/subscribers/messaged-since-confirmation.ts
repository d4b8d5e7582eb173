import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryRows } from '../../platform/database/sql';
import { OnSchedulerTick } from '../../platform/scheduler/tick-handlers';

/** Subscribers marked by one statement: a short transaction, whatever the backlog. */
export const MARK_BATCH = 5000;

/**
 * One batch of marking (`$1` its size): active subscribers not yet known to have had a sent
 * message since their confirmation (migration 1764025000000's partial index) that now have one
 * get `messaged_confirmed_at = confirmed_at`. Rows another transaction holds (delivery holds a
 * subscriber FOR SHARE while it hands a message over) are skipped, never waited for: they are
 * marked on a later tick. Returns the marked subscribers' ids.
 */
export const MARK_MESSAGED_SQL = `
  UPDATE subscribers s SET messaged_confirmed_at = s.confirmed_at
   WHERE s.id = ANY (ARRAY(
           SELECT c.id FROM subscribers c
            WHERE c.status = 'active' AND c.confirmed_at IS NOT NULL
              AND c.messaged_confirmed_at IS DISTINCT FROM c.confirmed_at
              AND EXISTS (SELECT 1 FROM messaging_ledger_messages m
                           WHERE m.subscriber_id = c.id AND m.status = 'sent'
                             AND m.sent_at >= c.confirmed_at)
            ORDER BY c.confirmed_at, c.id
            LIMIT $1
            FOR NO KEY UPDATE SKIP LOCKED))
  RETURNING s.id`;

/**
 * Keeps `subscribers.messaged_confirmed_at` (see migration 1764025000000): on every scheduler tick,
 * the subscribers whose first message since their confirmation went out are marked, so the
 * programme summary's "confirmed without a message since" probes only those still waiting for
 * one (and those confirmed since the last tick). The mark is only ever a shortcut: the report
 * probes the ledger for every subscriber without it, so a late mark changes no figure.
 */
@Injectable()
export class MessagedSinceConfirmation {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @OnSchedulerTick('messaged-since-confirmation', { order: 70 })
  async tick(): Promise<{ marked: number }> {
    let marked = 0;
    for (;;) {
      const rows = await queryRows<{ id: string }>(this.dataSource, MARK_MESSAGED_SQL, [
        MARK_BATCH,
      ]);
      marked += rows.length;
      if (rows.length < MARK_BATCH) return { marked };
    }
  }
}
