import Handlebars from 'handlebars';
import { InvalidInputError } from '../../platform/errors/domain-errors';
import { Locale, SHIPPED_LOCALES } from '../../platform/locale';
import type { CompiledTemplate, RenderingGlobals } from './compiled-template';
import { fieldOfFile, GLOBAL_VARIABLES, localeFiles, TemplateContent } from './template-content';
import { TemplateError } from './template-error';
import type { TemplateLoader } from './template-loader';
import { overlayFiles, PreparedSource, SourceFiles, SourceProblem } from './template-source';

/** A problem found in a template, where the author can find it. */
export interface TemplateProblem {
  /** The request field (`locales.nl.mjml`). */
  field: string;
  /** 1-based line in that field, when known. */
  line?: number;
  /** 1-based column in that line, when known. */
  column?: number;
  message: string;
  code: string;
}

/** 400: the template has errors; `errors[]` names each with field, line and column. */
export class TemplateInvalidError extends InvalidInputError {
  constructor(
    key: string,
    readonly errors: TemplateProblem[],
  ) {
    const first = errors[0];
    super(
      `Template "${key}" has ${errors.length} error${errors.length === 1 ? '' : 's'}: ${first.field}${
        first.line !== undefined ? ` line ${first.line}` : ''
      }${first.column !== undefined ? ` column ${first.column}` : ''}: ${first.message}`,
      first.field,
      first.code,
    );
  }
}

/** Gmail clips an HTML part beyond 102 KB, hiding the footer; warn well before it. */
export const HTML_WARN_BYTES = 100 * 1024;
export const HTML_CLIP_BYTES = 102 * 1024;

/** What spam filters punish in a subject, each with why. */
const SPAMMY_SUBJECT: Array<[(subject: string) => boolean, string]> = [
  [(s) => /!{2,}/.test(s), 'repeated exclamation marks'],
  [(s) => /\$\$|€€/.test(s), 'repeated currency signs'],
  [
    (s) =>
      /\b(free|gratis|winner|act now|urgent|guarantee[d]?|risk[- ]free|cash|click here)\b|\b100\s?%/i.test(
        s,
      ),
    'a phrase spam filters score',
  ],
  [(s) => (s.match(/\b[A-Z]{4,}\b/g) ?? []).length >= 2, 'words in capitals'],
];

