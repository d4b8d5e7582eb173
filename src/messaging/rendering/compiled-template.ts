import type { HandlebarsEnv } from './handlebars-env';
import { TemplateError } from './template-error';
import { SourceMap, type BrandGlobals, type PreparedSource } from './template-source';
import { Locale } from '../../platform/locale';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** The published version it was rendered with (0: a draft or a shipped default file). */
  templateVersion: number;
}

type CompiledFn = (context: unknown, options?: { data?: Record<string, unknown> }) => string;

interface HandlebarsLocation {
  lineNumber?: number;
  column?: number;
  endLineNumber?: number;
  endColumn?: number;
  message: string;
}

/**
 * One Handlebars template of one locale (subject, text, or the HTML that MJML produced), with
 * what is needed to explain a failure in terms of the file the author wrote.
 */
export class TemplatePart {
  private readonly fn: CompiledFn;
  private shadowFn?: CompiledFn;

  constructor(
    private readonly hb: HandlebarsEnv,
    private readonly template: string,
    private readonly locale: Locale,
    /** The prepared source the author's files produce (partials expanded, strings inlined). */
    readonly source: PreparedSource,
    /** What Handlebars runs: the source itself, or for HTML the MJML output compiled from it. */
    readonly compiled: string,
    readonly escape: boolean,
  ) {
    this.fn = hb.compile(compiled, { strict: true, noEscape: !escape });
  }

  /** Parses the prepared source, so syntax errors are reported before MJML runs. */
  static checkSyntax(
    hb: HandlebarsEnv,
    template: string,
    locale: Locale,
    source: PreparedSource,
  ): void {
    try {
      hb.parse(source.text);
    } catch (e) {
      throw explainFailure(e as HandlebarsLocation, template, locale, source, 'syntax');
    }
  }

  run(data: unknown, extra?: Record<string, unknown>): string {
    try {
      return this.fn(data, { data: extra });
    } catch (e) {
      throw this.explain(e as HandlebarsLocation, data, extra);
    }
  }

  private explain(
    e: HandlebarsLocation,
    data: unknown,
    extra?: Record<string, unknown>,
  ): TemplateError {
    if (this.compiled === this.source.text) {
      return explainFailure(e, this.template, this.locale, this.source, 'render');
    }
    // MJML rewrote the layout, so a line of its output means nothing to the author. The same
    // placeholders are in the prepared source: render that to find the author's line. Only on
    // this error path, so it costs nothing when rendering succeeds.
    this.shadowFn ??= this.hb.compile(this.source.text, {
      strict: true,
      noEscape: !this.escape,
    }) as CompiledFn;
    try {
      this.shadowFn(data, { data: extra });
    } catch (shadowError) {
      return explainFailure(
        shadowError as HandlebarsLocation,
        this.template,
        this.locale,
        this.source,
        'render',
      );
    }
    return new TemplateError(
      { template: this.template, locale: this.locale, file: this.source.map.at(1)?.file },
      `rendering failed: ${firstLine(e.message)}`,
      'template_render_failed',
    );
  }
}

function explainFailure(
  e: HandlebarsLocation,
  template: string,
  locale: Locale,
  source: PreparedSource,
  phase: 'syntax' | 'render',
): TemplateError {
  const line = e.lineNumber ?? Number(/on line (\d+)/.exec(e.message)?.[1] ?? NaN);
  const origin = Number.isFinite(line) ? source.map.at(line, e.column) : undefined;
  const where = {
    template,
    locale,
    file: origin?.file ?? source.map.at(1)?.file,
    line: origin?.line,
    column: Number.isFinite(line) ? source.map.columnAt(line, e.column) : undefined,
  };
  if (phase === 'syntax') {
    return new TemplateError(where, `Handlebars syntax error: ${syntaxSummary(e.message)}`);
  }
  const missing = /^"([^"]+)" not defined in/.exec(e.message);
  if (missing && e.lineNumber !== undefined && e.column !== undefined) {
    const expression =
      e.endLineNumber === e.lineNumber && e.endColumn !== undefined
        ? source.map.lineText(e.lineNumber)?.slice(e.column, e.endColumn)
        : undefined;
    const variable = expression && /^[@\w./[\]-]+$/.test(expression) ? expression : missing[1];
    return new TemplateError(
      where,
      `missing variable "${variable}"`,
      'template_missing_variable',
      variable.startsWith('@') || variable.startsWith('.') ? undefined : `data.${variable}`,
    );
  }
  return new TemplateError(
    where,
    `rendering failed: ${firstLine(e.message)}`,
    'template_render_failed',
  );
}

