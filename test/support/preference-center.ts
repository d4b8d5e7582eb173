import { topicInput } from '../factories';
import type { TestApp } from './test-app';

/** The CSRF token a preference-center page put into its forms. */
export function csrfOf(page: string): string {
  const match = /name="csrf" value="([A-Za-z0-9_-]+)"/.exec(page);
  if (!match) throw new Error(`No CSRF field in: ${page.slice(0, 300)}`);
  return match[1];
}

/** The path of the first `${publicUrl}${prefix}<token>` link in a text (an email's text part). */
export function linkPath(text: string, publicUrl: string, prefix: string): string {
  const escaped = publicUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}(${prefix}[A-Za-z0-9_-]+)`).exec(text);
  if (!match) throw new Error(`No ${prefix} link in: ${text.slice(0, 500)}`);
  return match[1];
}

export async function createTopic(t: TestApp, overrides: Record<string, unknown> = {}) {
  const topic = topicInput(overrides);
  await t
    .http()
    .post('/v1/topics')
    .set({ Authorization: `Bearer ${t.adminKey}` })
    .send(topic)
    .expect(201);
  return topic;
}

export async function consentEvents(
  t: TestApp,
  subscriberId: string,
): Promise<Array<{ action: string; topic_key: string | null; source: string; wording: string }>> {
  return t.dataSource.query(
    `SELECT e.action, t.key AS topic_key, e.source, e.wording, e.details
       FROM consent_events e LEFT JOIN topics t ON t.id = e.topic_id
      WHERE e.subscriber_id = $1 ORDER BY e.id`,
    [subscriberId],
  );
}

export async function subscriptionRows(
  t: TestApp,
  subscriberId: string,
): Promise<Record<string, { status: string; frequency: string }>> {
  const rows: Array<{ key: string; status: string; frequency: string }> = await t.dataSource.query(
    `SELECT t.key, x.status, x.frequency FROM subscriptions x JOIN topics t ON t.id = x.topic_id
      WHERE x.subscriber_id = $1`,
    [subscriberId],
  );
  return Object.fromEntries(rows.map((r) => [r.key, { status: r.status, frequency: r.frequency }]));
}

/** What a person reads on a page: tags removed, entities decoded, white space collapsed. */
export function pageText(page: string): string {
  return page
    .replace(/<style[\s\S]*?<\/style>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The same token with one character in the middle changed. The last character of base64url
 * carries padding bits, so changing it can leave the bytes (and the signature) as they were.
 */
export function tampered(token: string): string {
  const at = Math.floor(token.length / 2);
  const other = token[at] === 'A' ? 'B' : 'A';
  return token.slice(0, at) + other + token.slice(at + 1);
}
