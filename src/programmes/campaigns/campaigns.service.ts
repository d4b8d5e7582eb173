import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { Clock } from '../../platform/clock';
import { sha256Hex } from '../../platform/crypto';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
} from '../../platform/errors/domain-errors';
import { Page, fetchKeysetPage } from '../../platform/http/pagination';
import { isUuid } from '../../platform/ids';
import { ContentItem } from '../content/content-item.entity';
import { ContentService } from '../content/content.service';
import { queryRows } from '../../platform/database/sql';
import { RenderingService } from '../../messaging/rendering/rendering.service';
import { LedgerService } from '../../messaging/delivery/ledger.service';
import { MessagesService } from '../../messaging/delivery/messages.service';
import { SubscriptionSlots } from '../../audience/subscribers/subscription-slots';
import { Topic } from '../../audience/topics/topic.entity';
import { TopicsService } from '../../audience/topics/topics.service';
import { Campaign } from './campaign.entity';
import { CampaignRecovery } from './campaign-recovery.service';
import { HelpfulVotes } from './helpful-votes';
import {
  CampaignDto,
  CampaignStatsDto,
  CreateCampaignDto,
  ListCampaignsQueryDto,
} from './campaign.dto';
import { Segment, segmentDataUses, segmentProblem } from './segment';
import { DataPurposesService } from '../../audience/purposes/data-purposes.service';
import { locales } from '../../platform/locale';

/** The template content-item campaigns are rendered with. */
export const CAMPAIGN_TEMPLATE = 'campaign';

/** What a campaign sends: a content item, or a template with its data. */
export interface CampaignSource {
  name: string;
  contentItemId: string | null;
  template: string;
  data: Record<string, unknown>;
  kind: 'editorial' | 'promotional';
}

/** A checked campaign request (CampaignsService.plan). */
export interface CampaignPlan {
  topic: Topic;
  sendAt: Date;
  /** null when only the audience was checked. */
  source: CampaignSource | null;
  segment: Segment;
  purposes: string[] | null;
}

export interface CreateResult {
  campaign: CampaignDto;
  /** True when an earlier request with the same idempotency key created it. */
  replayed: boolean;
}

/**
 * Creating, reading, listing, cancelling and resuming campaigns; the fan-out itself is
 * CampaignFanout, keeping it going is CampaignRecovery.
 */
