import { RuleViolationError } from '../../platform/errors/domain-errors';
import type { Locale } from '../../platform/locale';

/** Where a template problem is: file paths are relative to the templates directory. */
export interface TemplateErrorLocation {
  template: string;
  locale?: Locale;
  file?: string;
  line?: number;
  /** 1-based, when known. */
  column?: number;
}

/**
 * A template that cannot be loaded or rendered: MJML errors, Handlebars syntax errors, missing
 * variables or strings. The message always names the template and, when known, the locale, the
 * file and the line, so an operator can fix it without reading a stack trace.
 */
export class TemplateError extends RuleViolationError {
  readonly template: string;
  readonly locale?: Locale;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;

  constructor(
    where: TemplateErrorLocation,
    readonly problem: string,
    code = 'template_invalid',
    field?: string,
  ) {
    super(`${describeLocation(where)}: ${problem}`, field, code);
    this.template = where.template;
    this.locale = where.locale;
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
  }

  /** One error for several broken templates: the first one's location, every message listed. */
  static combine(errors: TemplateError[]): TemplateError {
    if (errors.length === 1) return errors[0];
    const [first, ...rest] = errors;
    return new TemplateError(
      first,
      [first.problem, ...rest.map((e) => e.message)].join('\n'),
      first.code,
      first.field,
    );
  }
}

function describeLocation(where: TemplateErrorLocation): string {
  let text = `Template "${where.template}"`;
  if (where.locale) text += ` (${where.locale})`;
  if (where.file) text += `, ${where.file}`;
  if (where.line !== undefined) text += ` line ${where.line}`;
  return text;
}
