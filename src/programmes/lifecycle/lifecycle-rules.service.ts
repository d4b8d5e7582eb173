import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { Clock } from '../../platform/clock';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  RuleViolationError,
} from '../../platform/errors/domain-errors';
import { isUuid } from '../../platform/ids';
import { LedgerService } from '../../messaging/delivery/ledger.service';
import { RenderingService, TemplateError } from '../../messaging/rendering/rendering.service';
import { Topic } from '../../audience/topics/topic.entity';
import { TopicsService } from '../../audience/topics/topics.service';
import { DataPurposesService } from '../../audience/purposes/data-purposes.service';
import { ruleDataUses } from './rule-data-uses';
import {
  CreateLifecycleRuleDto,
  LifecycleRuleDto,
  TriggerDto,
  UpdateLifecycleRuleDto,
} from './lifecycle-rule.dto';
import { contentLocale, LifecycleRule, LocalisedContent } from './lifecycle-rule.entity';
import { Locale, locales } from '../../platform/locale';
import { apologyTexts } from './lifecycle-texts';

const DEFAULT_COOLDOWN = { event: 1, attribute: 0, date: 0, confirmed: 0 } as const;

/** What a preview render of a rule's content gets from delivery at send time. */
const SEND_TIME_DATA = {
  subscriber: { name: 'Sample', email: 'sample@example.com' },
  marketing: true,
  links: {
    unsubscribe: 'https://example.com/u/sample',
    preferences: 'https://example.com/p/sample',
  },
};

/**
 * Lifecycle rules: validation (a notice topic, a loaded template, content the template can render
 * in both locales, a trigger that makes sense) and the consequences of a change for notices
 * already queued: an edit or a disable cancels them (they are written again, from the new
 * version, by the next ticks), a delete cancels them for good.
 */
