import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { StartupError } from '../../platform/errors/startup-error';
import {
  CompiledLocale,
  CompiledTemplate,
  RenderingGlobals,
  TemplatePart,
} from './compiled-template';
import type { HandlebarsEnv } from './handlebars-env';
import { MjmlCompiler } from './mjml-compiler';
import { TemplateError } from './template-error';
import { localeFiles, readDefault, TemplateContent } from './template-content';
import {
  directoryFiles,
  overlayFiles,
  prepareSource,
  PreparedSource,
  PrepareOptions,
  readLocaleStrings,
  SourceFiles,
  SourceProblem,
} from './template-source';
import {
  fallbackLocale,
  Locale,
  locales as configuredLocales,
  SHIPPED_LOCALES,
} from '../../platform/locale';

export { TEMPLATE_FILES, TEMPLATE_KEY_PATTERN } from './template-content';

/** Bump when the way sources become HTML changes, so cached MJML output is not reused. */
const PIPELINE_REVISION = '2';
const MJML_VERSION = (
  JSON.parse(readFileSync(require.resolve('mjml/package.json'), 'utf8')) as { version: string }
).version;

/**
 * Compiles templates for every locale (MJML once, then Handlebars), then renders each locale
 * with its own sample data, so that a broken template is refused before it can be published
 * (or, for the shipped defaults, stops the start) instead of failing later at send time.
 */
export class TemplateLoader {
  constructor(
    private readonly compiler: MjmlCompiler,
    private readonly hb: HandlebarsEnv,
  ) {}

  /** Every shipped default in a templates directory, compiled (as version 0). */
  async loadAll(root: string, globals: RenderingGlobals): Promise<Map<string, CompiledTemplate>> {
    const loaded = new Map<string, CompiledTemplate>();
    const errors: TemplateError[] = [];
    for (const key of defaultKeys(root)) {
      try {
        loaded.set(key, await this.load(root, key, globals));
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        errors.push(e);
      }
    }
    if (errors.length) throw TemplateError.combine(errors);
    return loaded;
  }

  /** One shipped default, compiled (as version 0). */
  async load(root: string, key: string, globals: RenderingGlobals): Promise<CompiledTemplate> {
    return this.compile(key, 0, readDefault(root, key), directoryFiles(root), globals);
  }

  /**
   * A stored template (`content`) over the shared partials and strings of `base`, compiled for
   * every locale it has and rendered with each locale's sample. Throws the first problem.
   */
  async compile(
    key: string,
    version: number,
    content: TemplateContent,
    base: SourceFiles,
    globals: RenderingGlobals,
  ): Promise<CompiledTemplate> {
    const samples = new Map<Locale, Record<string, unknown>>();
    const locales = new Map<Locale, CompiledLocale>();
    for (const locale of configuredLocales()) {
      // A configured locale the template has no version of (a language added by LOCALES) is
      // rendered from the first configured, then shipped, locale it has, with LOCALE_DIR's
      // translations over that locale's strings (readLocaleStrings); nl and en are required.
      const source = content.locales[locale]
        ? locale
        : SHIPPED_LOCALES.includes(locale)
          ? undefined
          : [fallbackLocale(), ...configuredLocales(), ...SHIPPED_LOCALES].find(
              (l) => content.locales[l],
            );
      const own = source === undefined ? undefined : content.locales[source];
      if (!own || source === undefined) {
        throw new TemplateError(
          { template: key, locale },
          `the ${locale} version is missing`,
          'template_invalid',
          `locales.${locale}`,
        );
      }
      const files = overlayFiles(base, key, localeFiles(key, source, own));
      samples.set(locale, own.sample ?? {});
      locales.set(locale, await this.compileLocale(files, key, locale, globals));
    }
    const template = new CompiledTemplate(key, version, samples, locales, globals);
    for (const [locale, sample] of samples) template.render(locale, sample);
    return template;
  }

