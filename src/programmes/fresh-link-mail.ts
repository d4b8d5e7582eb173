import type { NewMessage } from '../messaging/delivery/ledger.service';
import { TOKEN_TTL_SECONDS } from '../platform/tokens/tokens.service';

/**
 * The fresh-link email: a transactional email with an `elevated` preference link (valid 24
 * hours, signed when the email is sent by the preference center's link contributor). Two doors
 * ask for it: "email me a fresh link" on the preference pages, and the subscribe form when the
 * address is already subscribed (its owner gets a link to add topics; whoever typed the address
 * learns nothing). One definition, so both share the template, the data and the rate limit.
 */
export const FRESH_LINK_TEMPLATE = 'fresh-link';
export const FRESH_LINK_HOURS = TOKEN_TTL_SECONDS.elevated / 3600;

/** At most one fresh-link email per subscriber in this window (the dedupe key's bucket). */
const BUCKET_MS = 10 * 60_000;

/**
 * Why it was asked for: the email says so ("on our preference page", "on our sign-up form", "our
 * support team sent it").
 */
export type FreshLinkReason = 'preferences' | 'signup' | 'support';

export function freshLinkMessage(
  subscriberId: string,
  now: Date,
  reason: FreshLinkReason,
): NewMessage {
  const bucket = Math.floor(now.getTime() / BUCKET_MS);
  return {
    dedupeKey: `fresh-link:${subscriberId}:${bucket}`,
    subscriberId,
    template: FRESH_LINK_TEMPLATE,
    kind: 'transactional',
    data: {
      expiresInHours: FRESH_LINK_HOURS,
      ...(reason === 'signup' ? { fromSignup: true } : {}),
      ...(reason === 'support' ? { fromSupport: true } : {}),
    },
  };
}
