import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../../platform/clock';
import {
  ConflictError,
  GoneError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
} from '../../platform/errors/domain-errors';
import { Page, fetchKeysetPage } from '../../platform/http/pagination';
import { isUuid } from '../../platform/ids';
import { Topic } from '../../audience/topics/topic.entity';
import { TopicsService } from '../../audience/topics/topics.service';
import { BodyFormat, renderBody } from './content-body';
import { ContentSizeCheck } from './content-size';
import { ContentItem, ContentKind, ContentVariant } from './content-item.entity';
import {
  ContentItemDto,
  ContentItemPreviewDto,
  ContentVariantsDto,
  CreateContentItemDto,
  ListContentQueryDto,
  PreviewContentItemDto,
  UpdateContentItemDto,
} from './content.dto';
import { Locale, localeOr, locales } from '../../platform/locale';

/** Publishing, listing, editing (until the first copy goes out) and withdrawing content items. */
@Injectable()
export class ContentService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly topics: TopicsService,
    private readonly clock: Clock,
    private readonly size: ContentSizeCheck,
  ) {}

  async create(dto: CreateContentItemDto): Promise<ContentItemDto> {
    const now = this.clock.now();
    const topic = await this.topics.getOpen(dto.topic);
    assertKindAllowed(topic, dto.kind);
    const format = dto.bodyFormat ?? 'html';
    const body = renderBody(dto.body ?? '', format);
    const publishedAt = dto.publishAt ? new Date(dto.publishAt) : now;
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    assertExpiry(publishedAt, expiresAt);
    const variants = renderVariants(dto.variants, format);
    const warnings = this.size.check(
      sized(
        {
          locale: dto.locale ?? 'en',
          title: dto.title.trim(),
          summary: dto.summary?.trim() ?? '',
          bodyHtml: body.html,
          bodyText: body.text,
          link: dto.link ?? null,
        },
        variants,
      ),
    );
    const repo = this.dataSource.getRepository(ContentItem);
    const saved = await repo.save(
      repo.create({
        topicId: topic.id,
        kind: dto.kind,
        locale: dto.locale ?? localeOr('en'),
        title: dto.title.trim(),
        summary: dto.summary?.trim() ?? '',
        bodyFormat: format,
        bodySource: dto.body ?? '',
        bodyHtml: body.html,
        bodyText: body.text,
        link: dto.link ?? null,
        variants,
        inDigests: dto.inDigests ?? true,
        publishedAt,
        expiresAt,
      }),
    );
    return { ...ContentItemDto.from(saved, topic.key, now), warnings };
  }

  /**
   * The campaign email an unsaved item makes, in every locale, as a subscriber of that locale would
   * get it (their variant, else the main fields), with the size check publishing would apply:
   * its warnings, and the refusal it would give as `tooLarge` instead of an error.
   */
  async preview(dto: PreviewContentItemDto): Promise<ContentItemPreviewDto> {
    const now = this.clock.now();
    const topic = await this.topics.getOpen(dto.topic);
    assertKindAllowed(topic, dto.kind);
    const format = dto.bodyFormat ?? 'html';
    const body = renderBody(dto.body ?? '', format);
    const main = {
      locale: dto.locale ?? localeOr('en'),
      title: dto.title.trim(),
      summary: dto.summary?.trim() ?? '',
      bodyHtml: body.html,
      bodyText: body.text,
      link: dto.link ?? null,
    };
    const variants = renderVariants(dto.variants, format);
    const shown = locales().map((locale) => {
      const variant = locale === main.locale ? undefined : variants[locale];
      const wording = variant ? { ...variant, link: variant.link ?? main.link } : main;
      const email = this.size.campaignEmail(locale, wording, {
        topicName: topic.names?.[locale] ?? topic.name,
        publishedAt: now,
      });
      return {
        locale,
        wording: variant ? ('variant' as const) : ('main' as const),
        subject: email.subject,
        html: email.html,
        text: email.text,
        htmlBytes: Buffer.byteLength(email.html),
      };
    });
    let warnings: string[] = [];
    let tooLarge: ContentItemPreviewDto['tooLarge'] = null;
    try {
      warnings = this.size.check(sized(main, variants));
    } catch (e) {
      if (!(e instanceof RuleViolationError) || e.code !== 'content_too_large') throw e;
      tooLarge = { field: e.field ?? 'body', code: 'content_too_large', message: e.message };
    }
    return { locales: shown, warnings, tooLarge };
  }

  async get(id: string): Promise<ContentItemDto> {
    const item = await this.find(this.dataSource.manager, id);
    const topic = await this.topics.get(item.topicId);
    return ContentItemDto.from(item, topic.key, this.clock.now());
  }

  /** Newest first; keyset pagination over (created_at, id). */
  async list(query: ListContentQueryDto): Promise<Page<ContentItemDto>> {
    const now = this.clock.now();
    const qb = this.dataSource.manager
      .createQueryBuilder(ContentItem, 'c')
      .innerJoin('audience_topics', 't', 't.id = c.topic_id')
      .addSelect('t.key', 'topic_key');
    if (query.topic) {
      const topic = await this.topics.get(query.topic);
      qb.andWhere('c.topic_id = :topicId', { topicId: topic.id });
    }
    switch (query.status) {
      case 'withdrawn':
        qb.andWhere('c.withdrawn_at IS NOT NULL');
        break;
      case 'scheduled':
        qb.andWhere('c.withdrawn_at IS NULL AND c.published_at > :now', { now });
        break;
      case 'expired':
        qb.andWhere('c.withdrawn_at IS NULL AND c.published_at <= :now AND c.expires_at <= :now', {
          now,
        });
        break;
      case 'published':
        qb.andWhere(
          'c.withdrawn_at IS NULL AND c.published_at <= :now AND (c.expires_at IS NULL OR c.expires_at > :now)',
          { now },
        );
        break;
    }
    const page = await fetchKeysetPage<ContentItem, { topic_key: string }>(qb, 'c', query, 'DESC');
    return {
      items: page.entities.map((c, i) => ContentItemDto.from(c, page.raw[i].topic_key, now)),
      nextCursor: page.nextCursor,
    };
  }

  /**
   * Changes an item until its first copy is being sent. The row lock orders this against the
   * delivery worker that freezes the item (ContentDelivery.load), so nobody gets an edit half-way.
   */
  async update(id: string, dto: UpdateContentItemDto): Promise<ContentItemDto> {
    const now = this.clock.now();
    const { item, topic, warnings } = await this.dataSource.transaction(async (manager) => {
      const item = await this.find(manager, id, true);
      if (item.withdrawnAt) {
        throw new GoneError(`Content item ${id} was withdrawn`, 'id', 'content_withdrawn');
      }
      if (item.firstSentAt) {
        throw new ConflictError(
          `Content item ${id} has been sent already; withdraw it and publish a new one`,
          'id',
          'content_already_sent',
        );
      }
      const topic = await this.topics.get(item.topicId, manager);
      if (dto.kind !== undefined) {
        assertKindAllowed(topic, dto.kind);
        item.kind = dto.kind;
      }
      const format = dto.bodyFormat ?? item.bodyFormat;
      if (dto.body !== undefined || dto.bodyFormat !== undefined) {
        const source = dto.body ?? item.bodySource;
        const body = renderBody(source, format);
        item.bodyFormat = format;
        item.bodySource = source;
        item.bodyHtml = body.html;
        item.bodyText = body.text;
      }
      if (dto.locale !== undefined) item.locale = dto.locale;
      if (dto.title !== undefined) item.title = dto.title.trim();
      if (dto.summary !== undefined) item.summary = dto.summary.trim();
      if (dto.link !== undefined) item.link = dto.link;
      if (dto.variants !== undefined) item.variants = renderVariants(dto.variants, format);
      else if (dto.bodyFormat !== undefined) item.variants = rerenderVariants(item, format);
      if (dto.inDigests !== undefined) item.inDigests = dto.inDigests;
      if (dto.publishAt !== undefined) item.publishedAt = new Date(dto.publishAt);
      if (dto.expiresAt !== undefined) item.expiresAt = new Date(dto.expiresAt);
      assertExpiry(item.publishedAt, item.expiresAt);
      const warnings = this.size.check(sized(item, item.variants ?? {}));
      return { item: await manager.save(item), topic, warnings };
    });
    return { ...ContentItemDto.from(item, topic.key, now), warnings };
  }

  /**
   * Withdrawn content is never sent again: digests drop it and its campaign messages are
   * skipped at send time. Repeating it changes nothing.
   */
  async withdraw(id: string): Promise<ContentItemDto> {
    const now = this.clock.now();
    const item = await this.dataSource.transaction(async (manager) => {
      const item = await this.find(manager, id, true);
      if (!item.withdrawnAt) {
        item.withdrawnAt = now;
        await manager.save(item);
      }
      return item;
    });
    const topic = await this.topics.get(item.topicId);
    return ContentItemDto.from(item, topic.key, now);
  }

  /** 404 for unknown ids (and for anything that is not an id). */
  async find(manager: EntityManager, id: string, lock = false): Promise<ContentItem> {
    const item = isUuid(id)
      ? await manager.findOne(ContentItem, {
          where: { id },
          lock: lock ? { mode: 'pessimistic_write' } : undefined,
        })
      : null;
    if (!item) throw new NotFoundError(`Content item ${id} not found`, 'id');
    return item;
  }
}

