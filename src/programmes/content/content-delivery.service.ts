import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { queryRows } from '../../platform/database/sql';
import type { ContentKind, ContentVariant } from './content-item.entity';
import type { Locale } from '../../platform/locale';

/** What a message shows of an item in one locale. */
export interface ItemWording {
  title: string;
  summary: string;
  bodyHtml: string;
  bodyText: string;
  url: string | null;
}

/** A frozen content item as the delivery workers use it. */
export interface SendableItem {
  id: string;
  topicId: string;
  kind: ContentKind;
  publishedAt: Date;
  expiresAt: Date | null;
  withdrawn: boolean;
  wording(locale: Locale): ItemWording;
}

interface ItemRow {
  id: string;
  topic_id: string;
  kind: ContentKind;
  locale: Locale;
  title: string;
  summary: string;
  body_html: string;
  body_text: string;
  link: string | null;
  variants: Partial<Record<Locale, ContentVariant>>;
  published_at: Date;
  expires_at: Date | null;
  withdrawn_at: Date | null;
}

const CACHE_LIMIT = 1000;

/**
 * Content as the delivery workers need it. Ledger rows carry item ids, not 20 KB bodies; the first
 * worker to send an item freezes it (`first_sent_at`), after which its wording can be cached for
 * good. Only withdrawal can still change, so that is looked up on every batch.
 */
@Injectable()
export class ContentDelivery {
  private readonly frozen = new Map<string, Omit<SendableItem, 'withdrawn'>>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async load(ids: string[], now: Date): Promise<Map<string, SendableItem>> {
    const unique = [...new Set(ids)];
    const out = new Map<string, SendableItem>();
    if (!unique.length) return out;
    const state = await queryRows<{ id: string; withdrawn: boolean; unfrozen: boolean }>(
      this.dataSource,
      `SELECT id, withdrawn_at IS NOT NULL AS withdrawn, first_sent_at IS NULL AS unfrozen
         FROM content_items WHERE id = ANY($1)`,
      [unique],
    );
    const load = state.filter((s) => s.unfrozen || !this.frozen.has(s.id)).map((s) => s.id);
    if (load.length) {
      // Freezing and reading in one statement: an edit either committed before (and is what
      // everyone gets) or is refused after.
      const rows = await queryRows<ItemRow>(
        this.dataSource,
        `UPDATE content_items SET first_sent_at = coalesce(first_sent_at, $2)
          WHERE id = ANY($1)
          RETURNING id, topic_id, kind, locale, title, summary, body_html, body_text, link,
                    variants, published_at, expires_at, withdrawn_at`,
        [load, now],
      );
      for (const row of rows) this.remember(toSendable(row));
    }
    for (const s of state) {
      const item = this.frozen.get(s.id);
      if (item) out.set(s.id, { ...item, withdrawn: s.withdrawn });
    }
    return out;
  }

  private remember(item: Omit<SendableItem, 'withdrawn'>): void {
    this.frozen.delete(item.id);
    this.frozen.set(item.id, item);
    if (this.frozen.size > CACHE_LIMIT) {
      this.frozen.delete(this.frozen.keys().next().value as string);
    }
  }
}

function toSendable(r: ItemRow): Omit<SendableItem, 'withdrawn'> {
  const main: ItemWording = {
    title: r.title,
    summary: r.summary,
    bodyHtml: r.body_html,
    bodyText: r.body_text,
    url: r.link,
  };
  const byLocale: Partial<Record<Locale, ItemWording>> = { [r.locale]: main };
  for (const [locale, v] of Object.entries(r.variants ?? {}) as [Locale, ContentVariant][]) {
    byLocale[locale] = {
      title: v.title,
      summary: v.summary,
      bodyHtml: v.bodyHtml,
      bodyText: v.bodyText,
      url: v.link ?? r.link,
    };
  }
  return {
    id: r.id,
    topicId: r.topic_id,
    kind: r.kind,
    publishedAt: r.published_at,
    expiresAt: r.expires_at,
    wording: (locale) => byLocale[locale] ?? main,
  };
}
