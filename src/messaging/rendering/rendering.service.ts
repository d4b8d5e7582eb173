import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { TidingsConfigService } from '../../platform/config/configuration';
import { PLACEHOLDER_POSTAL_ADDRESS } from '../../platform/config/environment';
import { NotFoundError } from '../../platform/errors/domain-errors';
import {
  CompiledTemplate,
  RenderedEmail,
  RenderingGlobals,
  TemplateSnapshot,
} from './compiled-template';
import { createHandlebars } from './handlebars-env';
import { MjmlCompiler } from './mjml-compiler';
import { readDefault } from './template-content';
import { TemplateError } from './template-error';
import { defaultKeys, TemplateLoader } from './template-loader';
import { directoryFiles, SourceFiles } from './template-source';
import { TemplateStore } from './template-store';
import { TemplateValidator } from './template-validator';
import { isLocale, Locale, locales } from '../../platform/locale';

export type { RenderedEmail } from './compiled-template';
export { TemplateError } from './template-error';

export interface TemplateSummary {
  key: string;
  locales: Locale[];
  version: number;
}

/** Published versions kept compiled per key besides the current one (batches claimed before a publish). */
const KEPT_VERSIONS = 3;
/** How often a process checks for published versions when nothing nudges it. */
export const TEMPLATE_POLL_MS = 5_000;

/**
 * Renders emails from the published template versions in PostgreSQL (template-store.ts). MJML
 * compiles once per version; `render` is synchronous Handlebars over cached HTML. `refresh()`
 * (one small query) picks up versions published by any process: delivery calls it per claimed
 * batch, a Redis message nudges it right after a publish, and a timer every 5 s is the net.
 */
