import type { ConsoleLocale, Role } from './roles';

/** A console user as stored (never with the password hash outside the accounts module). */
export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: ConsoleLocale;
  /** Null until an invited user sets a password. */
  hasPassword: boolean;
  disabledAt: Date | null;
  createdAt: Date;
  lastSignInAt: Date | null;
  invitedBy: string | null;
}

export const USER_COLUMNS = `id, email, name, role, locale, password_hash IS NOT NULL AS has_password,
  disabled_at, created_at, last_sign_in_at, invited_by`;

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  locale: ConsoleLocale;
  has_password: boolean;
  disabled_at: Date | null;
  created_at: Date;
  last_sign_in_at: Date | null;
  invited_by: string | null;
}

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role,
    locale: r.locale,
    hasPassword: r.has_password,
    disabledAt: r.disabled_at,
    createdAt: r.created_at,
    lastSignInAt: r.last_sign_in_at,
    invitedBy: r.invited_by,
  };
}
