import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Returns SECRET_KEY, or on a first run without one, a key generated once and kept in
 * DATA_DIR/secret.key. The key must never change afterwards: suppression hashes depend on it.
 */
export function ensureSecretKey(
  configured: string | undefined,
  dataDir: string,
): {
  key: string;
  generated: boolean;
  path?: string;
} {
  if (configured) return { key: configured, generated: false };
  const path = join(dataDir, 'secret.key');
  if (existsSync(path)) return { key: readFileSync(path, 'utf8').trim(), generated: false, path };
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  return { key, generated: true, path };
}
