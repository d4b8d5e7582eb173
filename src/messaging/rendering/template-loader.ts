import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
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
import {
  jsonErrorLine,
  prepareSource,
  PreparedSource,
  PrepareOptions,
  readLocaleStrings,
  readTemplateFile,
  SHARED_DIR,
  SourceProblem,
} from './template-source';
import { Locale, locales as configuredLocales } from '../../platform/locale';

export const TEMPLATE_KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const TEMPLATE_FILES = ['index.mjml', 'subject.hbs', 'text.hbs', 'sample.json'] as const;

/** Bump when the way sources become HTML changes, so cached versions are not reused. */
const PIPELINE_REVISION = '1';
const MJML_VERSION = (
  JSON.parse(readFileSync(require.resolve('mjml/package.json'), 'utf8')) as { version: string }
).version;

/**
 * Reads a templates directory and compiles every template for every locale, then renders each
 * with its own sample.json so that a broken template stops the load (and so the app's start)
 * instead of failing later at send time.
 */
export class TemplateLoader {
  constructor(
    private readonly compiler: MjmlCompiler,
    private readonly hb: HandlebarsEnv,
  ) {}

  async loadAll(root: string, globals: RenderingGlobals): Promise<Map<string, CompiledTemplate>> {
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      throw new StartupError(
        `The templates directory ${root} does not exist. Set TEMPLATES_DIR to the folder that holds the email templates (see docs/templates.md).`,
      );
    }
    const keys = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('_') && !d.name.startsWith('.'))
      .map((d) => d.name)
      .sort();
    const loaded = new Map<string, CompiledTemplate>();
    const errors: TemplateError[] = [];
    for (const key of keys) {
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

  async load(root: string, key: string, globals: RenderingGlobals): Promise<CompiledTemplate> {
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
    const version = templateVersion(root, key, globals);
    const base = readSample(root, `${key}/sample.json`, key);
    const samples = new Map<Locale, Record<string, unknown>>();
    const locales = new Map<Locale, CompiledLocale>();
    for (const locale of configuredLocales()) {
      const override = `${key}/sample.${locale}.json`;
      samples.set(locale, {
        ...base,
        ...(existsSync(join(root, override)) ? readSample(root, override, key) : {}),
      });
      locales.set(locale, await this.compileLocale(root, key, locale, version, globals));
    }
    const template = new CompiledTemplate(key, version, samples, locales, globals);
    for (const [locale, sample] of samples) template.render(locale, sample);
    return template;
  }

  private async compileLocale(
    root: string,
    key: string,
    locale: Locale,
    version: string,
    globals: RenderingGlobals,
  ): Promise<CompiledLocale> {
    const located = <T>(fn: () => T): T => {
      try {
        return fn();
      } catch (e) {
        if (!(e instanceof SourceProblem)) throw e;
        throw new TemplateError(
          { template: key, locale, file: e.origin?.file, line: e.origin?.line },
          e.message,
        );
      }
    };
    const strings = located(() => readLocaleStrings(root, key, locale));
    const options = (kind: PrepareOptions['kind']): PrepareOptions => ({
      root,
      template: key,
      locale,
      kind,
      strings,
      brand: globals.brand,
    });
    const mjml = located(() => prepareSource(`${key}/index.mjml`, options('mjml')));
    const subject = located(() => prepareSource(`${key}/subject.hbs`, options('text')));
    const text = located(() => prepareSource(`${key}/text.hbs`, options('text')));
    for (const source of [mjml, subject, text]) {
      TemplatePart.checkSyntax(this.hb, key, locale, source);
    }
    located(() => refuseHandlebarsInStyles(mjml));

    const outcome = await this.compiler.compileCached(`${key}:${locale}:${version}`, mjml.text);
    if (!outcome.ok) {
      const [first, ...more] = outcome.problems;
      const origin = first.line !== undefined ? mjml.map.at(first.line) : undefined;
      const others = more.map((p) => {
        const o = p.line !== undefined ? mjml.map.at(p.line) : undefined;
        return o ? `${o.file} line ${o.line}: ${p.message}` : p.message;
      });
      throw new TemplateError(
        { template: key, locale, file: origin?.file ?? `${key}/index.mjml`, line: origin?.line },
        `MJML error: ${first.message}${others.length ? `; also ${others.join('; ')}` : ''}`,
        'template_mjml_error',
      );
    }
    return {
      subject: new TemplatePart(this.hb, key, locale, subject, subject.text, false),
      html: new TemplatePart(this.hb, key, locale, mjml, outcome.html, true),
      text: new TemplatePart(this.hb, key, locale, text, text.text, false),
    };
  }
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

/** sample.json, optionally with per-locale overrides (sample.nl.json) of its top-level keys. */
function readSample(root: string, file: string, key: string): Record<string, unknown> {
  const text = readTemplateFile(root, file);
  let sample: unknown;
  try {
    sample = JSON.parse(text);
  } catch (e) {
    throw new TemplateError(
      { template: key, file, line: jsonErrorLine(text, e as Error) },
      `invalid JSON: ${(e as Error).message}`,
    );
  }
  if (typeof sample !== 'object' || sample === null || Array.isArray(sample)) {
    throw new TemplateError({ template: key, file, line: 1 }, 'a sample must hold a JSON object');
  }
  return sample as Record<string, unknown>;
}

/**
 * A content hash of everything that shapes the template's output: its own files, the shared
 * partials and strings, the brand values inlined at compile time and the MJML version.
 */
export function templateVersion(root: string, key: string, globals: RenderingGlobals): string {
  const hash = createHash('sha256');
  hash.update(`${PIPELINE_REVISION}\0${MJML_VERSION}\0${JSON.stringify(globals.brand)}\0`);
  for (const dir of [key, SHARED_DIR]) {
    for (const file of listFiles(root, dir)) {
      hash
        .update(`${file}\0`)
        .update(readFileSync(join(root, file)))
        .update('\0');
    }
  }
  return hash.digest('hex').slice(0, 12);
}

function listFiles(root: string, dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return listFiles(root, path);
      return entry.isFile() ? [path] : [];
    })
    .sort();
}
