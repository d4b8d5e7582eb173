import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ContentKind } from '../content/content-item.entity';
import { Campaign } from './campaign.entity';
import { CampaignFanout } from './campaign-fanout.service';

/** A campaign that has not finished fanning out, with who it would reach now. */
export interface ScheduledCampaign {
  id: string;
  name: string;
  status: 'scheduled' | 'running';
  kind: ContentKind;
  sendAt: Date;
  topic: { id: string; key: string; name: string };
  /** Whether it has a segment (a subset of the topic's subscribers). */
  segmented: boolean;
  /** Scheduled: who the segment addresses now; running: the audience counted when it started. */
  audience: number;
}

/**
 * The campaigns that go out next (status scheduled or running, send_at before `until`), soonest
 * first, for the upcoming report. A scheduled campaign's audience is counted now with the
 * fan-out's own audience query (the fan-out counts it again when it starts).
 */
@Injectable()
export class ScheduledCampaigns {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly fanout: CampaignFanout,
  ) {}

  async before(until: Date, limit = 50): Promise<ScheduledCampaign[]> {
    const campaigns = await this.dataSource.manager
      .createQueryBuilder(Campaign, 'c')
      .where(`c.status IN ('scheduled', 'running')`)
      .andWhere('c.send_at < :until', { until })
      .orderBy('c.send_at', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .limit(limit)
      .getMany();
    if (!campaigns.length) return [];
    const topics = await this.dataSource.query<Array<{ id: string; key: string; name: string }>>(
      `SELECT id, key, name FROM audience_topics WHERE id = ANY($1)`,
      [[...new Set(campaigns.map((c) => c.topicId))]],
    );
    const byId = new Map(topics.map((t) => [t.id, t]));
    const out: ScheduledCampaign[] = [];
    for (const c of campaigns) {
      const audience =
        c.status === 'running' && c.audienceSize !== null
          ? c.audienceSize
          : await this.fanout.countAudience(this.dataSource.manager, c);
      out.push({
        id: c.id,
        name: c.name,
        status: c.status as 'scheduled' | 'running',
        kind: c.kind,
        sendAt: c.sendAt,
        topic: byId.get(c.topicId) ?? { id: c.topicId, key: '', name: '' },
        segmented: Object.keys(c.segment ?? {}).length > 0,
        audience,
      });
    }
    return out;
  }
}
