import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StartupError } from './errors/startup-error';
import { fallbackLocale, intlLocale, Locale, locales } from './locale';

/**
 * Translations an operator adds without code: `LOCALE_DIR/<locale>.json`, one file per
 * language, with a section per text table (`pages`, `signup`, `feedback`, `notices`,
 * `templates`). Shipped texts (nl, en) live in code and template files; a configured locale
 * takes them from here, and whatever is missing falls back to `fallbackLocale()`'s text (the
 * start-up log names it once, see `missingTranslations`).
 */
let files = new Map<Locale, Record<string, unknown>>();
let generation = 0;
const templateMisses = new Map<Locale, Set<string>>();

/** Reads `<dir>/<locale>.json` for every configured locale that has one; bad JSON stops the start. */
export function loadTranslations(dir: string | undefined): void {
  const next = new Map<Locale, Record<string, unknown>>();
  if (dir) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new StartupError(`LOCALE_DIR ${dir} is not a directory`);
    }
    for (const name of readdirSync(dir).sort()) {
      const locale = /^(.+)\.json$/.exec(name)?.[1];
      if (!locale || !locales().includes(locale)) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(join(dir, name), 'utf8'));
      } catch (e) {
        throw new StartupError(`LOCALE_DIR: ${name} is not valid JSON (${(e as Error).message})`);
      }
      if (!isPlainObject(parsed)) {
        throw new StartupError(`LOCALE_DIR: ${name} must hold a JSON object of sections`);
      }
      next.set(locale, parsed);
    }
  }
  files = next;
  templateMisses.clear();
  generation++;
}

/** The operator's translations of one section for a locale (`templates`, `pages`, ...), if any. */
export function translationSection(
  locale: Locale,
  section: string,
): Record<string, unknown> | undefined {
  const value = files.get(locale)?.[section];
  return isPlainObject(value) ? value : undefined;
}

/** The template loader reports template strings a locale has no translation for. */
export function reportMissingTemplate(locale: Locale, what: string): void {
  let set = templateMisses.get(locale);
  if (!set) templateMisses.set(locale, (set = new Set()));
  set.add(what);
}

type AnyTexts = Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- texts take any parameters
type TextFunction = (...args: any[]) => unknown;

interface TextTable {
  section: string;
  builtIn: Readonly<Record<Locale, AnyTexts>>;
  resolve(locale: Locale): { texts: AnyTexts; missing: string[] };
}

const tables: TextTable[] = [];

/**
 * A table of texts with a built-in version per shipped locale; other configured locales read
 * `LOCALE_DIR/<locale>.json`'s `section` in the same shape. A function's text is a string with
 * `{placeholders}` named like the function's parameters (an object parameter gives its fields:
 * `{topic}`), or plural forms `{"one": "...", "other": "..."}` chosen by the first number
 * (`"none"` for a missing one). What a file leaves out is the default locale's text.
 */
export function defineTexts<T extends object>(
  section: string,
  builtIn: Readonly<Record<string, T>>,
): (locale: Locale) => T {
  const cache = new Map<string, T>();
  let seen = -1;
  const table: TextTable = {
    section,
    builtIn: builtIn as Readonly<Record<Locale, AnyTexts>>,
    resolve(locale) {
      const own = builtIn[locale];
      if (own) return { texts: own as AnyTexts, missing: [] };
      const base = (builtIn[fallbackLocale()] ?? Object.values(builtIn)[0]) as AnyTexts;
      const missing: string[] = [];
      const texts = merge(base, translationSection(locale, section), locale, section, missing);
      return { texts, missing };
    },
  };
  tables.push(table);
  return (locale) => {
    if (seen !== generation) {
      cache.clear();
      seen = generation;
    }
    // The default locale is part of the key: what a locale lacks comes from it.
    const key = `${fallbackLocale()}:${locale}`;
    let texts = cache.get(key);
    if (!texts) cache.set(key, (texts = table.resolve(locale).texts as T));
    return texts;
  };
}

/**
 * Per configured locale, what has no translation and shows the default locale's text instead:
 * whole sections (`pages`), single texts (`pages.title`) and template strings.
 */
