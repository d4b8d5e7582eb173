import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { LedgerService, NewMessage } from '../../messaging/delivery/ledger.service';
import { SubscriptionSlots } from '../../audience/subscribers/subscription-slots';

/** A regular message that uses its subscription's period: a digest, or the watchdog's fallback. */
export interface PeriodMessage {
  /** What uses the period; the dedupe key `<use>:<subscription>:<slot>` allows one per period. */
  use: 'digest' | 'evergreen';
  subscriptionId: string;
  /** The slot the message uses (the subscription's `next_due_at`). */
  slot: Date;
  message: Omit<NewMessage, 'dedupeKey'>;
}

/**
 * Writes messages that use their subscriptions' periods and reserves each subscription's next
 * slot, in the caller's transaction, which holds the subscriptions' row locks (FOR UPDATE), so a
 * period never gets two messages. The rows are marked enqueued at `now`: enqueue the returned ids
 * after the commit.
 */
@Injectable()
export class PeriodMessages {
  constructor(
    private readonly ledger: LedgerService,
    private readonly slots: SubscriptionSlots,
  ) {}

  async write(manager: EntityManager, messages: PeriodMessage[], now: Date): Promise<string[]> {
    if (!messages.length) return [];
    const ids = await this.ledger.insert(
      manager,
      messages.map((m) => ({
        ...m.message,
        dedupeKey: `${m.use}:${m.subscriptionId}:${m.slot.getTime() / 1000}`,
      })),
      { at: now, markEnqueued: true },
    );
    await this.slots.reserveNext(
      manager,
      messages.map((m) => m.subscriptionId),
      now,
    );
    return ids;
  }
}
