import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../../platform/clock';
import { queryRows } from '../../platform/database/sql';
import { SuppressionsService } from '../../audience/suppressions/suppressions.service';
import { CampaignDecisions } from './campaign-decisions';
import {
  AudienceCountDto,
  CampaignForecastDto,
  CountAudienceDto,
  ForecastCampaignDto,
} from './campaign.dto';
import { CampaignsService } from './campaigns.service';

/**
 * What a campaign would do before it is launched: the audience's size while a segment is being
 * built, and the fan-out's decision for every subscriber. Both read with the fan-out's own SQL
 * (CampaignDecisions), so a launch at the same moment writes what the forecast counted.
 */
@Injectable()
export class CampaignForecast {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly campaigns: CampaignsService,
    private readonly decisions: CampaignDecisions,
    private readonly suppressions: SuppressionsService,
    private readonly clock: Clock,
  ) {}

  async count(dto: CountAudienceDto): Promise<AudienceCountDto> {
    const plan = await this.campaigns.plan(dto, this.clock.now(), { source: false });
    const params: unknown[] = [];
    const [{ n }] = await queryRows<{ n: number }>(
      this.dataSource,
      `SELECT count(*)::int AS n ${this.decisions.audienceSql({ ...plan, topicId: plan.topic.id }, params)}`,
      params,
    );
    return { topic: plan.topic.key, count: n };
  }

  async forecast(dto: ForecastCampaignDto): Promise<CampaignForecastDto> {
    const now = this.clock.now();
    const plan = await this.campaigns.plan(dto, now);
    const source = plan.source!;
    // A later send is decided when it starts; until then, the state of now is the best guess.
    const decidedAt = plan.sendAt.getTime() > now.getTime() ? plan.sendAt : now;
    const params: unknown[] = [];
    const p = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const at = p(decidedAt);
    const decided = this.decisions.decidedSql(
      {
        topicId: plan.topic.id,
        segment: plan.segment,
        purposes: plan.purposes,
        sendAt: plan.sendAt,
        contentItemId: source.contentItemId,
        kind: source.kind,
      },
      at,
      params,
    );
    const hash = this.suppressions.sqlHash('d.email', (v) => p(v));
    // The send-time checks in the order delivery applies them: suppression, then a pause. One
    // pass over the decided audience; the address is hashed only for those sent now.
    const sql = `WITH ${decided}
       SELECT count(*)::int AS audience,
              count(*) FILTER (WHERE skip_reason IS NULL)::int AS now,
              count(*) FILTER (WHERE skip_reason = 'already_received')::int AS already_received,
              count(*) FILTER (WHERE skip_reason = 'folded')::int AS folded,
              count(*) FILTER (WHERE skip_reason = 'frequency')::int AS frequency,
              count(*) FILTER (WHERE skip_reason = 'content_mix')::int AS content_mix,
              count(*) FILTER (WHERE suppressed)::int AS suppressed,
              count(*) FILTER (WHERE paused AND NOT suppressed)::int AS paused
         FROM (SELECT d.skip_reason,
                      CASE WHEN d.skip_reason IS NULL
                           THEN coalesce(${hash} IN (SELECT q.address_hash FROM audience_suppressions q), false)
                           ELSE false END AS suppressed,
                      d.skip_reason IS NULL AND coalesce(d.paused_until > ${at}, false) AS paused
                 FROM decided d) t`;
    // JIT off, as the fan-out runs the same decision: the estimate of the whole audience's
    // statement crosses PostgreSQL's JIT threshold, and compiling cost more than the statement.
    // A promotional campaign's runs in one process: in a parallel plan each process built the
    // content-mix pass's hash itself, three times the work for no gain in time (bench:console).
    const [row] = await this.dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL jit = off');
      if (source.kind === 'promotional')
        await manager.query('SET LOCAL max_parallel_workers_per_gather = 0');
      return queryRows<{
        audience: number;
        now: number;
        already_received: number;
        folded: number;
        frequency: number;
        content_mix: number;
        suppressed: number;
        paused: number;
      }>(manager, sql, params);
    });
    return {
      topic: plan.topic.key,
      decidedAt,
      audienceSize: row.audience,
      sendNow: row.now,
      folded: row.folded,
      skipped: {
        already_received: row.already_received,
        folded: row.folded,
        frequency: row.frequency,
        content_mix: row.content_mix,
      },
      atSendTime: { suppressed: row.suppressed, paused: row.paused },
    };
  }
}
