import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
} from '../../platform/errors/domain-errors';
import { isUuid } from '../../platform/ids';
import { defaultLocale, isLocale, locales } from '../../platform/locale';
import { CreateTopicDto, UpdateTopicDto } from './topic.dto';
import { Frequency, FREQUENCIES, Topic } from './topic.entity';

@Injectable()
export class TopicsService {
  constructor(@InjectRepository(Topic) private readonly topics: Repository<Topic>) {}

  async create(dto: CreateTopicDto): Promise<Topic> {
    const allowed = sortFrequencies(dto.allowedFrequencies);
    const defaultFrequency = dto.defaultFrequency ?? allowed[allowed.length - 1];
    assertDefaultAllowed(defaultFrequency, allowed);
    if (await this.topics.exists({ where: { key: dto.key } })) {
      throw new ConflictError(`A topic with key "${dto.key}" already exists`, 'key', 'duplicate');
    }
    const names = localeTexts(dto.names, 'names', 200) ?? {};
    const descriptions = localeTexts(dto.descriptions, 'descriptions', 2000) ?? {};
    const name = defaultText(names, 'names', dto.name?.trim());
    if (!name) {
      throw new InvalidInputError(
        `name is required (or names with a text for a configured locale: ${locales().join(', ')})`,
        'name',
      );
    }
    return this.topics.save(
      this.topics.create({
        key: dto.key,
        name,
        names,
        description: defaultText(descriptions, 'descriptions', dto.description?.trim()) ?? '',
        descriptions,
        kind: dto.kind,
        allowedFrequencies: allowed,
        defaultFrequency,
        prospectsAllowed: dto.prospectsAllowed ?? true,
        isPublic: dto.isPublic ?? true,
        evergreenTemplate: dto.evergreenTemplate ?? null,
      }),
    );
  }

  list(includeArchived = false): Promise<Topic[]> {
    return this.topics.find({
      where: includeArchived ? {} : { archivedAt: IsNull() },
      order: { key: 'ASC' },
    });
  }

  /**
   * Active subscriptions of active subscribers per topic and frequency, for the topics in `ids`
   * (one aggregate over the (topic_id, status, subscriber_id) index).
   */
  async subscriberCounts(
    ids: string[],
  ): Promise<Map<string, { total: number; byFrequency: Record<Frequency, number> }>> {
    const out = new Map<string, { total: number; byFrequency: Record<Frequency, number> }>();
    for (const id of ids) {
      out.set(id, {
        total: 0,
        byFrequency: Object.fromEntries(FREQUENCIES.map((f) => [f, 0])) as Record<
          Frequency,
          number
        >,
      });
    }
    if (!ids.length) return out;
    const rows = await this.topics.manager.query<
      Array<{ topic_id: string; frequency: Frequency; n: number }>
    >(
      `SELECT x.topic_id, x.frequency, count(*)::int AS n
         FROM audience_subscriptions x
         JOIN audience_subscribers s ON s.id = x.subscriber_id
        WHERE x.topic_id = ANY($1) AND x.status = 'active' AND s.status = 'active'
        GROUP BY x.topic_id, x.frequency`,
      [ids],
    );
    for (const r of rows) {
      const entry = out.get(r.topic_id)!;
      if (r.frequency in entry.byFrequency) entry.byFrequency[r.frequency] = r.n;
      entry.total += r.n;
    }
    return out;
  }

  /** By id or by key; 404 otherwise. */
  async get(idOrKey: string, manager?: EntityManager): Promise<Topic> {
    const topic = await this.find(idOrKey, manager);
    if (!topic) throw new NotFoundError(`Topic "${idOrKey}" not found`, 'topic');
    return topic;
  }

  /** By id or by key; null otherwise. */
  find(idOrKey: string, manager?: EntityManager): Promise<Topic | null> {
    const repo = manager ? manager.getRepository(Topic) : this.topics;
    return repo.findOne({ where: isUuid(idOrKey) ? { id: idOrKey } : { key: idOrKey } });
  }

  /** A topic people can still join. */
  async getOpen(idOrKey: string, manager?: EntityManager, field = 'topic'): Promise<Topic> {
    let topic: Topic;
    try {
      topic = await this.get(idOrKey, manager);
    } catch (err) {
      if (err instanceof NotFoundError) {
        throw new NotFoundError(`Topic "${idOrKey}" not found`, field);
      }
      throw err;
    }
    if (topic.archivedAt) {
      throw new RuleViolationError(`Topic "${topic.key}" is archived`, field, 'topic_archived');
    }
    return topic;
  }

