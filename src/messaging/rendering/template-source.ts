import Handlebars from 'handlebars';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fallbackLocale, isLocale, Locale, locales, SHIPPED_LOCALES } from '../../platform/locale';
import { reportMissingTemplate, translationSection } from '../../platform/translations';

/** A line of a file in the templates directory (path relative to it, line 1-based). */
export interface Origin {
  file: string;
  line: number;
}

/** Where, from column `col` on, a line of a combined source came from. */
interface Segment {
  col: number;
  origin: Origin;
}

/**
 * Maps lines of a combined source (a file with its partials expanded) back to the files they came
 * from, so an error found by MJML or Handlebars in the combined text names the real file and line.
 */
export class SourceMap {
  constructor(
    private readonly segments: readonly Segment[][],
    private readonly lines: readonly string[],
  ) {}

  /** `line` is 1-based; `column` (0-based) defaults to the line's first non-blank character. */
  at(line: number, column?: number): Origin | undefined {
    const segments = this.segments[line - 1];
    if (!segments?.length) return undefined;
    const col = column ?? Math.max(0, (this.lines[line - 1] ?? '').search(/\S/));
    let found = segments[0];
    for (const s of segments) if (s.col <= col) found = s;
    return found.origin;
  }

  /**
   * The 1-based column in the origin file of `column` (0-based) on a combined line; by default the
   * line's first non-blank character. Exact where the line starts in its origin file.
   */
  columnAt(line: number, column?: number): number | undefined {
    const segments = this.segments[line - 1];
    if (!segments?.length) return undefined;
    const col = column ?? Math.max(0, (this.lines[line - 1] ?? '').search(/\S/));
    let found = segments[0];
    for (const s of segments) if (s.col <= col) found = s;
    return col - found.col + 1;
  }

  lineText(line: number): string | undefined {
    return this.lines[line - 1];
  }
}

export interface PreparedSource {
  text: string;
  map: SourceMap;
}

