import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Locale, SHIPPED_LOCALES } from '../../platform/locale';
import { TemplateError } from './template-error';
import { jsonErrorLine, readTemplateFile } from './template-source';

/** One locale of a template: what the marketer edits. */
export interface LocaleContent {
  /** The MJML body; `{{> head}}`, `{{> footer}}` and the other shared partials may be used. */
  mjml: string;
  subject: string;
  text: string;
  /** Strings `{{t "key"}}` resolves to (over the shared ones in templates/_shared/locales). */
  strings: Record<string, unknown>;
  /** Realistic example data: preview default, validation and the size check use it. */
  sample: Record<string, unknown>;
}

/** A template as stored (a draft, or a published version): every locale and what it needs. */
export interface TemplateContent {
  description: string;
  /** Marketing mail must carry the footer partial (unsubscribe and preference links, postal address). */
  marketing: boolean;
  /** Top-level variables the template may use, besides the ones every template gets. */
  variables: string[];
  locales: Partial<Record<Locale, LocaleContent>>;
}

/**
 * Variables every template gets from delivery or configuration. `trustQuestion` is set by a
 * preparer only on the emails that carry the trust question (docs/trust-question.md).
 */
export const GLOBAL_VARIABLES = [
  'brand',
  'sender',
  'publicUrl',
  'locale',
  'links',
  'subscriber',
  'marketing',
  'trustQuestion',
] as const;

export const TEMPLATE_KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const TEMPLATE_FILES = ['index.mjml', 'subject.hbs', 'text.hbs', 'sample.json'] as const;

/**
 * The files one locale of a stored template stands for, named as in the templates directory, so
 * the compile pipeline (and its messages) are the same for files and stored templates.
 */
export function localeFiles(
  key: string,
  locale: Locale,
  content: LocaleContent,
): Record<string, string> {
  return {
    [`${key}/index.mjml`]: content.mjml,
    [`${key}/subject.hbs`]: content.subject,
    [`${key}/text.hbs`]: content.text,
    [`${key}/locales/${locale}.json`]: JSON.stringify(content.strings ?? {}, null, 2),
  };
}

/** The request field a file of `localeFiles` comes from (`locales.nl.mjml`). */
export function fieldOfFile(key: string, locale: Locale, file: string | undefined): string {
  const own: Record<string, string> = {
    [`${key}/index.mjml`]: 'mjml',
    [`${key}/subject.hbs`]: 'subject',
    [`${key}/text.hbs`]: 'text',
    [`${key}/locales/${locale}.json`]: 'strings',
  };
  if (file && own[file]) return `locales.${locale}.${own[file]}`;
  return file ? `locales.${locale}.mjml (${file})` : `locales.${locale}`;
}

/**
 * The shipped default of a template, read from the templates directory: the same MJML, subject
 * and text for every locale, with that locale's strings and sample data.
 */
export function readDefault(root: string, key: string): TemplateContent {
  if (!TEMPLATE_KEY_PATTERN.test(key)) {
    throw new TemplateError(
      { template: key },
      'a template folder name must be lowercase letters, digits and dashes',
    );
  }
  for (const file of TEMPLATE_FILES) {
    if (!existsSync(join(root, key, file))) {
      throw new TemplateError({ template: key, file: `${key}/${file}` }, 'the file is missing');
    }
  }
  const read = (file: string) => readTemplateFile(root, file);
  const json = (file: string, locale?: Locale): Record<string, unknown> => {
    const text = read(file);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new TemplateError(
        { template: key, locale, file, line: jsonErrorLine(text, e as Error) },
        `invalid JSON: ${(e as Error).message}`,
      );
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new TemplateError(
        { template: key, locale, file, line: 1 },
        'the file must hold a JSON object',
      );
    }
    return value as Record<string, unknown>;
  };
  const base = json(`${key}/sample.json`);
  const meta = existsSync(join(root, key, 'template.json')) ? json(`${key}/template.json`) : {};
  const locales: Partial<Record<Locale, LocaleContent>> = {};
  const variables = new Set<string>();
  for (const locale of SHIPPED_LOCALES) {
    const override = `${key}/sample.${locale}.json`;
    const sample = {
      ...base,
      ...(existsSync(join(root, override)) ? json(override, locale) : {}),
    };
    const stringsFile = `${key}/locales/${locale}.json`;
    if (!existsSync(join(root, stringsFile))) {
      throw new TemplateError(
        { template: key, locale, file: stringsFile, line: 1 },
        `the ${locale} strings file is missing`,
      );
    }
    for (const name of Object.keys(sample)) variables.add(name);
    locales[locale] = {
      mjml: read(`${key}/index.mjml`),
      subject: read(`${key}/subject.hbs`),
      text: read(`${key}/text.hbs`),
      strings: json(stringsFile, locale),
      sample,
    };
  }
  if (Array.isArray(meta.variables)) {
    for (const name of meta.variables) if (typeof name === 'string') variables.add(name);
  }
  for (const name of GLOBAL_VARIABLES) variables.delete(name);
  return {
    description: typeof meta.description === 'string' ? meta.description : '',
    marketing: base.marketing === true,
    variables: [...variables].sort(),
    locales,
  };
}
