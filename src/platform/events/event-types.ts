/**
 * The events Tidings tells other systems about (webhooks out, docs/webhooks-out.md). A payload
 * carries ids and the facts of the change, never more personal data than the event needs: the
 * address is added when a delivery is sent, and only for the types below that need it.
 */
export const EVENT_TYPES = [
  'subscriber.created',
  'subscriber.confirmed',
  'subscription.changed',
  'subscriber.unsubscribed',
  'subscriber.bounced',
  'subscriber.complained',
  'subscriber.erased',
  'message.sent',
  'message.failed',
  'notice.deadline_missed',
  'campaign.finished',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: string): value is EventType {
  return (EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * Types whose receivers need the subscriber's address to act on them (a CRM matches people by
 * address). The address is read when each delivery is sent, so an erased subscriber's events,
 * also those recorded before the erasure, carry none.
 */
export const ADDRESS_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  'subscriber.created',
  'subscriber.confirmed',
  'subscription.changed',
  'subscriber.unsubscribed',
  'subscriber.bounced',
  'subscriber.complained',
]);
