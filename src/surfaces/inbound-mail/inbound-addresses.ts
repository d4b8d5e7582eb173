import { normaliseEmail } from '../../platform/email';

export type InboundKind = 'unsubscribe' | 'report';

export interface InboundRecipient {
  kind: InboundKind;
  /** The `+tag` of a plus address (`unsubscribe+<token>@...`), when there is one. */
  tag: string | null;
}

/**
 * Which of our two inbound addresses an envelope recipient is: the mailto: List-Unsubscribe
 * address or the bounce address, each also with a `+tag`. Anything else is not ours, and the
 * listener refuses it at RCPT (so it relays nothing).
 */
export function inboundRecipient(
  address: string,
  ours: { unsubscribeAddress: string; bounceAddress: string },
): InboundRecipient | null {
  const normal = normaliseEmail(address);
  const at = normal.lastIndexOf('@');
  if (at < 1) return null;
  const local = normal.slice(0, at);
  const domain = normal.slice(at + 1);
  const plus = local.indexOf('+');
  const base = plus < 0 ? normal : `${local.slice(0, plus)}@${domain}`;
  // The tag keeps its case: unsubscribe tokens are case-sensitive base64url.
  const original = address.trim();
  const tag = plus < 0 ? null : original.slice(plus + 1, original.lastIndexOf('@')) || null;
  if (normal === ours.unsubscribeAddress) return { kind: 'unsubscribe', tag: null };
  if (normal === ours.bounceAddress) return { kind: 'report', tag: null };
  if (base === ours.unsubscribeAddress) return { kind: 'unsubscribe', tag };
  if (base === ours.bounceAddress) return { kind: 'report', tag };
  return null;
}

/**
 * Candidate unsubscribe tokens in a subject (`unsubscribe <token>`, as our List-Unsubscribe
 * mailto: asks for, possibly behind `Re:` or other words): base64url runs long enough to be one.
 */
export function tokenCandidates(...texts: Array<string | null | undefined>): string[] {
  const found: string[] = [];
  for (const text of texts) {
    for (const m of (text ?? '').slice(0, 2000).matchAll(/[A-Za-z0-9_-]{40,200}/g)) {
      if (!found.includes(m[0])) found.push(m[0]);
    }
  }
  return found.slice(0, 5);
}
