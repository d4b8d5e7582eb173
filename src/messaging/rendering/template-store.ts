import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryRows } from '../../platform/database/sql';
import { inTransaction } from '../../platform/database/transaction';
import {
  ConflictError,
  NotFoundError,
  RuleViolationError,
} from '../../platform/errors/domain-errors';
import type { TemplateContent } from './template-content';

export interface StoredTemplate {
  key: string;
  draft: TemplateContent | null;
  draftUpdatedAt: Date | null;
  publishedVersion: number | null;
  published: TemplateContent | null;
  publishedAt: Date | null;
  /** Who published the published version (a user's email, a key's name); null for a default. */
  publishedBy: string | null;
  updatedAt: Date;
}

export interface StoredVersion {
  version: number;
  origin: 'default' | 'draft';
  publishedAt: Date;
  publishedBy: string | null;
  content: TemplateContent;
}

interface TemplateRow {
  key: string;
  draft: TemplateContent | null;
  draft_updated_at: Date | null;
  published_version: number | null;
  content: TemplateContent | null;
  published_at: Date | null;
  published_by: string | null;
  updated_at: Date;
}

const SELECT_TEMPLATE = `
  SELECT t.key, t.draft, t.draft_updated_at, t.published_version, t.updated_at,
         v.content, v.published_at, v.published_by
    FROM templates t
    LEFT JOIN template_versions v ON v.template_key = t.key AND v.version = t.published_version`;