/** A problem in a template file, found before anything runs. */
export class SourceProblem extends Error {
  constructor(
    readonly origin: Origin | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface BrandGlobals {
  name: string;
  color: string;
  logoUrl: string | undefined;
}

/** Locale strings by dotted key, each with the file that defined it. */
export type LocaleStrings = ReadonlyMap<string, { value: string; file: string }>;

/**
 * Where template sources are read: the templates directory, or a stored template laid over it
 * (overlayFiles). Paths are relative to the templates directory.
 */
export interface SourceFiles {
  exists(file: string): boolean;
  read(file: string): string;
}

/** The files of a templates directory. */
export function directoryFiles(root: string): SourceFiles {
  return {
    exists: (file) => existsSync(join(root, file)),
    read: (file) => readTemplateFile(root, file),
  };
}

/**
 * A stored template over the templates directory: the files under `<key>/` come from `own` only
 * (so nothing of the shipped default leaks in), everything else (the shared partials and strings)
 * from `base`.
 */
export function overlayFiles(
  base: SourceFiles,
  key: string,
  own: Readonly<Record<string, string>>,
): SourceFiles {
  const mine = (file: string) => file.startsWith(`${key}/`);
  return {
    exists: (file) => (mine(file) ? file in own : base.exists(file)),
    read: (file) => {
      if (!mine(file)) return base.read(file);
      if (!(file in own)) throw new SourceProblem({ file, line: 1 }, 'the file is missing');
      return own[file].replace(/\r\n?/g, '\n');
    },
  };
}

export interface PrepareOptions {
  files: SourceFiles;
  template: string;
  locale: Locale;
  /** `mjml` sources are HTML: inserted strings and brand values are escaped; text ones are not. */
  kind: 'mjml' | 'text';
  strings: LocaleStrings;
  brand: BrandGlobals;
}

export const SHARED_DIR = '_shared';
const MAX_PARTIAL_DEPTH = 8;
const PARTIAL = /\{\{>\s*([A-Za-z0-9_-]+)\s*\}\}/g;
const T_TOKEN = /(?<!\{)\{\{~?\s*t(?:\s+([^}]*?))?\s*~?\}\}(?!\})/g;
const BRAND_TOKEN = /(?<!\{)\{\{\s*brand\.(name|color|logoUrl)\s*\}\}(?!\})/g;
const MUSTACHE = /(\{\{\{?[\s\S]*?\}?\}\})/;

export function readTemplateFile(root: string, file: string): string {
  return readFileSync(join(root, file), 'utf8').replace(/\r\n?/g, '\n');
}

/**
 * Locale strings for one template: `_shared/locales/<locale>.json`, overridden by
 * `<template>/locales/<locale>.json` (which must exist for the default locale). A configured
 * locale without that file takes LOCALE_DIR's translations over the default locale's strings
 * (the start-up log names what is missing). Nested objects become dotted keys.
 */
export function readLocaleStrings(
  files: SourceFiles,
  template: string,
  locale: Locale,
): LocaleStrings {
  const own = `${template}/locales/${locale}.json`;
  const shipped = files.exists(own);
  // Strings a locale lacks come from the first configured, then shipped, locale that has them.
  const fallback = [fallbackLocale(), ...locales(), ...SHIPPED_LOCALES].find(
    (l) => l !== locale && files.exists(`${template}/locales/${l}.json`),
  );
  // nl and en ship with every template: their files are required, as the templates' own.
  if (!shipped && (!fallback || !isLocale(locale) || SHIPPED_LOCALES.includes(locale))) {
    throw new SourceProblem({ file: own, line: 1 }, `the ${locale} strings file is missing`);
  }
  const strings = new Map<string, { value: string; file: string }>();
  const shared = `${SHARED_DIR}/locales/${locale}.json`;
  if (!shipped || !files.exists(shared)) {
    // A configured locale without its own files: the default locale's strings, with what
    // LOCALE_DIR/<locale>.json translates (`templates._shared`, `templates.<key>`) over them.
    if (fallback) {
      for (const [k, v] of readLocaleStrings(files, template, fallback)) strings.set(k, v);
    }
  }
  for (const file of shipped ? [shared, own] : []) {
    if (!files.exists(file)) continue;
    flatten(parseStrings(files, file), '', file, files.read(file), strings);
  }
  if (!shipped) {
    const given = translationSection(locale, 'templates');
    const file = `LOCALE_DIR/${locale}.json`;
    const translated = new Map<string, { value: string; file: string }>();
    for (const part of [SHARED_DIR, template]) {
      const section = given?.[part];
      if (isPlainObject(section)) flatten(section, '', file, '', translated);
    }
    for (const [k, v] of translated) strings.set(k, v);
    const missing = [...strings.keys()].filter((k) => !translated.has(k));
    if (missing.length) {
      reportMissingTemplate(
        locale,
        translated.size ? `templates.${template} (${missing.join(', ')})` : `templates.${template}`,
      );
    }
  }
  return strings;
}

function parseStrings(files: SourceFiles, file: string): Record<string, unknown> {
  const text = files.read(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SourceProblem(
      { file, line: jsonErrorLine(text, e as Error) },
      `invalid JSON: ${(e as Error).message}`,
    );
  }
  if (!isPlainObject(parsed)) {
    throw new SourceProblem({ file, line: 1 }, 'a strings file must hold a JSON object');
  }
  return parsed;
}

function flatten(
  value: Record<string, unknown>,
  prefix: string,
  file: string,
  text: string,
  into: Map<string, { value: string; file: string }>,
): void {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (isPlainObject(v)) {
      flatten(v, key, file, text, into);
    } else if (typeof v === 'string') {
      if (v.includes('\n')) {
        // Strings are inlined into templates; a newline would shift every later line number.
        throw new SourceProblem(
          { file, line: lineOfKey(text, k) },
          `string "${key}" contains a line break; use separate strings instead`,
        );
      }
      into.set(key, { value: v, file });
    } else {
      throw new SourceProblem(
        { file, line: lineOfKey(text, k) },
        `string "${key}" must be text or an object of strings`,
      );
    }
  }
}

/**
 * Reads a template file and makes it ready for MJML/Handlebars for one locale: `{{t "key"}}` and
 * `{{brand.*}}` are replaced by their values (fixed per locale and process), and `{{> name}}`
 * partials are expanded, with a map back to every original file and line.
 */