function assertKindAllowed(topic: Topic, kind: ContentKind): void {
  if (topic.kind === 'notice') {
    throw new RuleViolationError(
      `Topic "${topic.key}" carries notices, not content`,
      'topic',
      'topic_carries_notices',
    );
  }
  if (kind === 'promotional' && topic.kind !== 'promotional') {
    throw new RuleViolationError(
      `Promotional content goes only to promotional topics; "${topic.key}" is ${topic.kind}`,
      'kind',
      'promotional_not_allowed',
    );
  }
}

/** The item's main wording and each variant, for the size check, with the field each came from. */
function sized(
  main: {
    locale: Locale;
    title: string;
    summary: string;
    bodyHtml: string;
    bodyText: string;
    link: string | null;
  },
  variants: Partial<Record<Locale, ContentVariant>>,
): Parameters<ContentSizeCheck['check']>[0] {
  return [
    { locale: main.locale, field: 'body', item: main },
    ...(Object.entries(variants) as [Locale, ContentVariant][]).map(([locale, item]) => ({
      locale,
      field: `variants.${locale}.body`,
      item,
    })),
  ];
}

function assertExpiry(publishedAt: Date, expiresAt: Date | null): void {
  if (expiresAt && expiresAt.getTime() <= publishedAt.getTime()) {
    throw new InvalidInputError('expiresAt must be after publishAt', 'expiresAt');
  }
}

function renderVariants(
  variants: ContentVariantsDto | undefined,
  format: BodyFormat,
): Partial<Record<Locale, ContentVariant>> {
  const out: Partial<Record<Locale, ContentVariant>> = {};
  for (const locale of ['nl', 'en'] as const) {
    const v = variants?.[locale];
    if (!v) continue;
    const body = renderBody(v.body ?? '', format);
    out[locale] = {
      title: v.title.trim(),
      summary: v.summary?.trim() ?? '',
      bodySource: v.body ?? '',
      bodyHtml: body.html,
      bodyText: body.text,
      link: v.link ?? null,
    };
  }
  return out;
}

function rerenderVariants(
  item: ContentItem,
  format: BodyFormat,
): Partial<Record<Locale, ContentVariant>> {
  const out: Partial<Record<Locale, ContentVariant>> = {};
  for (const [locale, v] of Object.entries(item.variants ?? {}) as [Locale, ContentVariant][]) {
    const body = renderBody(v.bodySource, format);
    out[locale] = { ...v, bodyHtml: body.html, bodyText: body.text };
  }
  return out;
}
