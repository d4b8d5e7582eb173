import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ContentDelivery } from '../content/content-delivery.service';
import { queryRows } from '../../platform/database/sql';
import type { ClaimedMessage } from '../../messaging/delivery/claimed-message';
import { MessagePreparer, PreparesMessages } from '../../messaging/delivery/message-composer';
import type { SendDecision } from '../../messaging/delivery/send-checks';
import { isCampaignRef } from './campaign-fanout.service';

interface CampaignSource {
  contentItemId: string | null;
  data: Record<string, unknown>;
}

const CACHE_LIMIT = 200;

/**
 * Fills in a campaign message's template data at send time: the content item in the subscriber's
 * locale, or the campaign's own template data. A campaign's content never changes after it is
 * created, so it is cached per worker. Withdrawn or expired content is not sent.
 */
@Injectable()
@PreparesMessages({ order: 20 })
export class CampaignContentPreparer implements MessagePreparer {
  private readonly campaigns = new Map<string, CampaignSource>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly content: ContentDelivery,
  ) {}

  async prepare(messages: ClaimedMessage[], now: Date): Promise<Map<string, SendDecision>> {
    const decisions = new Map<string, SendDecision>();
    const mine = messages.filter((m) => isCampaignRef(m.data));
    if (!mine.length) return decisions;
    const ids = [...new Set(mine.map((m) => m.data.campaign as string))];
    const missing = ids.filter((id) => !this.campaigns.has(id));
    if (missing.length) {
      const rows = await queryRows<{
        id: string;
        content_item_id: string | null;
        data: Record<string, unknown>;
      }>(this.dataSource, `SELECT id, content_item_id, data FROM campaigns WHERE id = ANY($1)`, [
        missing,
      ]);
      for (const r of rows) {
        this.campaigns.set(r.id, { contentItemId: r.content_item_id, data: r.data ?? {} });
        if (this.campaigns.size > CACHE_LIMIT) {
          this.campaigns.delete(this.campaigns.keys().next().value as string);
        }
      }
    }
    const itemIds = ids
      .map((id) => this.campaigns.get(id)?.contentItemId)
      .filter((id): id is string => !!id);
    const items = await this.content.load(itemIds, now);
    const wordings = new Map<string, Record<string, string | null>>();
    for (const m of mine) {
      const source = this.campaigns.get(m.data.campaign as string);
      if (!source) {
        decisions.set(m.id, { status: 'skipped', reason: 'campaign_missing' });
        continue;
      }
      if (!source.contentItemId) {
        m.data = { ...source.data, timezone: m.timezone };
        continue;
      }
      const item = items.get(source.contentItemId);
      if (!item || item.withdrawn) {
        decisions.set(m.id, { status: 'skipped', reason: 'withdrawn' });
        continue;
      }
      if (item.expiresAt && item.expiresAt.getTime() <= now.getTime()) {
        decisions.set(m.id, { status: 'skipped', reason: 'expired' });
        continue;
      }
      // One object per item and locale, shared by the batch's messages: posted to a compose
      // thread, the ~30 KB of body is then copied once per task instead of once per message.
      const key = `${source.contentItemId}:${m.locale}`;
      let shown = wordings.get(key);
      if (!shown) {
        const w = item.wording(m.locale);
        shown = {
          title: w.title,
          summary: w.summary,
          bodyHtml: w.bodyHtml,
          bodyText: w.bodyText,
          url: w.url,
          publishedAt: item.publishedAt.toISOString(),
        };
        wordings.set(key, shown);
      }
      m.data = { topic: { name: m.topicName ?? '' }, timezone: m.timezone, item: shown };
    }
    return decisions;
  }
}