export function prepareSource(file: string, options: PrepareOptions): PreparedSource {
  const segments: Segment[][] = [[]];
  const lines: string[] = [''];

  const mark = (origin: Origin) => {
    const current = segments[segments.length - 1];
    const col = lines[lines.length - 1].length;
    if (current.length && current[current.length - 1].col === col) current.pop();
    current.push({ col, origin });
  };

  const emit = (name: string, stack: string[]) => {
    if (stack.length > MAX_PARTIAL_DEPTH) {
      throw new SourceProblem(
        { file: name, line: 1 },
        `partials nest deeper than ${MAX_PARTIAL_DEPTH}`,
      );
    }
    let text = substitute(options.files.read(name), name, options);
    if (stack.length) text = text.replace(/\n$/, '');
    text.split('\n').forEach((line, i) => {
      if (i > 0) {
        segments.push([]);
        lines.push('');
      }
      const origin = { file: name, line: i + 1 };
      mark(origin);
      let pos = 0;
      for (const match of line.matchAll(PARTIAL)) {
        lines[lines.length - 1] += line.slice(pos, match.index);
        const partial = findPartial(match[1], origin, options);
        if (stack.includes(partial)) {
          throw new SourceProblem(origin, `partial "${match[1]}" includes itself`);
        }
        emit(partial, [...stack, name]);
        mark(origin);
        pos = match.index + match[0].length;
      }
      lines[lines.length - 1] += line.slice(pos);
    });
  };

  emit(file, []);
  return { text: lines.join('\n'), map: new SourceMap(segments, lines) };
}

function findPartial(name: string, from: Origin, options: PrepareOptions): string {
  const ext = options.kind === 'mjml' ? 'mjml' : 'text.hbs';
  const candidates = [
    `${options.template}/partials/${name}.${ext}`,
    `${SHARED_DIR}/partials/${name}.${ext}`,
  ];
  const found = candidates.find((c) => options.files.exists(c));
  if (!found) {
    throw new SourceProblem(from, `no partial "${name}" (looked for ${candidates.join(' and ')})`);
  }
  return found;
}

/** Replaces compile-time tokens without changing line numbers. */
function substitute(text: string, file: string, options: PrepareOptions): string {
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  const html = options.kind === 'mjml';

  const withStrings = text.replace(
    T_TOKEN,
    (token: string, arg: string | undefined, index: number) => {
      const where = { file, line: lineAt(index) };
      const key = /^"([^"]+)"$|^'([^']+)'$/.exec(arg?.trim() ?? '');
      if (!key) throw new SourceProblem(where, `${token} needs one quoted string key: {{t "key"}}`);
      const name = key[1] ?? key[2];
      const entry = options.strings.get(name);
      if (!entry) {
        throw new SourceProblem(
          where,
          `no string "${name}" in ${options.template}/locales/${options.locale}.json or ${SHARED_DIR}/locales/${options.locale}.json`,
        );
      }
      if (!html && name.endsWith('_html')) {
        throw new SourceProblem(
          where,
          `string "${name}" holds HTML and cannot be used in a text part`,
        );
      }
      if (new RegExp(T_TOKEN.source).test(entry.value)) {
        throw new SourceProblem(where, `string "${name}" (${entry.file}) may not use {{t}} itself`);
      }
      return html && !name.endsWith('_html') ? escapeOutsideMustaches(entry.value) : entry.value;
    },
  );

  return withStrings.replace(BRAND_TOKEN, (_token: string, field: keyof BrandGlobals) => {
    // A brand value is data, never template syntax.
    const value = (options.brand[field] ?? '').replace(/\{\{/g, '\\{{');
    return html ? Handlebars.Utils.escapeExpression(value) : value;
  });
}

/** Escapes a plain-text string for HTML, leaving its `{{placeholders}}` to Handlebars. */
function escapeOutsideMustaches(value: string): string {
  return value
    .split(MUSTACHE)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(
            /[&<>"]/g,
            (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!,
          ),
    )
    .join('');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lineOfKey(text: string, key: string): number {
  const index = text.indexOf(`"${key}"`);
  return index < 0 ? 1 : text.slice(0, index).split('\n').length;
}

/** JSON.parse reports a character position; turn it into a line. */
export function jsonErrorLine(text: string, error: Error): number {
  const line = /line (\d+)/.exec(error.message);
  if (line) return Number(line[1]);
  const position = /position (\d+)/.exec(error.message);
  return position ? text.slice(0, Number(position[1])).split('\n').length : 1;
}