@Injectable()
export class CampaignsService {
  private readonly logger = new Logger('Campaigns');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly recovery: CampaignRecovery,
    private readonly topics: TopicsService,
    private readonly content: ContentService,
    private readonly rendering: RenderingService,
    private readonly clock: Clock,
    private readonly helpfulVotes: HelpfulVotes,
    private readonly ledger: LedgerService,
    private readonly messages: MessagesService,
    private readonly slots: SubscriptionSlots,
    private readonly purposes: DataPurposesService,
  ) {}

  async create(dto: CreateCampaignDto): Promise<CreateResult> {
    const { idempotencyKey, ...request } = dto;
    const requestHash = sha256Hex(canonicalJson(request));
    if (idempotencyKey) {
      const earlier = await this.replay(idempotencyKey, requestHash);
      if (earlier) return { campaign: earlier, replayed: true };
    }
    const now = this.clock.now();
    const plan = await this.plan(dto, now);
    const { topic, sendAt, segment } = plan;
    const source = plan.source!;
    const immediate = sendAt.getTime() <= now.getTime();
    let campaign: Campaign;
    try {
      const repo = this.dataSource.getRepository(Campaign);
      campaign = await repo.save(
        repo.create({
          idempotencyKey: idempotencyKey ?? null,
          requestHash,
          name: dto.name?.trim() || source.name,
          topicId: topic.id,
          contentItemId: source.contentItemId,
          template: source.template,
          data: source.data,
          kind: source.kind,
          segment: JSON.parse(JSON.stringify(segment)) as Segment,
          purposes: dto.purposes ?? null,
          status: immediate ? 'running' : 'scheduled',
          sendAt,
          startedAt: immediate ? now : null,
          heartbeatAt: immediate ? now : null,
        }),
      );
    } catch (err) {
      // Two requests with one key at once: the second finds what the first created.
      if (idempotencyKey && isUniqueViolation(err)) {
        const earlier = await this.replay(idempotencyKey, requestHash);
        if (earlier) return { campaign: earlier, replayed: true };
      }
      throw err;
    }
    if (immediate) await this.recovery.enqueue(campaign.id, 0);
    this.logger.log(
      { campaignId: campaign.id, topic: topic.key, sendAt, status: campaign.status },
      'Campaign created',
    );
    return { campaign: await this.toDto(campaign, topic.key), replayed: false };
  }

  /**
   * Checks a campaign request as creating it would (topic, content or template, segment,
   * purposes) without writing anything. Without `contentItem` and `template` (`source: false`),
   * only the audience part is checked.
   */
  async plan(
    dto: Pick<
      CreateCampaignDto,
      'topic' | 'contentItem' | 'template' | 'data' | 'kind' | 'segment' | 'purposes' | 'sendAt'
    >,
    now: Date,
    options: { source: boolean } = { source: true },
  ): Promise<CampaignPlan> {
    const topic = await this.topics.getOpen(dto.topic);
    if (topic.kind === 'notice') {
      throw new RuleViolationError(
        `Topic "${topic.key}" carries notices; campaigns go to editorial and promotional topics`,
        'topic',
        'topic_carries_notices',
      );
    }
    const sendAt = dto.sendAt ? new Date(dto.sendAt) : now;
    const source = options.source ? await this.resolveSource(dto, topic, sendAt) : null;
    if (source?.kind === 'promotional' && topic.kind !== 'promotional') {
      throw new RuleViolationError(
        `Promotional campaigns go only to promotional topics; "${topic.key}" is ${topic.kind}`,
        'kind',
        'promotional_not_allowed',
      );
    }
    const segment = dto.segment ?? {};
    const problem = segmentProblem(segment);
    if (problem) throw new InvalidInputError(problem.message, problem.field);
    await this.purposes.assertCovered(dto.purposes, segmentDataUses(segment));
    return { topic, sendAt, source, segment, purposes: dto.purposes ?? null };
  }

  async get(id: string): Promise<CampaignDto> {
    const campaign = await this.find(this.dataSource.manager, id);
    const topic = await this.topics.get(campaign.topicId);
    return this.toDto(campaign, topic.key);
  }

  async list(query: ListCampaignsQueryDto): Promise<Page<CampaignDto>> {
    const qb = this.dataSource.manager
      .createQueryBuilder(Campaign, 'c')
      .innerJoin('audience_topics', 't', 't.id = c.topic_id')
      .addSelect('t.key', 'topic_key');
    if (query.topic) {
      const topic = await this.topics.get(query.topic);
      qb.andWhere('c.topic_id = :topicId', { topicId: topic.id });
    }
    const page = await fetchKeysetPage<Campaign, { topic_key: string }>(
      qb,
      'c',
      { ...query, limit: query.limit ?? 20 },
      'DESC',
    );
    // The campaigns' stats side by side, on the pool's connections, not one after another.
    const items = await Promise.all(
      page.entities.map((c, i) => this.toDto(c, page.raw[i].topic_key)),
    );
    return { items, nextCursor: page.nextCursor };
  }

  /**
   * Stops what is not yet sent: queued messages become `skipped: cancelled`, folded copies no
   * longer go into digests, and the fan-out stops at its next batch (it takes the same row lock).
   * Those who were to get it keep their slot for the period. Messages already being handed to
   * SMTP finish. Repeating it changes nothing.
   */
  async cancel(id: string): Promise<CampaignDto> {
    const now = this.clock.now();
    const { campaign, cancelled } = await this.dataSource.transaction(async (manager) => {
      const campaign = await this.find(manager, id, true);
      if (campaign.status === 'cancelled') return { campaign, cancelled: 0 };
      if (campaign.status === 'sent') {
        const outcomes = await this.messages.campaignOutcomes(campaign.id, manager);
        if (!outcomes.some((o) => o.status === 'queued' || o.status === 'sending')) {
          throw new ConflictError(
            `Campaign ${id} has been sent; there is nothing left to cancel`,
            'id',
            'campaign_already_sent',
          );
        }
      }
      campaign.status = 'cancelled';
      campaign.cancelledAt = now;
      await manager.save(campaign);
      const cancelled = await this.ledger.cancelCampaign(manager, campaign.id);
      // A cancelled message gives its slot back if nothing else took it since.
      await this.slots.release(
        manager,
        campaign.topicId,
        cancelled.map((m) => ({ subscriberId: m.subscriberId, reservedAt: m.createdAt })),
      );
      return { campaign, cancelled: cancelled.length };
    });
    this.logger.log({ campaignId: campaign.id, cancelled }, 'Campaign cancelled');
    return this.get(campaign.id);
  }

  /**
   * Continues a failed campaign's fan-out from its cursor (`fanout_cursor`): nobody it already
   * reached gets it twice (dedupe keys). 409 unless the campaign is failed.
   */
  async resume(id: string): Promise<CampaignDto> {
    await this.recovery.resume(id);
    return this.get(id);
  }

  private async resolveSource(
    dto: Pick<CreateCampaignDto, 'contentItem' | 'template' | 'data' | 'kind'>,
    topic: Topic,
    sendAt: Date,
  ): Promise<CampaignSource> {
    if (!!dto.contentItem === !!dto.template) {
      throw new InvalidInputError(
        'Give either contentItem or template (with data), not both and not neither',
        'contentItem',
      );
    }
    if (dto.contentItem) {
      if (dto.data !== undefined || dto.kind !== undefined) {
        throw new InvalidInputError(
          "data and kind go with template; a content item's campaign uses the item",
          dto.data !== undefined ? 'data' : 'kind',
        );
      }
      const item = await this.content
        .find(this.dataSource.manager, dto.contentItem)
        .catch((err: unknown) => {
          if (err instanceof NotFoundError) throw new NotFoundError(err.message, 'contentItem');
          throw err;
        });
      assertSendable(item, topic, sendAt);
      return {
        name: item.title,
        contentItemId: item.id,
        template: CAMPAIGN_TEMPLATE,
        data: {},
        kind: item.kind,
      };
    }
    const template = dto.template!;
    if (!this.rendering.has(template)) {
      throw new RuleViolationError(
        `Template "${template}" does not exist`,
        'template',
        'template_unknown',
      );
    }
    if (!dto.kind) throw new InvalidInputError('kind is required with template', 'kind');
    const data = dto.data ?? {};
    // Refuse data the template cannot render now, rather than failing every message later.
    for (const locale of locales()) {
      this.rendering.render(template, locale, {
        ...data,
        subscriber: { name: 'Sample', email: 'sample@example.com' },
        locale,
        marketing: true,
        links: {
          unsubscribe: 'https://example.com/u/sample',
          preferences: 'https://example.com/p/sample',
        },
      });
    }
    return { name: template, contentItemId: null, template, data, kind: dto.kind };
  }

  private async replay(key: string, requestHash: string): Promise<CampaignDto | null> {
    const existing = await this.dataSource
      .getRepository(Campaign)
      .findOne({ where: { idempotencyKey: key } });
    if (!existing) return null;
    if (existing.requestHash !== requestHash) {
      throw new ConflictError(
        'This idempotencyKey was used for a different campaign request',
        'idempotencyKey',
        'idempotency_key_reused',
      );
    }
    return this.get(existing.id);
  }

  private async find(manager: EntityManager, id: string, lock = false): Promise<Campaign> {
    const campaign = isUuid(id)
      ? await manager.findOne(Campaign, {
          where: { id },
          lock: lock ? { mode: 'pessimistic_write' } : undefined,
        })
      : null;
    if (!campaign) throw new NotFoundError(`Campaign ${id} not found`, 'id');
    return campaign;
  }

  private async toDto(campaign: Campaign, topicKey: string): Promise<CampaignDto> {
    return CampaignDto.from(campaign, topicKey, await this.stats(campaign));
  }

  private async stats(campaign: Campaign): Promise<CampaignStatsDto> {
    const rows = await this.messages.campaignOutcomes(campaign.id);
    const count = (status: string) =>
      rows.filter((r) => r.status === status).reduce((sum, r) => sum + r.n, 0);
    const skipped: Record<string, number> = {};
    for (const r of rows) if (r.status === 'skipped') skipped[r.skipReason!] = r.n;
    const fannedOut = rows.reduce((sum, r) => sum + r.n, 0);
    const audience = campaign.audienceSize;
    const queued = count('queued');
    const sending = count('sending');
    // What happened after sending joins every message with its subscriber: only once nothing is
    // left to send, so following a large campaign's progress stays cheap.
    const done =
      campaign.status !== 'scheduled' && campaign.status !== 'running' && !queued && !sending;
    const after = done ? await this.afterEffects(campaign.id) : null;
    return {
      audienceSize: audience,
      fannedOut,
      progress: campaign.status === 'sent' ? 1 : audience ? Math.min(1, fannedOut / audience) : 0,
      queued,
      sending,
      sent: count('sent'),
      failed: count('failed'),
      suppressed: count('suppressed'),
      skipped,
      folded: skipped.folded ?? 0,
      bounced: after?.bounced ?? null,
      unsubscribedAfter: after?.unsubscribed ?? null,
      helpfulVotes: await this.helpfulVotes.for(campaign.id),
      failureReason: campaign.status === 'failed' ? campaign.failureReason : null,
    };
  }

  private async afterEffects(
    campaignId: string,
  ): Promise<{ bounced: number; unsubscribed: number }> {
    // Two counts, each driven by the few rows it looks for (bounced subscribers, unsubscribed
    // subscriptions: a person has one subscription per topic, so no message counts twice) rather
    // than one join of every message with every subscriber and subscription (3 s for a page of
    // campaigns on 100,000 subscribers; migrations/1764021000000-CampaignStatsIndexes.ts).
    const [row] = await queryRows<{ bounced: number; unsubscribed: number }>(
      this.dataSource,
      `SELECT (SELECT count(*) FROM messaging_ledger_messages m
                 JOIN audience_subscribers s ON s.id = m.subscriber_id
                WHERE m.campaign_id = $1 AND m.status IN ('sent', 'failed')
                  AND s.status = 'bounced')::int AS bounced,
              (SELECT count(*) FROM messaging_ledger_messages m
                 JOIN audience_subscribers s ON s.id = m.subscriber_id
                 JOIN audience_subscriptions x ON x.subscriber_id = m.subscriber_id AND x.topic_id = m.topic_id
                WHERE m.campaign_id = $1 AND m.status = 'sent' AND x.status = 'unsubscribed'
                  AND x.unsubscribed_at >= m.sent_at)::int AS unsubscribed`,
      [campaignId],
    );
    return row;
  }
}

function assertSendable(item: ContentItem, topic: Topic, sendAt: Date): void {
  if (item.topicId !== topic.id) {
    throw new RuleViolationError(
      `Content item ${item.id} belongs to another topic`,
      'contentItem',
      'content_topic_mismatch',
    );
  }
  if (item.withdrawnAt) {
    throw new RuleViolationError(
      `Content item ${item.id} was withdrawn`,
      'contentItem',
      'content_withdrawn',
    );
  }
  if (item.publishedAt.getTime() > sendAt.getTime()) {
    throw new RuleViolationError(
      `Content item ${item.id} is published only at ${item.publishedAt.toISOString()}, after the campaign's send time`,
      'contentItem',
      'content_not_published',
    );
  }
  if (item.expiresAt && item.expiresAt.getTime() <= sendAt.getTime()) {
    throw new RuleViolationError(
      `Content item ${item.id} expires before the campaign's send time`,
      'contentItem',
      'content_expired',
    );
  }
}

/** JSON with sorted keys, so the same request always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function isUniqueViolation(err: unknown): boolean {
  return (
    err instanceof QueryFailedError && (err.driverError as { code?: string })?.code === '23505'
  );
}
