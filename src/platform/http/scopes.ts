/**
 * What an API key may do. `admin` implies every scope. Later features add their scopes here so
 * the CLI and the API validate against one list.
 */
export const SCOPES = [
  'admin',
  'topics:read',
  'topics:write',
  'subscribers:read',
  'subscribers:write',
  'templates:read',
  'templates:write',
  'messages:read',
  'reports:read',
  'lifecycle:read',
  'lifecycle:write',
  'events:write',
  'content:read',
  'content:write',
  'campaigns:read',
  'campaigns:write',
  'sends:write',
  'webhooks:read',
  'webhooks:write',
  'purposes:read',
  'purposes:write',
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

export function grants(held: readonly string[], needed: Scope): boolean {
  return held.includes('admin') || held.includes(needed);
}
