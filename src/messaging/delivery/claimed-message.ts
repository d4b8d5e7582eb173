import type { SubscriberStatus } from '../../audience/subscribers/subscriber.entity';
import type { SubscriptionStatus } from '../../audience/subscribers/subscription.entity';
import type { MessageKind } from './outbound-message.entity';
import { Locale, localeOr } from '../../platform/locale';

/** A ledger row claimed for sending, with what the send-time checks and rendering need. */
export interface ClaimedMessage {
  id: string;
  dedupeKey: string;
  subscriberId: string;
  topicId: string | null;
  /** How it is delivered (channels.ts): its transport and template kind. */
  channel: string;
  template: string;
  /**
   * The published version of its template this process had when it claimed the message (also
   * recorded on the ledger row): the one it renders with, entirely.
   */
  templateVersion?: number | null;
  kind: MessageKind;
  data: Record<string, unknown>;
  attempts: number;
  /** The delivery lease that holds the claim (see delivery-lease.ts). */
  claimedBy: number;
  deadlineAt: Date | null;
  createdAt: Date;
  /**
   * Where it goes on its channel: the email address for `email` (null once erased). Null on a
   * channel without a per-subscriber address (a webhook): its template kind knows where it goes.
   */
  address: string | null;
  /** The subscriber's email address, whatever the channel: suppression and the hand-over check it. */
  email: string | null;
  name: string | null;
  locale: Locale;
  timezone: string;
  subscriberStatus: SubscriberStatus;
  pausedUntil: Date | null;
  /**
   * The subscriber's own overall weekly cap (null: the marketer's default applies). Undefined
   * when the message was not loaded by the claim: a check must then look it up.
   */
  weeklyCap?: number | null;
  subscriptionStatus: SubscriptionStatus | null;
  topicKey: string | null;
  topicName: string | null;
}

interface ClaimRow {
  id: string;
  dedupe_key: string;
  subscriber_id: string;
  topic_id: string | null;
  channel: string;
  template: string;
  template_version: number | null;
  kind: MessageKind;
  data: Record<string, unknown>;
  attempts: number;
  claimed_by: number;
  deadline_at: Date | null;
  created_at: Date;
  address: string | null;
  email: string | null;
  name: string | null;
  locale: Locale | null;
  timezone: string | null;
  subscriber_status: SubscriberStatus | null;
  paused_until: Date | null;
  weekly_cap: number | null;
  subscription_status: SubscriptionStatus | null;
  topic_key: string | null;
  topic_name: string | null;
}

/**
 * Claims queued, due rows atomically for the lease $3 (a second worker or a replayed job gets
 * nothing) and loads the subscriber, subscription and topic in the same statement. $4 maps each
 * template key to its published version in this process: the row records the version it is
 * rendered with. `address` is
 * where the message goes on its channel, read from the subscriber's column for that channel: a
 * channel with its own kind of address (a phone number) adds its branch here.
 */
export const CLAIM_SQL = `
  WITH claimed AS (
    UPDATE outbound_messages m
       SET status = 'sending', claimed_at = $2, claimed_by = $3, handed_at = NULL,
           attempts = m.attempts + 1, updated_at = now(),
           template_version = ($4::jsonb ->> m.template)::int
     WHERE m.id = ANY($1) AND m.status = 'queued' AND m.send_after <= $2
       -- Never late: a notice whose deadline passed while it waited stays for the lifecycle's
       -- deadline sweep, which records the miss and writes the apology.
       AND (m.deadline_at IS NULL OR m.deadline_at > $2)
     RETURNING m.*
  )
  SELECT c.id, c.dedupe_key, c.subscriber_id, c.topic_id, c.channel, c.template,
         c.template_version, c.kind, c.data,
         c.attempts, c.claimed_by, c.deadline_at, c.created_at,
         CASE c.channel WHEN 'email' THEN s.email END AS address,
         s.email, s.name, COALESCE(c.locale, s.locale) AS locale, s.timezone,
         s.status AS subscriber_status, s.paused_until, s.weekly_cap, x.status AS subscription_status,
         t.key AS topic_key, COALESCE(t.names->>s.locale, t.name) AS topic_name
    FROM claimed c
    LEFT JOIN audience_subscribers s ON s.id = c.subscriber_id
    LEFT JOIN audience_subscriptions x ON x.subscriber_id = c.subscriber_id AND x.topic_id = c.topic_id
    LEFT JOIN audience_topics t ON t.id = c.topic_id`;

export function toClaimed(r: ClaimRow): ClaimedMessage {
  return {
    id: r.id,
    dedupeKey: r.dedupe_key,
    subscriberId: r.subscriber_id,
    topicId: r.topic_id,
    channel: r.channel,
    template: r.template,
    templateVersion: r.template_version,
    kind: r.kind,
    data: r.data ?? {},
    attempts: r.attempts,
    claimedBy: r.claimed_by,
    deadlineAt: r.deadline_at,
    createdAt: r.created_at,
    address: r.address,
    email: r.email,
    name: r.name,
    locale: localeOr(r.locale ?? 'en'),
    timezone: r.timezone ?? 'UTC',
    subscriberStatus: r.subscriber_status ?? 'erased',
    pausedUntil: r.paused_until,
    weeklyCap: r.weekly_cap,
    subscriptionStatus: r.subscription_status,
    topicKey: r.topic_key,
    topicName: r.topic_name,
  };
}

export type { ClaimRow };
