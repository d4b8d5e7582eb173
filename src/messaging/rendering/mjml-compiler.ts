import { Injectable } from '@nestjs/common';
import mjml2html from 'mjml';

export interface MjmlProblem {
  /** 1-based line of the MJML input, when MJML knows it. */
  line?: number;
  message: string;
}

export type MjmlOutcome = { ok: true; html: string } | { ok: false; problems: MjmlProblem[] };

/**
 * Runs MJML, once per template, locale and version: MJML costs milliseconds per call, so
 * personalisation happens afterwards with Handlebars over the cached HTML, never in MJML.
 */
@Injectable()
export class MjmlCompiler {
  private readonly cache = new Map<string, string>();

  /** The compiled HTML for `cacheKey` (template:locale:version), running MJML only on a miss. */
  async compileCached(cacheKey: string, source: string): Promise<MjmlOutcome> {
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) return { ok: true, html: cached };
    const outcome = await this.compile(source);
    if (outcome.ok) this.cache.set(cacheKey, outcome.html);
    return outcome;
  }

  /** The one place MJML runs: strict validation, no web fonts, no minifier. */
  async compile(source: string): Promise<MjmlOutcome> {
    try {
      const result = await mjml2html(source, {
        validationLevel: 'strict',
        keepComments: false,
        // The minifier and beautifier rewrite `{{...}}` in places; Handlebars must see it verbatim.
        minify: false,
        beautify: false,
        fonts: {},
      });
      if (result.errors.length) return { ok: false, problems: result.errors.map(toProblem) };
      return { ok: true, html: compactHtml(result.html) };
    } catch (e) {
      const errors = (e as { errors?: { line?: number; message: string }[] }).errors;
      if (Array.isArray(errors) && errors.length)
        return { ok: false, problems: errors.map(toProblem) };
      return { ok: false, problems: [{ message: (e as Error).message }] };
    }
  }

  /** Drops entries for versions no longer loaded. */
  retainOnly(keys: Iterable<string>): void {
    const keep = new Set(keys);
    for (const key of this.cache.keys()) if (!keep.has(key)) this.cache.delete(key);
  }

  get size(): number {
    return this.cache.size;
  }
}

function toProblem(e: { line?: number; message: string }): MjmlProblem {
  return { line: typeof e.line === 'number' ? e.line : undefined, message: e.message.trim() };
}

/** MJML's output is mostly indentation; trimming it roughly halves every message's size. */
export function compactHtml(html: string): string {
  return html
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join('\n');
}
