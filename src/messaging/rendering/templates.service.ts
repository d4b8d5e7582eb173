import { Injectable, Logger } from '@nestjs/common';
import { SubscribersService } from '../../audience/subscribers/subscribers.service';
import { NotFoundError } from '../../platform/errors/domain-errors';
import { fallbackLocale, Locale, locales as configuredLocales } from '../../platform/locale';
import type { RenderedEmail } from './compiled-template';
import { RenderingService } from './rendering.service';
import { readDefault, TemplateContent } from './template-content';
import { defaultKeys } from './template-loader';
import { TemplateNudge } from './template-nudge';
import { noDraft, StoredTemplate, StoredVersion, TemplateStore } from './template-store';
import type { TemplateProblem } from './template-validator';

export interface SavedTemplate {
  template: StoredTemplate;
  warnings: TemplateProblem[];
}

export interface PreviewSource {
  /** Render the draft instead of the published version. */
  draft?: boolean;
  /** A subscriber (id or email) whose name, email and locale fill the sample. */
  subscriber?: string;
  data?: Record<string, unknown>;
}

/**
 * The marketer's templates: drafts validated before they are saved, published as numbered
 * versions (every one kept), restored or reset to the shipped default as a draft, previewed.
 */
@Injectable()
export class TemplatesService {
  private readonly logger = new Logger('Templates');

  constructor(
    private readonly store: TemplateStore,
    private readonly rendering: RenderingService,
    private readonly nudge: TemplateNudge,
    private readonly subscribers: SubscribersService,
  ) {}

  list(): Promise<StoredTemplate[]> {
    return this.store.list();
  }

  get(key: string): Promise<StoredTemplate> {
    return this.store.get(key);
  }

  versions(key: string) {
    return this.store.versions(key);
  }

  async version(key: string, n: number): Promise<StoredVersion> {
    const found = await this.store.version(key, n);
    if (found) return found;
    await this.store.get(key);
    throw new NotFoundError(`Template "${key}" has no version ${n}`, 'n');
  }

  async create(key: string, content: TemplateContent): Promise<SavedTemplate> {
    const { warnings } = await this.rendering.validator().validate(key, content);
    await this.store.create(key, content);
    return { template: await this.store.get(key), warnings };
  }

  async saveDraft(key: string, content: TemplateContent): Promise<SavedTemplate> {
    await this.store.get(key);
    const { warnings } = await this.rendering.validator().validate(key, content);
    await this.store.saveDraft(key, content);
    return { template: await this.store.get(key), warnings };
  }

  /** Validates the draft again and publishes it; every process renders it within 5 s. */
  async publish(key: string, by: string | null = null): Promise<SavedTemplate> {
    const stored = await this.store.get(key);
    if (!stored.draft) throw noDraft(key);
    const { warnings } = await this.rendering.validator().validate(key, stored.draft);
    const version = await this.store.publish(key, stored.draft, by);
    this.logger.log({ template: key, version }, 'Template version published');
    await this.nudge.published(key);
    await this.rendering.refresh();
    return { template: await this.store.get(key), warnings };
  }

  async restore(key: string, version: number): Promise<SavedTemplate> {
    await this.store.restore(key, version);
    return { template: await this.store.get(key), warnings: [] };
  }

  /** The shipped default (the files under templates/) as the draft. */
  async reset(key: string): Promise<SavedTemplate> {
    await this.store.get(key);
    if (!defaultKeys(this.rendering.root).includes(key)) {
      throw new NotFoundError(`Template "${key}" has no shipped default`, 'key');
    }
    return this.saveDraft(key, readDefault(this.rendering.root, key));
  }

  /**
   * Unsaved content (the console's editor) validated and rendered in one locale, with its
   * sample data and `data` over it; nothing is stored. Template errors answer 400 with errors[].
   */
  async previewContent(
    key: string,
    content: TemplateContent,
    locale: Locale,
    data: Record<string, unknown> = {},
  ): Promise<RenderedEmail & { warnings: TemplateProblem[] }> {
    await this.store.get(key);
    const { compiled, warnings } = await this.rendering.validator().validate(key, content);
    const sample = content.locales[locale]?.sample ?? content.locales[fallbackLocale()]?.sample;
    return {
      ...compiled.render(locale, { ...(sample ?? {}), ...data }),
      templateVersion: 0,
      warnings,
    };
  }

  /** Every locale side by side, with sample data, a subscriber's data, or both. */
  async previewAll(
    key: string,
    source: PreviewSource,
  ): Promise<{ version: number | null; locales: Array<RenderedEmail & { locale: Locale }> }> {
    const stored = await this.store.get(key);
    const content = source.draft ? stored.draft : stored.published;
    if (!content) {
      throw new NotFoundError(
        `Template "${key}" has no ${source.draft ? 'draft' : 'published version'}`,
        'draft',
      );
    }
    const { compiled } = await this.rendering.validator().validate(key, content);
    let personal: Record<string, unknown> = {};
    if (source.subscriber) {
      const s = await this.subscribers.get(source.subscriber);
      personal = { subscriber: { name: s.name, email: s.email } };
    }
    const locales = configuredLocales().map((locale) => ({
      locale,
      ...compiled.render(locale, {
        ...(content.locales[locale]?.sample ?? content.locales[fallbackLocale()]?.sample ?? {}),
        ...personal,
        ...(source.data ?? {}),
      }),
      templateVersion: source.draft ? 0 : (stored.publishedVersion ?? 0),
    }));
    return { version: source.draft ? null : stored.publishedVersion, locales };
  }
}