@Injectable()
export class LifecycleRulesService {
  private readonly logger = new Logger('LifecycleRules');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly topics: TopicsService,
    private readonly rendering: RenderingService,
    private readonly clock: Clock,
    private readonly ledger: LedgerService,
    private readonly purposes: DataPurposesService,
  ) {}

  async create(dto: CreateLifecycleRuleDto): Promise<LifecycleRuleDto> {
    const topic = await this.noticeTopic(dto.topic);
    const rule = this.dataSource.getRepository(LifecycleRule).create({
      key: dto.key,
      name: dto.name.trim(),
      description: dto.description?.trim() ?? '',
      topicId: topic.id,
      enabled: dto.enabled ?? true,
    });
    this.apply(rule, dto);
    this.validate(rule);
    await this.purposes.assertCovered(rule.purposes, ruleDataUses(rule));
    const saved = await this.dataSource.transaction(async (manager) => {
      if (await this.findByKey(manager, dto.key)) {
        throw new ConflictError(
          `A lifecycle rule with key "${dto.key}" already exists`,
          'key',
          'duplicate',
        );
      }
      const row = await manager.save(rule);
      await manager.query(
        `INSERT INTO lifecycle_rule_progress (rule_id, active_since) VALUES ($1, $2)`,
        [row.id, this.clock.now()],
      );
      return row;
    });
    this.logger.log({ rule: saved.key, trigger: saved.triggerType }, 'Lifecycle rule created');
    return LifecycleRuleDto.from(saved, topic.key);
  }

  async list(): Promise<LifecycleRuleDto[]> {
    const rules = await this.dataSource
      .getRepository(LifecycleRule)
      .find({ where: { deletedAt: IsNull() }, order: { key: 'ASC' } });
    const topics = await this.topicKeys(rules.map((r) => r.topicId));
    return rules.map((r) => LifecycleRuleDto.from(r, topics.get(r.topicId) ?? ''));
  }

  async get(idOrKey: string): Promise<LifecycleRuleDto> {
    const rule = await this.find(this.dataSource.manager, idOrKey);
    const topics = await this.topicKeys([rule.topicId]);
    return LifecycleRuleDto.from(rule, topics.get(rule.topicId) ?? '');
  }

  async update(idOrKey: string, dto: UpdateLifecycleRuleDto): Promise<LifecycleRuleDto> {
    const topic = dto.topic !== undefined ? await this.noticeTopic(dto.topic) : undefined;
    const saved = await this.dataSource.transaction(async (manager) => {
      const rule = await this.find(manager, idOrKey, true);
      const before = scheduleFingerprint(rule);
      const wasEnabled = rule.enabled;
      if (dto.name !== undefined) rule.name = dto.name.trim();
      if (dto.description !== undefined) rule.description = dto.description.trim();
      if (topic) rule.topicId = topic.id;
      if (dto.enabled !== undefined) rule.enabled = dto.enabled;
      this.apply(rule, dto);
      this.validate(rule);
      await this.purposes.assertCovered(rule.purposes, ruleDataUses(rule));
      const row = await manager.save(rule);
      const changed = scheduleFingerprint(row) !== before;
      if (wasEnabled && !row.enabled) {
        await this.ledger.skipQueuedNotices(manager, row.id, 'rule_disabled');
      } else if (row.enabled && (changed || !wasEnabled)) {
        // Queued notices carry the old version; the next ticks write them again from this one.
        if (wasEnabled) await this.ledger.skipQueuedNotices(manager, row.id, 'rule_changed');
        await this.restart(manager, row.id);
      }
      return row;
    });
    const topics = await this.topicKeys([saved.topicId]);
    return LifecycleRuleDto.from(saved, topics.get(saved.topicId) ?? '');
  }

  /**
   * Queued notices are cancelled. A rule that never wrote a notice is removed; one with history
   * is kept, hidden, for reports (its key can be used again).
   */
  async remove(idOrKey: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const rule = await this.find(manager, idOrKey, true);
      await this.ledger.skipQueuedNotices(manager, rule.id, 'rule_deleted');
      const [{ used }] = await manager.query<{ used: boolean }[]>(
        `SELECT EXISTS (SELECT 1 FROM messaging_ledger_messages WHERE rule_id = $1)
             OR EXISTS (SELECT 1 FROM lifecycle_missed_promises WHERE rule_id = $1) AS used`,
        [rule.id],
      );
      if (used) {
        await manager.update(
          LifecycleRule,
          { id: rule.id },
          { deletedAt: this.clock.now(), enabled: false },
        );
      } else {
        await manager.delete(LifecycleRule, { id: rule.id });
      }
    });
  }

  /** Copies the scheduling and content fields present in the DTO onto the rule. */
  private apply(rule: LifecycleRule, dto: UpdateLifecycleRuleDto): void {
    if (dto.template !== undefined) rule.template = dto.template;
    if (dto.apologyTemplate !== undefined) rule.apologyTemplate = dto.apologyTemplate;
    if (dto.trigger !== undefined) applyTrigger(rule, dto.trigger);
    if (dto.deadlineDays !== undefined) rule.deadlineDays = dto.deadlineDays;
    else if (rule.deadlineDays === undefined) rule.deadlineDays = null;
    if (dto.sendWindow !== undefined) {
      rule.windowStart = dto.sendWindow.start;
      rule.windowEnd = dto.sendWindow.end;
    }
    rule.windowStart ??= '09:00';
    rule.windowEnd ??= '17:00';
    if (dto.content !== undefined) rule.content = dto.content;
    if (dto.apologyContent !== undefined) rule.apologyContent = dto.apologyContent;
    rule.apologyContent ??= null;
    rule.apologyTemplate ??= null;
    if (dto.purposes !== undefined) rule.purposes = dto.purposes;
    rule.purposes ??= null;
  }

  /** Rules across fields that single-field validation cannot see. */
  private validate(rule: LifecycleRule): void {
    const t = rule.triggerType;
    if (t === 'confirmed' && rule.offsetDays < 1) {
      throw new InvalidInputError(
        'trigger.offsetDays must be 1 or more for a confirmed series: the welcome itself (day 0) is sent by double opt-in at confirmation',
        'trigger.offsetDays',
      );
    }
    if ((t === 'event' || t === 'attribute') && rule.offsetDays < 0) {
      throw new InvalidInputError(
        `trigger.offsetDays must be 0 or more for an ${t} rule`,
        'trigger.offsetDays',
      );
    }
    if (t === 'date' && (rule.deadlineDays === null || rule.deadlineDays === undefined)) {
      throw new InvalidInputError(
        'deadlineDays is required for a date rule (the last day the notice may arrive, relative to the date, e.g. -14)',
        'deadlineDays',
      );
    }
    if (rule.deadlineDays !== null && rule.deadlineDays < rule.offsetDays) {
      throw new InvalidInputError(
        `deadlineDays (${rule.deadlineDays}) must not be before the send day (trigger.offsetDays ${rule.offsetDays})`,
        'deadlineDays',
      );
    }
    if (minutes(rule.windowStart) >= minutes(rule.windowEnd)) {
      throw new InvalidInputError(
        'sendWindow.end must be later than sendWindow.start',
        'sendWindow.end',
      );
    }
    this.checkTemplate(rule.template, 'template', rule.content, 'content');
    if (rule.apologyTemplate) {
      for (const locale of locales()) {
        const own = rule.content[contentLocale(rule.content, locale)];
        const data = {
          heading: apologyTexts(locale).heading,
          intro: textOr(own.intro, ''),
          originalSubject: textOr(own.heading, rule.name),
          dueDate: '1 January 2027',
          ...(rule.apologyContent?.[contentLocale(rule.apologyContent, locale)] ?? {}),
        };
        const at = contentLocale(rule.apologyContent, locale);
        this.renderOrThrow(
          rule.apologyTemplate,
          'apologyTemplate',
          locale,
          data,
          'apologyContent',
          at,
        );
      }
    } else if (rule.apologyContent) {
      throw new InvalidInputError('apologyContent needs an apologyTemplate', 'apologyContent');
    }
  }

  private checkTemplate(
    template: string,
    field: string,
    content: LocalisedContent,
    contentField: string,
  ): void {
    for (const locale of locales()) {
      const at = contentLocale(content, locale);
      this.renderOrThrow(template, field, locale, content[at], contentField, at);
    }
  }

  /** Renders with the content as the template will see it at send time; 400 naming what is missing. */
  private renderOrThrow(
    template: string,
    field: string,
    locale: Locale,
    data: Record<string, unknown>,
    contentField: string,
    /** The locale whose content this is (the default's, for a locale without its own). */
    contentAt: Locale = locale,
  ): void {
    if (!this.rendering.has(template)) {
      throw new InvalidInputError(
        `${field}: there is no template "${template}" (loaded: ${this.rendering.keys().join(', ')})`,
        field,
      );
    }
    try {
      this.rendering.render(template, locale, { ...data, ...SEND_TIME_DATA });
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      const at = err.field?.startsWith('data.')
        ? `${contentField}.${contentAt}.${err.field.slice(5)}`
        : `${contentField}.${contentAt}`;
      throw new InvalidInputError(`${at}: ${err.problem} (template "${template}")`, at);
    }
  }

  private async noticeTopic(idOrKey: string): Promise<Topic> {
    const topic = await this.topics.getOpen(idOrKey, undefined, 'topic');
    if (topic.kind !== 'notice') {
      throw new RuleViolationError(
        `Topic "${topic.key}" is ${topic.kind}; lifecycle rules send notices and need a notice topic (so subscribers can opt out of them)`,
        'topic',
        'topic_not_notice',
      );
    }
    return topic;
  }

  private async find(
    manager: EntityManager,
    idOrKey: string,
    lock = false,
  ): Promise<LifecycleRule> {
    const rule = isUuid(idOrKey)
      ? await manager.findOne(LifecycleRule, {
          where: { id: idOrKey, deletedAt: IsNull() },
          lock: lock ? { mode: 'pessimistic_write' } : undefined,
        })
      : await this.findByKey(manager, idOrKey, lock);
    if (!rule) throw new NotFoundError(`Lifecycle rule "${idOrKey}" not found`, 'id');
    return rule;
  }

  private findByKey(
    manager: EntityManager,
    key: string,
    lock = false,
  ): Promise<LifecycleRule | null> {
    return manager.findOne(LifecycleRule, {
      where: { key, deletedAt: IsNull() },
      lock: lock ? { mode: 'pessimistic_write' } : undefined,
    });
  }

  private async topicKeys(ids: string[]): Promise<Map<string, string>> {
    if (!ids.length) return new Map();
    const rows = await this.dataSource.query<{ id: string; key: string }[]>(
      `SELECT id, key FROM audience_topics WHERE id = ANY($1)`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, r.key]));
  }

  /** The rule starts over: promises count from now, scans from their first position. */
  private async restart(manager: EntityManager, ruleId: string): Promise<void> {
    await manager.query(
      `UPDATE lifecycle_rule_progress
          SET active_since = $2, cursor_date = NULL, cursor_ts = NULL, cursor_id = NULL,
              initial_done = false, updated_at = now()
        WHERE rule_id = $1`,
      [ruleId, this.clock.now()],
    );
  }
}

