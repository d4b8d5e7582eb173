/** The one normalisation of an address used for uniqueness, suppression hashes and lookups. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A log-safe stand-in for an address: keeps the domain, hides the mailbox. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