/** The templates and their versions in PostgreSQL (this module owns both tables). */
@Injectable()
export class TemplateStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async keys(): Promise<string[]> {
    const rows = await queryRows<{ key: string }>(this.dataSource, `SELECT key FROM templates`);
    return rows.map((r) => r.key);
  }

  /**
   * Imports a shipped default as version 1 unless the key exists. Race-safe: of several
   * processes starting at once, one inserts and the others' inserts wait for it, then do nothing.
   */
  async importDefault(key: string, content: TemplateContent): Promise<boolean> {
    const rows = await queryRows<{ key: string }>(
      this.dataSource,
      `WITH t AS (
         INSERT INTO templates (key, published_version) VALUES ($1, 1)
         ON CONFLICT (key) DO NOTHING RETURNING key)
       INSERT INTO template_versions (template_key, version, content, origin)
       SELECT key, 1, $2::jsonb, 'default' FROM t RETURNING template_key AS key`,
      [key, JSON.stringify(content)],
    );
    return rows.length > 0;
  }

  /** Published version per key: one small query, run per delivery batch. */
  async publishedVersions(): Promise<Map<string, number>> {
    const rows = await queryRows<{ key: string; published_version: number }>(
      this.dataSource,
      `SELECT key, published_version FROM templates WHERE published_version IS NOT NULL`,
    );
    return new Map(rows.map((r) => [r.key, r.published_version]));
  }

  async version(key: string, version: number): Promise<StoredVersion | null> {
    const rows = await queryRows<{
      version: number;
      origin: StoredVersion['origin'];
      published_at: Date;
      published_by: string | null;
      content: TemplateContent;
    }>(
      this.dataSource,
      `SELECT version, origin, published_at, published_by, content FROM template_versions
        WHERE template_key = $1 AND version = $2`,
      [key, version],
    );
    const r = rows[0];
    return r
      ? {
          version: r.version,
          origin: r.origin,
          publishedAt: r.published_at,
          publishedBy: r.published_by,
          content: r.content,
        }
      : null;
  }

  async versions(key: string): Promise<Omit<StoredVersion, 'content'>[]> {
    await this.get(key);
    const rows = await queryRows<{
      version: number;
      origin: StoredVersion['origin'];
      published_at: Date;
      published_by: string | null;
    }>(
      this.dataSource,
      `SELECT version, origin, published_at, published_by FROM template_versions
        WHERE template_key = $1 ORDER BY version DESC`,
      [key],
    );
    return rows.map((r) => ({
      version: r.version,
      origin: r.origin,
      publishedAt: r.published_at,
      publishedBy: r.published_by,
    }));
  }

  async list(): Promise<StoredTemplate[]> {
    const rows = await queryRows<TemplateRow>(this.dataSource, `${SELECT_TEMPLATE} ORDER BY t.key`);
    return rows.map(toStored);
  }

  async find(key: string): Promise<StoredTemplate | null> {
    const rows = await queryRows<TemplateRow>(
      this.dataSource,
      `${SELECT_TEMPLATE} WHERE t.key = $1`,
      [key],
    );
    return rows[0] ? toStored(rows[0]) : null;
  }

  async get(key: string): Promise<StoredTemplate> {
    const found = await this.find(key);
    if (!found) throw new NotFoundError(`Template "${key}" does not exist`, 'key');
    return found;
  }

  /** A new template, with `content` as its draft and nothing published yet. */
  async create(key: string, content: TemplateContent): Promise<void> {
    const rows = await queryRows<{ key: string }>(
      this.dataSource,
      `INSERT INTO templates (key, draft, draft_updated_at) VALUES ($1, $2::jsonb, now())
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [key, JSON.stringify(content)],
    );
    if (!rows.length) {
      throw new ConflictError(`Template "${key}" exists already`, 'key', 'template_exists');
    }
  }

  async saveDraft(key: string, content: TemplateContent): Promise<void> {
    const rows = await queryRows<{ key: string }>(
      this.dataSource,
      `UPDATE templates SET draft = $2::jsonb, draft_updated_at = now(), updated_at = now()
        WHERE key = $1 RETURNING key`,
      [key, JSON.stringify(content)],
    );
    if (!rows.length) throw new NotFoundError(`Template "${key}" does not exist`, 'key');
  }

  /**
   * Publishes the draft as the next version, if it is still the draft that was validated
   * (`validated`): a draft saved in between is not published unvalidated. `by` names who did.
   */
  async publish(key: string, validated: TemplateContent, by: string | null): Promise<number> {
    return inTransaction(this.dataSource, async (manager) => {
      const rows = await queryRows<{ same: boolean | null; next: number }>(
        manager,
        `SELECT t.draft = $2::jsonb AS same,
                COALESCE((SELECT max(version) FROM template_versions v WHERE v.template_key = t.key), 0) + 1 AS next
           FROM templates t WHERE t.key = $1 FOR UPDATE`,
        [key, JSON.stringify(validated)],
      );
      const row = rows[0];
      if (!row) throw new NotFoundError(`Template "${key}" does not exist`, 'key');
      if (!row.same) {
        throw new ConflictError(
          `The draft of "${key}" changed while it was being published; publish again`,
          'key',
          'draft_changed',
        );
      }
      await manager.query(
        `INSERT INTO template_versions (template_key, version, content, origin, published_by)
         SELECT key, $2, draft, 'draft', $3 FROM templates WHERE key = $1`,
        [key, row.next, by],
      );
      await manager.query(
        `UPDATE templates SET published_version = $2, draft = NULL, draft_updated_at = NULL,
                updated_at = now() WHERE key = $1`,
        [key, row.next],
      );
      return row.next;
    });
  }

  /** Version `n`'s content as the draft (published once the draft is). */
  async restore(key: string, n: number): Promise<void> {
    const version = await this.version(key, n);
    if (!version) {
      await this.get(key);
      throw new NotFoundError(`Template "${key}" has no version ${n}`, 'version');
    }
    await this.saveDraft(key, version.content);
  }
}

function toStored(r: TemplateRow): StoredTemplate {
  return {
    key: r.key,
    draft: r.draft,
    draftUpdatedAt: r.draft_updated_at,
    publishedVersion: r.published_version,
    published: r.content,
    publishedAt: r.published_at,
    publishedBy: r.published_by,
    updatedAt: r.updated_at,
  };
}

export function noDraft(key: string): RuleViolationError {
  return new RuleViolationError(`Template "${key}" has no draft to publish`, 'key', 'no_draft');
}