/** Inline styles that make text invisible: spam filters score hidden text. */
const HIDDEN_TEXT: Array<[RegExp, string]> = [
  [/display\s*:\s*none/i, 'display:none'],
  [/visibility\s*:\s*hidden/i, 'visibility:hidden'],
  [/font-size\s*:\s*[01](px|pt)?\b/i, 'a font size of 0 or 1'],
  [/opacity\s*:\s*0(\.0*)?\s*[;"']/i, 'opacity 0'],
  [/max-height\s*:\s*0/i, 'max-height 0'],
  [
    /color\s*:\s*(#fff\b|#ffffff\b|white\b)[^>]*background(-color)?\s*:\s*(#fff\b|#ffffff\b|white\b)/i,
    'white text on white',
  ],
];

export interface ValidationOutcome {
  warnings: TemplateProblem[];
  compiled: CompiledTemplate;
}

/**
 * Checks a template before it can be saved or published: every locale present, no unknown
 * variable, the footer partial in marketing mail, MJML and Handlebars without errors, and every
 * locale rendering its sample; then warns about what spam filters and Gmail punish.
 */
export class TemplateValidator {
  constructor(
    private readonly loader: TemplateLoader,
    private readonly base: SourceFiles,
    private readonly globals: RenderingGlobals,
  ) {}

  async validate(key: string, content: TemplateContent): Promise<ValidationOutcome> {
    const errors: TemplateProblem[] = [];
    const allowed = new Set<string>([...GLOBAL_VARIABLES, ...content.variables]);
    for (const locale of SHIPPED_LOCALES) {
      const own = content.locales[locale];
      if (!own) {
        errors.push({
          field: `locales.${locale}`,
          message: `the ${locale} version is missing`,
          code: 'template_locale_missing',
        });
        continue;
      }
      if (content.marketing) errors.push(...missingFooter(locale, own.mjml, own.text));
      const files = overlayFiles(this.base, key, localeFiles(key, locale, own));
      let prepared: ReturnType<TemplateLoader['prepare']>;
      try {
        prepared = this.loader.prepare(files, key, locale, this.globals);
      } catch (e) {
        if (!(e instanceof SourceProblem)) throw e;
        errors.push({
          field: fieldOfFile(key, locale, e.origin?.file),
          line: e.origin?.line,
          column: e.origin ? 1 : undefined,
          message: e.message,
          code: 'template_invalid',
        });
        continue;
      }
      for (const source of [prepared.mjml, prepared.subject, prepared.text]) {
        errors.push(...unknownVariables(key, locale, source, allowed));
      }
    }
    if (errors.length) throw new TemplateInvalidError(key, dedupe(errors));

    let compiled: CompiledTemplate;
    try {
      compiled = await this.loader.compile(key, 0, content, this.base, this.globals);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      throw new TemplateInvalidError(key, [
        {
          field: e.locale ? fieldOfFile(key, e.locale, e.file) : (e.field ?? 'locales'),
          line: e.line,
          column: e.column ?? (e.line !== undefined ? 1 : undefined),
          message: e.problem,
          code: e.code ?? 'template_invalid',
        },
      ]);
    }
    return { compiled, warnings: this.warnings(content, compiled) };
  }

  private warnings(content: TemplateContent, compiled: CompiledTemplate): TemplateProblem[] {
    const warnings: TemplateProblem[] = [];
    for (const locale of SHIPPED_LOCALES) {
      const own = content.locales[locale]!;
      const rendered = compiled.render(locale, own.sample ?? {});
      const bytes = Buffer.byteLength(rendered.html);
      if (bytes > HTML_WARN_BYTES) {
        warnings.push({
          field: `locales.${locale}.mjml`,
          message: `the HTML part is ${(bytes / 1024).toFixed(1)} KB with the sample data; Gmail clips beyond 102 KB, hiding the footer`,
          code: 'html_too_large',
        });
      }
      for (const [spammy, what] of SPAMMY_SUBJECT) {
        if (spammy(rendered.subject)) {
          warnings.push({
            field: `locales.${locale}.subject`,
            line: 1,
            message: `the subject "${rendered.subject}" has ${what}, which spam filters punish`,
            code: 'spammy_subject',
          });
        }
      }
      own.mjml.split('\n').forEach((text, i) => {
        for (const [pattern, what] of HIDDEN_TEXT) {
          const match = pattern.exec(text);
          if (match) {
            warnings.push({
              field: `locales.${locale}.mjml`,
              line: i + 1,
              column: match.index + 1,
              message: `hidden text (${what}): spam filters score text made to vanish`,
              code: 'hidden_text',
            });
          }
        }
      });
    }
    return warnings;
  }
}

/** The unsubscribe and preference links and the postal address come with `{{> footer}}`. */
function missingFooter(locale: Locale, mjml: string, text: string): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const footer = /\{\{>\s*footer\s*\}\}/;
  for (const [field, source] of [
    ['mjml', mjml],
    ['text', text],
  ] as const) {
    if (footer.test(source)) continue;
    const lines = source.split('\n');
    const closing = lines.findIndex((l) => l.includes('</mj-body>'));
    const line = closing >= 0 ? closing + 1 : lines.length;
    problems.push({
      field: `locales.${locale}.${field}`,
      line,
      column: 1,
      message:
        'a marketing template must include the footer partial {{> footer}} (unsubscribe link, preference link, postal address)',
      code: 'template_footer_missing',
    });
  }
  return problems;
}

interface Located {
  loc?: { start: { line: number; column: number } } | null;
}
type Node = Located & { type: string; [k: string]: unknown };

/** Variables used at the top level of the data that the template does not declare. */
function unknownVariables(
  key: string,
  locale: Locale,
  source: PreparedSource,
  allowed: ReadonlySet<string>,
): TemplateProblem[] {
  let ast: Node;
  try {
    ast = Handlebars.parse(source.text) as unknown as Node;
  } catch {
    return []; // syntax errors are reported with their position by the compile step
  }
  const problems: TemplateProblem[] = [];
  const check = (path: Node, depth: number) => {
    if (path.type !== 'PathExpression' || path.data || depth > 0) return;
    const parts = path.parts as string[];
    const head = parts[0];
    if (!head || path.original === 'this' || allowed.has(head)) return;
    const line = path.loc?.start.line;
    const origin = line !== undefined ? source.map.at(line, path.loc!.start.column) : undefined;
    problems.push({
      field: fieldOfFile(key, locale, origin?.file),
      line: origin?.line,
      column: line !== undefined ? source.map.columnAt(line, path.loc!.start.column) : undefined,
      message: `unknown variable "${String(path.original)}": declare "${head}" in variables, or use one of ${[...allowed].join(', ')}`,
      code: 'template_unknown_variable',
    });
  };
  const walk = (node: Node | undefined | null, depth: number): void => {
    if (!node) return;
    switch (node.type) {
      case 'Program':
        for (const s of node.body as Node[]) walk(s, depth);
        return;
      case 'MustacheStatement':
      case 'SubExpression': {
        const params = (node.params as Node[]) ?? [];
        const hash = node.hash as { pairs: { value: Node }[] } | undefined;
        // `{{helper arg}}`: the path names a helper; its arguments are data.
        if (params.length || hash?.pairs.length) {
          for (const p of params) walkExpr(p, depth);
          for (const p of hash?.pairs ?? []) walkExpr(p.value, depth);
        } else {
          walkExpr(node.path as Node, depth);
        }
        return;
      }
      case 'BlockStatement': {
        const name = (node.path as Node).original as string;
        for (const p of (node.params as Node[]) ?? []) walkExpr(p, depth);
        const inner = name === 'each' || name === 'with' ? depth + 1 : depth;
        walk(node.program as Node, inner);
        walk(node.inverse as Node, depth);
        return;
      }
      default:
        return;
    }
  };
  const walkExpr = (node: Node, depth: number) => {
    if (node.type === 'SubExpression') walk(node, depth);
    else check(node, depth);
  };
  walk(ast, 0);
  return problems;
}

function dedupe(problems: TemplateProblem[]): TemplateProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.field}:${p.line}:${p.column}:${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
