import { Injectable, OnModuleInit, Type } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import {
  decoratedProviders,
  inOrder,
  Ordered,
  refuseDuplicateNames,
} from '../../platform/extension-points';
import { SuppressionsService } from '../../audience/suppressions/suppressions.service';
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
export interface SendTimeCheck {
  readonly name: string;
  check(messages: ClaimedMessage[], now: Date): Promise<Map<string, SendDecision>>;
}

export type SendCheckOptions = Ordered;

const SEND_CHECK = Reflector.createDecorator<SendCheckOptions>();

/**
 * Marks a provider as a check delivery runs on every claimed batch (frequency caps, content mix,
 * ...), in `order`, after delivery's own checks (`baseDecision`: subscriber status, suppression,
 * subscription, pause). A check sees only the messages no earlier check decided on.
 */
export function SendCheck(options: SendCheckOptions = {}) {
  return (target: Type<SendTimeCheck>): void => {
    SEND_CHECK(options)(target);
  };
}

/**
 * The `@SendCheck()` providers, in the order they run (two with one name are refused at start),
 * and the whole chain over a set of messages (`decide`).
 */
@Injectable()
export class SendChecks implements OnModuleInit {
  private checks: readonly SendTimeCheck[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly suppressions: SuppressionsService,
  ) {}

  onModuleInit(): void {
    const found = inOrder(
      decoratedProviders<SendTimeCheck, SendCheckOptions>(this.discovery, SEND_CHECK),
    );
    refuseDuplicateNames(found, (c) => c.target.name, 'send checks');
    this.checks = found.map((c) => c.target);
  }

  all(): readonly SendTimeCheck[] {
    return this.checks;
  }

  /**
   * Every check on these messages: delivery's own (`baseDecision`, with suppression looked up for
   * all of them in one query), then each `@SendCheck` in order on what is still undecided. What is
   * not in the map may be sent now. Delivery runs it on every claimed batch; `POST /v1/sends` runs
   * it on the message it is asked for before writing it (send-admission.ts).
   */
  async decide(messages: ClaimedMessage[], now: Date): Promise<Map<string, SendDecision>> {
    const suppressed = await this.suppressions.suppressedAmong(
      messages.map((m) => m.email).filter((e): e is string => !!e),
    );
    const decisions = new Map<string, SendDecision>();
    for (const m of messages) {
      const d = baseDecision(m, !!m.email && suppressed.has(m.email), now);
      if (d) decisions.set(m.id, d);
    }
    for (const check of this.checks) {
      const remaining = messages.filter((m) => !decisions.has(m.id));
      if (!remaining.length) break;
      for (const [id, d] of await check.check(remaining, now)) decisions.set(id, d);
    }
    return decisions;
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