  async update(idOrKey: string, dto: UpdateTopicDto): Promise<Topic> {
    return this.topics.manager.transaction(async (manager) => {
      const topic = await this.get(idOrKey, manager);
      const allowed = dto.allowedFrequencies
        ? sortFrequencies(dto.allowedFrequencies)
        : topic.allowedFrequencies;
      let defaultFrequency = dto.defaultFrequency ?? topic.defaultFrequency;
      if (!dto.defaultFrequency && !allowed.includes(defaultFrequency)) {
        defaultFrequency = allowed[allowed.length - 1];
      }
      assertDefaultAllowed(defaultFrequency, allowed);
      const removed = topic.allowedFrequencies.filter((f) => !allowed.includes(f));
      if (removed.length) await this.assertFrequenciesUnused(manager, topic, removed);

      const fallback = defaultLocale();
      if (dto.names !== undefined) topic.names = localeTexts(dto.names, 'names', 200) ?? {};
      else if (dto.name !== undefined && topic.names[fallback] !== undefined) {
        topic.names = { ...topic.names, [fallback]: dto.name.trim() };
      }
      if (dto.descriptions !== undefined) {
        topic.descriptions = localeTexts(dto.descriptions, 'descriptions', 2000) ?? {};
      } else if (dto.description !== undefined && topic.descriptions[fallback] !== undefined) {
        topic.descriptions = { ...topic.descriptions, [fallback]: dto.description.trim() };
      }
      if (dto.name !== undefined || dto.names !== undefined) {
        topic.name = defaultText(topic.names, 'names', dto.name?.trim()) ?? topic.name;
      }
      if (dto.description !== undefined || dto.descriptions !== undefined) {
        topic.description =
          defaultText(topic.descriptions, 'descriptions', dto.description?.trim()) ??
          topic.description;
      }
      if (dto.kind !== undefined) topic.kind = dto.kind;
      if (dto.prospectsAllowed !== undefined) topic.prospectsAllowed = dto.prospectsAllowed;
      if (dto.isPublic !== undefined) topic.isPublic = dto.isPublic;
      if (dto.evergreenTemplate !== undefined) topic.evergreenTemplate = dto.evergreenTemplate;
      topic.allowedFrequencies = allowed;
      topic.defaultFrequency = defaultFrequency;
      return manager.save(topic);
    });
  }

  /** Archiving keeps history and subscriptions; the topic takes no new subscribers. */
  async archive(idOrKey: string): Promise<Topic> {
    const topic = await this.get(idOrKey);
    if (!topic.archivedAt) {
      topic.archivedAt = new Date();
      await this.topics.save(topic);
    }
    return topic;
  }

  /**
   * A frequency chosen by subscribers cannot be withdrawn under them: that would change what they
   * agreed to. The marketer has to move those subscribers first (or keep the frequency).
   */
  private async assertFrequenciesUnused(
    manager: EntityManager,
    topic: Topic,
    removed: Frequency[],
  ) {
    const rows = await manager.query<{ frequency: string; n: string }[]>(
      `SELECT frequency, count(*)::text AS n FROM audience_subscriptions
        WHERE topic_id = $1 AND status IN ('active', 'pending') AND frequency = ANY($2)
        GROUP BY frequency`,
      [topic.id, removed],
    );
    if (rows.length) {
      const detail = rows.map((r) => `${r.n} on ${r.frequency}`).join(', ');
      throw new ConflictError(
        `allowedFrequencies cannot drop a frequency subscribers chose (${detail})`,
        'allowedFrequencies',
        'frequency_in_use',
      );
    }
  }
}

/**
 * Texts per locale as the API takes them: keys are configured locales, values text of at most
 * `max` characters (names not empty); 400 naming the key (`names.de`).
 */
export function localeTexts(
  value: Record<string, unknown> | undefined,
  field: string,
  max: number,
): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [locale, text] of Object.entries(value)) {
    const at = `${field}.${locale}`;
    if (!isLocale(locale)) {
      throw new InvalidInputError(
        `${at}: ${JSON.stringify(locale)} is not a configured locale (LOCALES is ${locales().join(', ')})`,
        at,
      );
    }
    if (typeof text !== 'string') throw new InvalidInputError(`${at} must be text`, at);
    const trimmed = text.replace(/\r\n?/g, '\n').trim();
    if (trimmed.length > max || (field === 'names' && !trimmed)) {
      throw new InvalidInputError(`${at} must be 1-${max} characters`, at);
    }
    if (trimmed) out[locale] = trimmed;
  }
  return out;
}

/**
 * The default locale's text: the one in the map, else the single one given, else the first
 * locale's that has one. A single text that contradicts the map's default is refused.
 */
export function defaultText(
  texts: Record<string, string>,
  field: string,
  single: string | undefined,
): string | undefined {
  const own = texts[defaultLocale()];
  if (own !== undefined && single !== undefined && single !== own) {
    const at = `${field}.${defaultLocale()}`;
    throw new InvalidInputError(
      `${at} and ${field.slice(0, -1)} are both the default locale's text and differ; give one`,
      at,
    );
  }
  return (
    own ??
    single ??
    locales()
      .map((l) => texts[l])
      .find(Boolean)
  );
}

export function sortFrequencies(list: Frequency[]): Frequency[] {
  return FREQUENCIES.filter((f) => list.includes(f));
}

function assertDefaultAllowed(defaultFrequency: Frequency, allowed: Frequency[]): void {
  if (!allowed.includes(defaultFrequency)) {
    throw new InvalidInputError(
      `defaultFrequency must be one of allowedFrequencies (${allowed.join(', ')})`,
      'defaultFrequency',
    );
  }
}