  /** The prepared sources of one locale (partials expanded, strings inlined), for validation. */
  prepare(
    files: SourceFiles,
    key: string,
    locale: Locale,
    globals: RenderingGlobals,
  ): { mjml: PreparedSource; subject: PreparedSource; text: PreparedSource } {
    const strings = readLocaleStrings(files, key, locale);
    const options = (kind: PrepareOptions['kind']): PrepareOptions => ({
      files,
      template: key,
      locale,
      kind,
      strings,
      brand: globals.brand,
    });
    return {
      mjml: prepareSource(`${key}/index.mjml`, options('mjml')),
      subject: prepareSource(`${key}/subject.hbs`, options('text')),
      text: prepareSource(`${key}/text.hbs`, options('text')),
    };
  }

  private async compileLocale(
    files: SourceFiles,
    key: string,
    locale: Locale,
    globals: RenderingGlobals,
  ): Promise<CompiledLocale> {
    let prepared: ReturnType<TemplateLoader['prepare']>;
    try {
      prepared = this.prepare(files, key, locale, globals);
      refuseHandlebarsInStyles(prepared.mjml);
    } catch (e) {
      if (!(e instanceof SourceProblem)) throw e;
      throw new TemplateError(
        { template: key, locale, file: e.origin?.file, line: e.origin?.line },
        e.message,
      );
    }
    const { mjml, subject, text } = prepared;
    for (const source of [mjml, subject, text]) {
      TemplatePart.checkSyntax(this.hb, key, locale, source);
    }
    const cacheKey = createHash('sha256')
      .update(`${PIPELINE_REVISION}\0${MJML_VERSION}\0${mjml.text}`)
      .digest('hex');
    const outcome = await this.compiler.compileCached(cacheKey, mjml.text);
    if (!outcome.ok) {
      const [first, ...more] = outcome.problems;
      const origin = first.line !== undefined ? mjml.map.at(first.line) : undefined;
      const others = more.map((p) => {
        const o = p.line !== undefined ? mjml.map.at(p.line) : undefined;
        return o ? `${o.file} line ${o.line}: ${p.message}` : p.message;
      });
      throw new TemplateError(
        {
          template: key,
          locale,
          file: origin?.file ?? `${key}/index.mjml`,
          line: origin?.line,
          column: first.line !== undefined ? mjml.map.columnAt(first.line) : undefined,
        },
        `MJML error: ${first.message}${others.length ? `; also ${others.join('; ')}` : ''}`,
        'template_mjml_error',
      );
    }
    return {
      subject: new TemplatePart(this.hb, key, locale, subject, subject.text, false),
      html: new TemplatePart(this.hb, key, locale, mjml, outcome.html, true),
      text: new TemplatePart(this.hb, key, locale, text, text.text, false),
      mjmlCacheKey: cacheKey,
    };
  }
}

/** The keys of the shipped defaults: every folder of the templates directory but `_shared`. */
export function defaultKeys(root: string): string[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new StartupError(
      `The templates directory ${root} does not exist. Set TEMPLATES_DIR to the folder that holds the email templates (see docs/templates.md).`,
    );
  }
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_') && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}

/**
 * MJML 5 rewrites `{{...}}` inside CSS, and a per-recipient style would defeat compiling once;
 * `{{brand.color}}` is fine there because it is replaced before MJML runs.
 */
function refuseHandlebarsInStyles(mjml: PreparedSource): void {
  for (const match of mjml.text.matchAll(/<mj-style[^>]*>([\s\S]*?)<\/mj-style>/g)) {
    const inner = match[1].indexOf('{{');
    if (inner < 0) continue;
    const offset = match.index + match[0].indexOf('>') + 1 + inner;
    const line = mjml.text.slice(0, offset).split('\n').length;
    throw new SourceProblem(
      mjml.map.at(line),
      'Handlebars inside <mj-style> is not allowed (MJML rewrites it); use inline styles',
    );
  }
}
