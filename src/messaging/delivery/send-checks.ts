import { Injectable } from '@nestjs/common';
import { nextInWindow, sendWindowOf } from '../send-window';
import type { ClaimedMessage } from './claimed-message';

/**
 * A reason to not send a claimed message now: `skipped` with the reason, `suppressed`, or
 * `deferred` (back to the queue until `until`, not counted as a delivery attempt).
 */
export type SendDecision =
  | { status: 'skipped' | 'suppressed'; reason: string }
  | { status: 'deferred'; reason: string; until: Date };

/**
 * A rule checked at send time, never only at queue time (consent, pause, frequency, content mix).
 * Checks see the whole claimed batch so they can use one query for it.
 */
export interface SendCheck {
  readonly name: string;
  check(messages: ClaimedMessage[], now: Date): Promise<Map<string, SendDecision>>;
}

/**
 * Checks other modules add (frequency caps, content mix, ...). Delivery's own checks (subscriber
 * status, suppression, subscription, pause) always run first.
 */
@Injectable()
export class SendCheckRegistry {
  private readonly checks: SendCheck[] = [];

  register(check: SendCheck): void {
    if (!this.checks.some((c) => c.name === check.name)) this.checks.push(check);
  }

  all(): readonly SendCheck[] {
    return this.checks;
  }
}

// Someone who unsubscribed from everything still gets the emails they ask for themselves (a fresh
// preference link, a new confirmation when they sign up again).
const REACHABLE_FOR_TRANSACTIONAL = new Set(['pending', 'active', 'unsubscribed']);

/** Delivery's own checks on one claimed row; `suppressed` is computed beforehand from hashes. */
export function baseDecision(
  m: ClaimedMessage,
  suppressed: boolean,
  now: Date,
): SendDecision | null {
  if (!m.email || m.subscriberStatus === 'erased')
    return { status: 'skipped', reason: 'subscriber_erased' };
  if (suppressed) return { status: 'suppressed', reason: 'suppressed' };
  if (m.kind === 'transactional') {
    return REACHABLE_FOR_TRANSACTIONAL.has(m.subscriberStatus)
      ? null
      : { status: 'skipped', reason: `subscriber_${m.subscriberStatus}` };
  }
  if (m.subscriberStatus !== 'active')
    return { status: 'skipped', reason: `subscriber_${m.subscriberStatus}` };
  if (m.topicId && m.subscriptionStatus !== 'active')
    return { status: 'skipped', reason: 'not_subscribed' };
  if (m.pausedUntil && m.pausedUntil.getTime() > now.getTime()) {
    return m.kind === 'notice'
      ? noticeDuringPause(m, m.pausedUntil)
      : { status: 'skipped', reason: 'paused' };
  }
  return null;
}

/**
 * A pause never hides a notice whose deadline would pass: such a notice is sent now. Any other
 * notice waits for the end of the pause (the first moment of its send window after it), instead
 * of being dropped like marketing is.
 */
function noticeDuringPause(m: ClaimedMessage, pausedUntil: Date): SendDecision | null {
  if (m.deadlineAt && m.deadlineAt.getTime() <= pausedUntil.getTime()) return null;
  const until = nextInWindow(pausedUntil, m.timezone, sendWindowOf(m.data));
  if (m.deadlineAt && until.getTime() > m.deadlineAt.getTime()) return null;
  return { status: 'deferred', reason: 'paused', until };
}
