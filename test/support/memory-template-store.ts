import type { TemplateContent } from '../../src/messaging/rendering/template-content';
import type { StoredVersion, TemplateStore } from '../../src/messaging/rendering/template-store';

/**
 * The part of TemplateStore that RenderingService reads, in memory, for unit tests that render
 * without a database (the e2e tests use the real one).
 */
export class MemoryTemplateStore {
  readonly versionsByKey = new Map<string, StoredVersion[]>();

  keys(): Promise<string[]> {
    return Promise.resolve([...this.versionsByKey.keys()]);
  }

  importDefault(key: string, content: TemplateContent): Promise<boolean> {
    if (this.versionsByKey.has(key)) return Promise.resolve(false);
    this.publish(key, content, 'default');
    return Promise.resolve(true);
  }

  /** Publishes `content` as the next version, as the API would after validation. */
  publish(
    key: string,
    content: TemplateContent,
    origin: StoredVersion['origin'] = 'draft',
  ): number {
    const list = this.versionsByKey.get(key) ?? [];
    const version = list.length + 1;
    list.push({
      version,
      origin,
      publishedAt: new Date(),
      publishedBy: null,
      content: structuredClone(content),
    });
    this.versionsByKey.set(key, list);
    return version;
  }

  publishedVersions(): Promise<Map<string, number>> {
    return Promise.resolve(
      new Map([...this.versionsByKey].map(([k, list]) => [k, list[list.length - 1].version])),
    );
  }

  version(key: string, version: number): Promise<StoredVersion | null> {
    return Promise.resolve(this.versionsByKey.get(key)?.[version - 1] ?? null);
  }

  asStore(): TemplateStore {
    return this as unknown as TemplateStore;
  }
}
