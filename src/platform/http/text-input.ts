import { isUtf8 } from 'node:buffer';

/**
 * Checks on the text a request carries. PostgreSQL refuses NUL in `text` and `jsonb` and refuses
 * invalid UTF-8; Node would quietly turn bad bytes into U+FFFD. Either way the request is wrong,
 * so it is refused with a 400 naming the field before any of it reaches a service.
 */

/** JSON bodies may nest objects and arrays this deep; deeper ones are refused before parsing. */
export const MAX_JSON_DEPTH = 32;

export type TextProblem = 'nul' | 'invalid_utf8';

export interface FieldTextProblem {
  field: string;
  problem: TextProblem;
}

/** A message naming the field, for the 400 answer. */
export function describeTextProblem({ field, problem }: FieldTextProblem): string {
  return problem === 'nul'
    ? `${field} must not contain NUL characters`
    : `${field} is not valid UTF-8 text`;
}

/** The problem with these bytes as text, if any. */
export function bytesProblem(bytes: Buffer): TextProblem | null {
  if (bytes.includes(0)) return 'nul';
  return isUtf8(bytes) ? null : 'invalid_utf8';
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The problem with a decoded string: NUL, a lone surrogate (what a JSON `\ud800` escape gives,
 * not encodable as UTF-8), or, when the bytes it came from were not UTF-8, the U+FFFD the
 * decoder put in their place.
 */
export function stringProblem(value: string, replacementMarksInvalid = false): TextProblem | null {
  if (value.includes('\u0000')) return 'nul';
  if (LONE_SURROGATE.test(value)) return 'invalid_utf8';
  if (replacementMarksInvalid && value.includes('\uFFFD')) return 'invalid_utf8';
  return null;
}

const HEX = /^[0-9a-fA-F]{2}$/;

/**
 * Percent-decodes one URL or form component to its bytes. `strict` (paths): a `%` without two
 * hex digits makes it undecodable (null), as Express's decodeURIComponent finds. Otherwise
 * (query strings, form bodies) such a `%` stays literal and `+` is a space, as Node's
 * querystring reads them. Characters above 0x7f are taken as the raw bytes the request carried.
 */
export function percentDecode(raw: string, strict: boolean): Buffer | null {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hex = raw.slice(i + 1, i + 3);
      if (HEX.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
      if (strict) return null;
    }
    if (c === 0x2b /* + */ && !strict) bytes.push(0x20);
    else if (c <= 0xff) bytes.push(c);
    else bytes.push(...Buffer.from(raw[i], 'utf8'));
  }
  return Buffer.from(bytes);
}

/** A name fit for a message: decoded when it decodes cleanly, else as it was sent. */
function displayName(raw: string, decoded: Buffer | null): string {
  return decoded && !bytesProblem(decoded) ? decoded.toString('utf8') : raw;
}

/**
 * The first `name=value` pair of a query string or form body whose name or value is not clean
 * text, named by its field.
 */
export function formProblem(raw: string): FieldTextProblem | null {
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = percentDecode(rawName, false);
    const field = displayName(rawName, name);
    const nameProblem = name && bytesProblem(name);
    if (nameProblem) return { field, problem: nameProblem };
    if (eq < 0) continue;
    const value = percentDecode(pair.slice(eq + 1), false);
    const problem = value && bytesProblem(value);
    if (problem) return { field, problem };
  }
  return null;
}

/** The first path segment (index into `path.split('/')`) that does not decode to clean text. */
export function pathProblem(path: string): { index: number; problem: TextProblem } | null {
  const segments = path.split('/');
  for (let index = 0; index < segments.length; index++) {
    const bytes = percentDecode(segments[index], true);
    const problem = bytes ? bytesProblem(bytes) : 'invalid_utf8';
    if (problem) return { index, problem };
  }
  return null;
}

/**
 * Whether JSON text nests objects and arrays deeper than `max`, found by one pass over the
 * bytes (brackets inside strings do not count). Runs before JSON.parse, so a deep document never
 * reaches code that recurses over it (class-transformer, class-validator).
 */
export function jsonDeeperThan(json: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const b = json[i];
    if (inString) {
      if (b === 0x5c /* \ */) i++;
      else if (b === 0x22 /* " */) inString = false;
    } else if (b === 0x22) inString = true;
    else if (b === 0x7b /* { */ || b === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (b === 0x7d /* } */ || b === 0x5d /* ] */) depth--;
  }
  return false;
}

/**
 * The first string (value or key) in a parsed body that is not clean text, named by its path
 * (`topics.0.frequency`, as validation errors name fields). `replacementMarksInvalid` when the
 * body's bytes were not UTF-8. Bodies are already bounded in depth (MAX_JSON_DEPTH).
 */
export function bodyProblem(
  body: unknown,
  replacementMarksInvalid = false,
  path = '',
): FieldTextProblem | null {
  const here = (key: string) => (path ? `${path}.${key}` : key);
  if (typeof body === 'string') {
    const problem = stringProblem(body, replacementMarksInvalid);
    return problem ? { field: path || 'body', problem } : null;
  }
  if (Array.isArray(body)) {
    for (let i = 0; i < body.length; i++) {
      const found = bodyProblem(body[i], replacementMarksInvalid, here(String(i)));
      if (found) return found;
    }
    return null;
  }
  if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body)) {
    for (const [key, value] of Object.entries(body)) {
      const keyProblem = stringProblem(key, replacementMarksInvalid);
      if (keyProblem) return { field: here(printable(key)), problem: keyProblem };
      const found = bodyProblem(value, replacementMarksInvalid, here(key));
      if (found) return found;
    }
  }
  return null;
}

/** A key with its NUL, surrogate and replacement characters escaped, so the message can show it. */
function printable(key: string): string {
  return key.replace(
    // eslint-disable-next-line no-control-regex -- NUL is what this escapes
    /[\u0000\uD800-\uDFFF\uFFFD]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
