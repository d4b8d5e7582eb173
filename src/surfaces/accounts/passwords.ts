import * as argon2 from 'argon2';

/**
 * argon2id with the library's defaults (m=65536 KiB, t=3, p=4; OWASP's minimum is 19 MiB, t=2).
 * It runs on libuv's thread pool, not the event loop; one hash took 350-570 ms on the 2-core
 * development machine under load (docs/accounts.md). That is the cost of a sign-in and what makes
 * a stolen hash slow to guess.
 */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id });
}

export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (!hash) {
    // Spend the same time as a real check, so an answer's timing does not tell who has an account.
    await argon2.hash(password, { type: argon2.argon2id });
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 200;
