import { Scope, SCOPES } from '../../platform/http/scopes';

/** The roles a console user can have, from most to least powerful. */
export const ROLES = ['owner', 'admin', 'marketer', 'analyst', 'support'] as const;
export type Role = (typeof ROLES)[number];

/** The languages the console and its account emails are written in. */
export const CONSOLE_LOCALES = ['nl', 'en'] as const;
export type ConsoleLocale = (typeof CONSOLE_LOCALES)[number];

/**
 * What each role may do, as the API scopes an API key would need (src/platform/http/scopes.ts).
 * A signed-in user's request is checked by the same `@RequireScopes` as a key's, so this table is
 * the only place a role's rights are written down (docs/accounts.md shows it).
 *
 * - owner, admin: everything (`admin`), including API keys, users and the activity log. Only an
 *   owner may make or change admins and owners.
 * - marketer: the daily work: topics, subscribers, templates, content, campaigns, lifecycle
 *   rules, data-use purposes, sends and events; reads the ledger, reports and webhook endpoints
 *   (every scope but `admin` and `webhooks:write`).
 * - analyst: every `:read` scope; changes nothing.
 * - support: finds subscribers and acts on them (change, pause, unsubscribe, export, erase: all
 *   `subscribers:write`); reads topics and the ledger for context. No campaigns, templates or rules.
 */
/** Scopes only owners and admins hold: every key and user, and who is told what happens. */
const ADMIN_ONLY: readonly Scope[] = ['admin', 'webhooks:write'];

export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  owner: ['admin'],
  admin: ['admin'],
  // Every scope but the admin-only ones, so a capability added later is a marketer's by default.
  marketer: SCOPES.filter((scope) => !ADMIN_ONLY.includes(scope)),
  analyst: SCOPES.filter((scope) => scope.endsWith(':read')),
  support: ['topics:read', 'subscribers:read', 'subscribers:write', 'messages:read'],
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function roleScopes(role: Role): string[] {
  return [...ROLE_SCOPES[role]];
}

/** Roles an actor may hand out or change: an owner any, an admin (user or key) those below admin. */
export function mayManage(actorRole: Role | 'api_key_admin', target: Role): boolean {
  if (actorRole === 'owner') return true;
  if (actorRole === 'admin' || actorRole === 'api_key_admin') {
    return target !== 'owner' && target !== 'admin';
  }
  return false;
}
