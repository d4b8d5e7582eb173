import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { NotFoundError } from '../../platform/errors/domain-errors';
import type { TidingsConfigService } from '../../platform/config/configuration';
import { ConfigService } from '@nestjs/config';
import { PLACEHOLDER_POSTAL_ADDRESS } from '../../platform/config/environment';
import {
  CompiledTemplate,
  RenderedEmail,
  RenderingGlobals,
  TemplateSnapshot,
} from './compiled-template';
import { createHandlebars } from './handlebars-env';
import { MjmlCompiler } from './mjml-compiler';
import { TemplateError } from './template-error';
import { TemplateLoader } from './template-loader';
import { isLocale, Locale, locales } from '../../platform/locale';

export type { RenderedEmail } from './compiled-template';
export { TemplateError } from './template-error';

export interface TemplateSummary {
  key: string;
  locales: Locale[];
  version: string;
}

/**
 * Renders emails from the templates directory. Everything slow happens once, at module init:
 * MJML compiles each template per locale and the result is validated against the template's
 * sample; `render` is then synchronous Handlebars over cached HTML.
 */
@Injectable()
export class RenderingService implements OnModuleInit {
  private readonly logger = new Logger(RenderingService.name);
  private readonly loader: TemplateLoader;
  private templates = new Map<string, CompiledTemplate>();

  constructor(
    @Inject(ConfigService) private readonly config: TidingsConfigService,
    private readonly compiler: MjmlCompiler,
  ) {
    this.loader = new TemplateLoader(compiler, createHandlebars());
  }

  async onModuleInit(): Promise<void> {
    await this.reload();
  }

  /**
   * (Re)loads every template. On any error the previous set stays in use and the error is thrown;
   * unchanged templates reuse their compiled MJML.
   */
  async reload(): Promise<void> {
    const { templatesDir } = this.config.get('rendering', { infer: true });
    const next = await this.loader.loadAll(templatesDir, this.globals());
    this.templates = next;
    this.compiler.retainOnly(
      [...next.values()].flatMap((t) => locales().map((l) => `${t.key}:${l}:${t.version}`)),
    );
    this.logger.log(
      `Loaded ${next.size} email templates from ${templatesDir}: ${[...next.values()]
        .map((t) => `${t.key}@${t.version}`)
        .join(', ')}`,
    );
  }

  has(key: string): boolean {
    return this.templates.has(key);
  }

  keys(): string[] {
    return [...this.templates.keys()];
  }

  list(): TemplateSummary[] {
    return [...this.templates.values()].map((t) => summarise(t));
  }

  describe(key: string): TemplateSummary {
    return summarise(this.get(key));
  }

  /** The example data a template ships for a locale; preview data is merged over it. */
  sample(key: string, locale: Locale): Record<string, unknown> {
    return structuredClone(this.get(key).samples.get(locale) ?? {});
  }

  /** The loaded templates as plain data, for rendering in a worker thread. */
  snapshot(): TemplateSnapshot[] {
    return [...this.templates.values()].map((t) => t.snapshot());
  }

  /** Synchronous after module init: MJML was compiled at load; Handlebars templates are precompiled. */
  render(key: string, locale: Locale, data: Record<string, unknown>): RenderedEmail {
    const template = this.templates.get(key);
    if (!template) {
      throw new TemplateError({ template: key }, 'no such template', 'template_unknown');
    }
    if (!isLocale(locale)) {
      throw new TemplateError(
        { template: key },
        `unsupported locale "${String(locale)}" (use ${locales().join(', ')})`,
        'template_locale',
        'locale',
      );
    }
    return template.render(locale, data);
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

  private globals(): RenderingGlobals {
    const { brand, sender } = this.config.get('rendering', { infer: true });
    const { publicUrl, env } = this.config.get('app', { infer: true });
    if (sender.postalAddress === PLACEHOLDER_POSTAL_ADDRESS && env !== 'test') {
      this.logger.warn(
        'POSTAL_ADDRESS is not set: email footers show a placeholder address. Set it before sending real email.',
      );
    }
    return { brand: { ...brand }, sender: { ...sender }, publicUrl };
  }
}

function summarise(t: CompiledTemplate): TemplateSummary {
  return { key: t.key, locales: [...t.locales.keys()], version: t.version };
}