export function missingTranslations(): Map<Locale, string[]> {
  const out = new Map<Locale, string[]>();
  for (const locale of locales()) {
    const missing: string[] = [];
    for (const table of tables) {
      if (table.builtIn[locale]) continue;
      if (!translationSection(locale, table.section)) {
        missing.push(table.section);
        continue;
      }
      missing.push(...table.resolve(locale).missing);
    }
    missing.push(...(templateMisses.get(locale) ?? []));
    if (missing.length) out.set(locale, [...new Set(missing)]);
  }
  return out;
}

function merge(
  base: AnyTexts,
  given: Record<string, unknown> | undefined,
  locale: Locale,
  path: string,
  missing: string[],
): AnyTexts {
  const out: AnyTexts = {};
  for (const [key, fallback] of Object.entries(base)) {
    const at = `${path}.${key}`;
    const value = given?.[key];
    if (typeof fallback === 'function') {
      const fn =
        value === undefined ? undefined : textFunction(value, fallback as TextFunction, locale);
      if (!fn) missing.push(at);
      out[key] = fn ?? fallback;
    } else if (Array.isArray(fallback)) {
      const ok = Array.isArray(value) && value.every((v) => typeof v === 'string');
      if (!ok) missing.push(at);
      out[key] = ok ? value : fallback;
    } else if (isPlainObject(fallback)) {
      if (!isPlainObject(value)) {
        missing.push(at);
        out[key] = fallback;
      } else {
        const inner = merge(fallback, value, locale, at, missing);
        // Keys the translation adds (its name for a new language in `languageIn`) are kept.
        for (const [k, v] of Object.entries(value)) {
          if (!(k in fallback) && typeof v === 'string') inner[k] = v;
        }
        out[key] = inner;
      }
    } else {
      const ok = typeof value === 'string';
      if (!ok) missing.push(at);
      out[key] = ok ? value : fallback;
    }
  }
  return out;
}

/** A function text from a translation: a template string or plural forms, or null if unusable. */
function textFunction(
  value: unknown,
  like: TextFunction,
  locale: Locale,
): ((...args: unknown[]) => string) | undefined {
  const forms = typeof value === 'string' ? { other: value } : value;
  if (!isPlainObject(forms) || !Object.values(forms).every((v) => typeof v === 'string')) {
    return undefined;
  }
  if (typeof forms.other !== 'string') return undefined;
  const names = parameterNames(like);
  const plural = new Intl.PluralRules(intlLocale(locale));
  return (...args: unknown[]) => {
    const vars: Record<string, unknown> = {};
    args.forEach((arg, i) => {
      if (isPlainObject(arg)) Object.assign(vars, arg);
      if (names[i]) vars[names[i]] = Array.isArray(arg) ? arg.join('; ') : arg;
    });
    // The first number (or list length) picks the plural form; a null picks "none".
    const counted = args.find((a) => typeof a === 'number' || a === null || Array.isArray(a));
    const count = Array.isArray(counted) ? counted.length : counted;
    let form = forms.other as string;
    const flag = args.find((a) => typeof a === 'boolean');
    if (typeof flag === 'boolean' && typeof forms[String(flag)] === 'string') {
      form = forms[String(flag)] as string;
    } else if (count === null && typeof forms.none === 'string') form = forms.none;
    else if (typeof count === 'number') {
      const chosen = forms[count === 0 && 'zero' in forms ? 'zero' : plural.select(count)];
      if (typeof chosen === 'string') form = chosen;
    }
    return form.replace(/\{([\w.]+)\}/g, (whole, name: string) =>
      typeof vars[name] === 'string' || typeof vars[name] === 'number' ? String(vars[name]) : whole,
    );
  };
}

/** `(topic) => ...`, `(f) => ...`, `(n, m) => ...`: the names the placeholders use. */
export function parameterNames(fn: TextFunction): string[] {
  const source = fn.toString();
  const match = /^(?:async\s*)?(?:function\s*\w*\s*)?\(?([^)=]*?)\)?\s*(?:=>|\{)/.exec(source);
  return (match?.[1] ?? '')
    .split(',')
    .map((p) => p.replace(/[=:].*$/s, '').trim())
    .filter(Boolean);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