function applyTrigger(rule: LifecycleRule, trigger: TriggerDto): void {
  const t = trigger.type;
  const foreign = (
    [
      ['date', t !== 'date'],
      ['event', t !== 'event'],
      ['condition', t !== 'event' && t !== 'attribute'],
      ['cooldownDays', t !== 'event' && t !== 'attribute'],
    ] as const
  ).find(([field, unused]) => unused && trigger[field] !== undefined);
  if (foreign) {
    throw new InvalidInputError(
      `trigger.${foreign[0]} is not used by a ${t} trigger`,
      `trigger.${foreign[0]}`,
    );
  }
  rule.triggerType = t;
  rule.dateName = trigger.date ?? null;
  rule.eventType = trigger.event ?? null;
  rule.condition = trigger.condition ?? null;
  rule.offsetDays = trigger.offsetDays ?? 0;
  rule.cooldownDays = trigger.cooldownDays ?? DEFAULT_COOLDOWN[t];
}

function textOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function minutes(time: string): number {
  const [h, m] = time.split(':').map(Number);
  return h * 60 + m;
}

/** Everything that decides which notices exist, when, and what they say. */
function scheduleFingerprint(rule: LifecycleRule): string {
  return JSON.stringify([
    rule.topicId,
    rule.template,
    rule.triggerType,
    rule.dateName,
    rule.eventType,
    rule.condition,
    rule.offsetDays,
    rule.deadlineDays,
    rule.cooldownDays,
    rule.windowStart.slice(0, 5),
    rule.windowEnd.slice(0, 5),
    rule.content,
    rule.purposes,
  ]);
}