function syntaxSummary(message: string): string {
  const lines = message.split('\n');
  // Handlebars' parse errors: "Parse error on line 3:", the excerpt, a caret, "Expecting ...".
  return lines.length >= 4 ? `${lines[0]} near "${lines[1].trim()}"; ${lines[3]}` : message;
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}

/** Values from configuration that every template may use; callers cannot override them. */
export interface RenderingGlobals {
  brand: BrandGlobals;
  sender: { postalAddress: string };
  publicUrl: string;
}

export interface CompiledLocale {
  subject: TemplatePart;
  html: TemplatePart;
  text: TemplatePart;
  /** The MJML compiler's cache entry of this locale's HTML. */
  mjmlCacheKey?: string;
}

/**
 * What another thread needs to render a template as this process does: the Handlebars text
 * each part runs (for HTML, MJML's output) and the globals. Plain data, so it can be posted
 * to a worker thread. Failures there are explained by rendering again here, where the
 * author's sources are.
 */
export interface TemplateSnapshot {
  key: string;
  version: number;
  globals: RenderingGlobals;
  locales: Array<
    [Locale, Record<'subject' | 'html' | 'text', { compiled: string; escape: boolean }>]
  >;
}

/** A loaded template: every locale compiled, ready to render synchronously. */
export class CompiledTemplate {
  constructor(
    readonly key: string,
    /** The published version (0: a draft, or a shipped default compiled from its files). */
    readonly version: number,
    /** Example data per locale: sample.json with its sample.<locale>.json overrides. */
    readonly samples: ReadonlyMap<Locale, Record<string, unknown>>,
    readonly locales: ReadonlyMap<Locale, CompiledLocale>,
    private readonly globals: RenderingGlobals,
  ) {}

  render(locale: Locale, input: Record<string, unknown>): RenderedEmail {
    const parts = this.locales.get(locale);
    if (!parts) {
      throw new TemplateError({ template: this.key }, `no ${locale} version`, 'template_locale');
    }
    const data: Record<string, unknown> = { links: {}, ...input, ...this.globals, locale };
    if (typeof data.marketing !== 'boolean') {
      // The footer shows the unsubscribe links only when this is true, so guessing is not safe.
      throw new TemplateError(
        { template: this.key, locale },
        'data.marketing must be true or false',
        'template_missing_variable',
        'data.marketing',
      );
    }
    // Delivery puts the subject in a header; a line break there would start a new header.
    const subject = parts.subject.run(data).replace(/\s+/g, ' ').trim();
    const html = parts.html.run(data, { subject });
    const text = `${parts.text
      .run(data)
      .replace(/[ \t]+$/gm, '')
      .replace(/\n{3,}/g, '\n\n')
      .trim()}\n`;
    return { subject, html, text, templateVersion: this.version };
  }

  /** Only the subject line, as `render` writes it (the feedback page names an email by it). */
  renderSubject(locale: Locale, input: Record<string, unknown>): string {
    const parts = this.locales.get(locale);
    if (!parts) {
      throw new TemplateError({ template: this.key }, `no ${locale} version`, 'template_locale');
    }
    const data: Record<string, unknown> = { links: {}, ...input, ...this.globals, locale };
    return parts.subject.run(data).replace(/\s+/g, ' ').trim();
  }

  snapshot(): TemplateSnapshot {
    const part = (p: TemplatePart) => ({ compiled: p.compiled, escape: p.escape });
    return {
      key: this.key,
      version: this.version,
      globals: this.globals,
      locales: [...this.locales].map(([locale, parts]) => [
        locale,
        { subject: part(parts.subject), html: part(parts.html), text: part(parts.text) },
      ]),
    };
  }

  /** The template a snapshot describes, compiled with `hb` (in a worker thread). */
  static fromSnapshot(hb: HandlebarsEnv, s: TemplateSnapshot): CompiledTemplate {
    const locales = new Map<Locale, CompiledLocale>();
    for (const [locale, parts] of s.locales) {
      const part = ({ compiled, escape }: { compiled: string; escape: boolean }) =>
        new TemplatePart(
          hb,
          s.key,
          locale,
          { text: compiled, map: new SourceMap([], []) },
          compiled,
          escape,
        );
      locales.set(locale, {
        subject: part(parts.subject),
        html: part(parts.html),
        text: part(parts.text),
      });
    }
    return new CompiledTemplate(s.key, s.version, new Map(), locales, s.globals);
  }
}