@Injectable()
export class RenderingService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RenderingService.name);
  readonly loader: TemplateLoader;
  private templates = new Map<string, CompiledTemplate>();
  private readonly kept = new Map<string, CompiledTemplate>();
  /** Refresh calls made, and the last call a finished run covers (it started after it). */
  private requested = 0;
  private completed = 0;
  private running: Promise<void> | null = null;
  private timer?: NodeJS.Timeout;
  private readonly listeners: Array<(changed: CompiledTemplate[]) => void> = [];
  private globalsCache?: RenderingGlobals;

  constructor(
    @Inject(ConfigService) private readonly config: TidingsConfigService,
    private readonly compiler: MjmlCompiler,
    private readonly store: TemplateStore,
  ) {
    this.loader = new TemplateLoader(compiler, createHandlebars());
  }

  async onModuleInit(): Promise<void> {
    await this.importDefaults();
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.logger.warn({ err }, 'Checking for published template versions failed'),
      );
    }, TEMPLATE_POLL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** The templates directory: the shipped defaults and the shared partials and strings. */
  get root(): string {
    return this.config.get('rendering', { infer: true }).templatesDir;
  }

  get files(): SourceFiles {
    return directoryFiles(this.root);
  }

  validator(): TemplateValidator {
    return new TemplateValidator(this.loader, this.files, this.globals());
  }

  /**
   * Imports every shipped default whose key is not in the database yet (first start, or a
   * template added by an upgrade). A broken default stops the start, naming file and line.
   */
  private async importDefaults(): Promise<void> {
    const existing = new Set(await this.store.keys());
    const missing = defaultKeys(this.root).filter((k) => !existing.has(k));
    const errors: TemplateError[] = [];
    const imported: string[] = [];
    for (const key of missing) {
      try {
        const content = readDefault(this.root, key);
        await this.loader.compile(key, 0, content, this.files, this.globals());
        if (await this.store.importDefault(key, content)) imported.push(key);
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        errors.push(e);
      }
    }
    if (imported.length) {
      this.logger.log(`Imported the shipped templates as version 1: ${imported.join(', ')}`);
    }
    if (errors.length) throw TemplateError.combine(errors);
  }

  /**
   * Loads every version published since the last look, and resolves once a look that started
   * after this call has finished: so it sees everything published before it was called.
   * Concurrent callers share runs; a caller waits for at most the run in progress and one more.
   */
  async refresh(): Promise<void> {
    const wanted = ++this.requested;
    while (this.completed < wanted) {
      if (!this.running) {
        const covers = this.requested;
        this.running = this.loadPublished()
          .then(() => {
            this.completed = Math.max(this.completed, covers);
          })
          .finally(() => {
            this.running = null;
          });
      }
      await this.running;
    }
  }

  private async loadPublished(): Promise<void> {
    const published = await this.store.publishedVersions();
    const changed: CompiledTemplate[] = [];
    for (const [key, version] of published) {
      if (this.templates.get(key)?.version === version) continue;
      const stored = await this.store.version(key, version);
      if (!stored) continue;
      try {
        changed.push(
          await this.loader.compile(key, version, stored.content, this.files, this.globals()),
        );
      } catch (err) {
        // Validated when published; only a changed shared partial can break it. Keep the previous.
        this.logger.error({ err, template: key, version }, 'A published template did not compile');
      }
    }
    if (!changed.length) return;
    const next = new Map(this.templates);
    for (const t of changed) {
      const previous = next.get(t.key);
      if (previous) this.keep(previous);
      next.set(t.key, t);
    }
    this.templates = next;
    this.compiler.retainOnly(
      [...next.values(), ...this.kept.values()].flatMap((t) =>
        [...t.locales.values()].map((l) => l.mjmlCacheKey ?? ''),
      ),
    );
    this.logger.log(
      `Email templates in use: ${changed.map((t) => `${t.key} v${t.version}`).join(', ')}`,
    );
    for (const listener of this.listeners) listener(changed);
  }

  private keep(t: CompiledTemplate): void {
    this.kept.set(`${t.key}@${t.version}`, t);
    const mine = [...this.kept.values()].filter((k) => k.key === t.key);
    for (const old of mine.slice(0, Math.max(0, mine.length - KEPT_VERSIONS))) {
      this.kept.delete(`${old.key}@${old.version}`);
    }
  }

  /** Called with the templates a refresh loaded (compose threads get them this way). */
  onChange(listener: (changed: CompiledTemplate[]) => void): void {
    this.listeners.push(listener);
  }

  has(key: string): boolean {
    return this.templates.has(key);
  }

  keys(): string[] {
    return [...this.templates.keys()];
  }

  /** The published version of each template, as this process has it now. */
  versions(): Map<string, number> {
    return new Map([...this.templates].map(([k, t]) => [k, t.version]));
  }

  list(): TemplateSummary[] {
    return [...this.templates.values()].map((t) => summarise(t));
  }

  describe(key: string): TemplateSummary {
    return summarise(this.get(key));
  }

  /** The example data a template has for a locale; preview data is merged over it. */
  sample(key: string, locale: Locale): Record<string, unknown> {
    return structuredClone(this.get(key).samples.get(locale) ?? {});
  }

  /** The loaded templates as plain data, for rendering in a worker thread. */
  snapshot(): TemplateSnapshot[] {
    return [...this.templates.values()].map((t) => t.snapshot());
  }

  /** Synchronous: renders with the published version this process has. */
  render(key: string, locale: Locale, data: Record<string, unknown>): RenderedEmail {
    return this.compiledFor(key, undefined, locale).render(locale, data);
  }

  /**
   * Renders with exactly `version` (the one a message was claimed with): the current one or one
   * of the few kept before it, so a message is never rendered with a mix of versions.
   */
  renderVersion(
    key: string,
    version: number | null | undefined,
    locale: Locale,
    data: Record<string, unknown>,
  ): RenderedEmail {
    return this.compiledFor(key, version ?? undefined, locale).render(locale, data);
  }

  /**
   * Whether the HTML of a template version (as `renderVersion` would pick it) refers to `field`:
   * a preparer that adds optional data (the trust question) adds it only where it is shown.
   */
  refersTo(
    key: string,
    version: number | null | undefined,
    locale: Locale,
    field: string,
  ): boolean {
    try {
      const parts = this.compiledFor(key, version ?? undefined, locale).locales.get(locale);
      return !!parts && parts.html.source.text.includes(field);
    } catch {
      return false;
    }
  }

  private compiledFor(key: string, version: number | undefined, locale: Locale): CompiledTemplate {
    const current = this.templates.get(key);
    const template =
      version === undefined || current?.version === version
        ? current
        : this.kept.get(`${key}@${version}`);
    if (!template) {
      throw new TemplateError(
        { template: key },
        version === undefined ? 'no such template' : `version ${version} is no longer loaded`,
        'template_unknown',
      );
    }
    if (!isLocale(locale)) {
      throw new TemplateError(
        { template: key },
        `unsupported locale "${String(locale)}" (use ${locales().join(', ')})`,
        'template_locale',
        'locale',
      );
    }
    return template;
  }

  /** The subject line alone, for naming a sent email again from its ledger data. */
  renderSubject(key: string, locale: Locale, data: Record<string, unknown>): string {
    const template = this.templates.get(key);
    if (!template) {
      throw new TemplateError({ template: key }, 'no such template', 'template_unknown');
    }
    return template.renderSubject(locale, data);
  }

  /**
   * Renders with the locale's sample data, each top-level key of `data` replacing the sample's (so leaving
   * out a nested value, say `links: {}`, shows what a caller that forgets it would get).
   */
  preview(key: string, locale: Locale, data: Record<string, unknown> = {}): RenderedEmail {
    return this.render(key, locale, { ...this.sample(key, locale), ...data });
  }

  private get(key: string): CompiledTemplate {
    const template = this.templates.get(key);
    if (!template) throw new NotFoundError(`Template "${key}" does not exist`, 'key');
    return template;
  }

  globals(): RenderingGlobals {
    if (this.globalsCache) return this.globalsCache;
    const { brand, sender } = this.config.get('rendering', { infer: true });
    const { publicUrl, env } = this.config.get('app', { infer: true });
    if (sender.postalAddress === PLACEHOLDER_POSTAL_ADDRESS && env !== 'test') {
      this.logger.warn(
        'POSTAL_ADDRESS is not set: email footers show a placeholder address. Set it before sending real email.',
      );
    }
    this.globalsCache = { brand: { ...brand }, sender: { ...sender }, publicUrl };
    return this.globalsCache;
  }
}

function summarise(t: CompiledTemplate): TemplateSummary {
  return { key: t.key, locales: [...t.locales.keys()], version: t.version };
}
