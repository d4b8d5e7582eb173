import type { components } from '../../../../clients/typescript/tidings-api';
import type { RuleShape } from './summary';

export type Rule = components['schemas']['LifecycleRuleDto'];
export type CreateRule = components['schemas']['CreateLifecycleRuleDto'];
export type UpdateRule = components['schemas']['UpdateLifecycleRuleDto'];
export type TriggerType = Rule['trigger']['type'];
export const TRIGGER_TYPES: TriggerType[] = ['date', 'confirmed', 'event', 'attribute'];

/** The text fields of the notice template the form offers per locale; the rest is JSON. */
export const CONTENT_FIELDS = ['heading', 'intro', 'reason', 'summary'] as const;
export type ContentField = (typeof CONTENT_FIELDS)[number];

export interface LocaleContent {
  fields: Record<ContentField, string>;
  /** Other template data as JSON text ('' for none). */
  extra: string;
}

/** What the form holds: text as typed, turned into the API's shape by toRequest(). */
export interface RuleForm {
  key: string;
  name: string;
  description: string;
  topic: string;
  template: string;
  apologyTemplate: string;
  type: TriggerType;
  date: string;
  event: string;
  condition: string;
  /** Days from the anchor, without sign (the sign is `before` for date rules). */
  offset: number;
  before: boolean;
  cooldown: number;
  hasDeadline: boolean;
  deadline: number;
  deadlineBefore: boolean;
  windowStart: string;
  windowEnd: string;
  content: Record<string, LocaleContent>;
  purposes: string[];
}

export function emptyForm(locales: string[]): RuleForm {
  return {
    key: '',
    name: '',
    description: '',
    topic: '',
    template: 'notice',
    apologyTemplate: 'apology',
    type: 'date',
    date: 'renewal_date',
    event: '',
    condition: '',
    offset: 30,
    before: true,
    cooldown: 1,
    hasDeadline: true,
    deadline: 14,
    deadlineBefore: true,
    windowStart: '09:00',
    windowEnd: '17:00',
    content: Object.fromEntries(locales.map((l) => [l, emptyContent()])),
    purposes: [],
  };
}

function emptyContent(): LocaleContent {
  return { fields: { heading: '', intro: '', reason: '', summary: '' }, extra: '' };
}

export function formOf(rule: Rule, locales: string[]): RuleForm {
  const t = rule.trigger;
  const content: Record<string, LocaleContent> = {};
  for (const l of [...locales, ...Object.keys(rule.content)]) {
    const data = { ...(rule.content[l] ?? {}) } as Record<string, unknown>;
    const c = emptyContent();
    for (const f of CONTENT_FIELDS) {
      if (typeof data[f] === 'string') {
        c.fields[f] = data[f];
        delete data[f];
      }
    }
    c.extra = Object.keys(data).length ? JSON.stringify(data, null, 2) : '';
    content[l] = c;
  }
  return {
    key: rule.key,
    name: rule.name,
    description: rule.description,
    topic: rule.topic,
    template: rule.template,
    apologyTemplate: rule.apologyTemplate ?? '',
    type: t.type,
    date: t.date ?? '',
    event: t.event ?? '',
    condition: t.condition ? JSON.stringify(t.condition, null, 2) : '',
    offset: Math.abs(t.offsetDays),
    before: t.offsetDays < 0,
    cooldown: t.cooldownDays,
    hasDeadline: rule.deadlineDays !== null,
    deadline: Math.abs(rule.deadlineDays ?? 0),
    deadlineBefore: (rule.deadlineDays ?? 0) < 0,
    windowStart: rule.sendWindow.start,
    windowEnd: rule.sendWindow.end,
    content,
    purposes: rule.purposes ?? [],
  };
}

/** A form value that is not what the API needs, before asking it: the field and the problem. */
export class FormProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function parseJson(text: string, field: string, message: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new FormProblem(field, message);
  }
}

/** The condition as an object, or null when empty or not JSON (the summary's lenient view). */
function conditionOrNull(text: string): unknown {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The rule's scheduling as the summary sentence reads it (never throws: it updates as one types). */
export function shapeOf(form: RuleForm): RuleShape {
  const date = form.type === 'date';
  const usesCondition = form.type === 'event' || form.type === 'attribute';
  return {
    trigger: {
      type: form.type,
      date: form.date,
      event: form.event,
      condition: usesCondition ? conditionOrNull(form.condition) : null,
      offsetDays: date && form.before ? -form.offset : form.offset,
      cooldownDays: usesCondition ? form.cooldown : 0,
    },
    deadlineDays:
      date || form.hasDeadline
        ? date && form.deadlineBefore
          ? -form.deadline
          : form.deadline
        : null,
    sendWindow: { start: form.windowStart, end: form.windowEnd },
    apologyTemplate: form.apologyTemplate || null,
  };
}

/** The request body (create: with key); throws FormProblem for JSON that does not parse. */
export function toRequest(form: RuleForm, defaultLocale: string): CreateRule {
  const shape = shapeOf(form);
  const usesCondition = form.type === 'event' || form.type === 'attribute';
  const trigger: CreateRule['trigger'] = {
    type: form.type,
    offsetDays: shape.trigger.offsetDays ?? 0,
  };
  if (form.type === 'date') trigger.date = form.date.trim();
  if (form.type === 'event') trigger.event = form.event.trim();
  if (usesCondition) {
    if (form.condition.trim()) {
      trigger.condition = parseJson(
        form.condition,
        'trigger.condition',
        'not JSON',
      ) as CreateRule['trigger']['condition'];
    }
    trigger.cooldownDays = form.cooldown;
  }
  const content: Record<string, Record<string, unknown>> = {};
  for (const [locale, c] of Object.entries(form.content)) {
    const data: Record<string, unknown> = {};
    if (c.extra.trim()) {
      const extra = parseJson(c.extra, `content.${locale}`, 'not JSON');
      if (!extra || typeof extra !== 'object' || Array.isArray(extra)) {
        throw new FormProblem(`content.${locale}`, 'not a JSON object');
      }
      Object.assign(data, extra);
    }
    for (const f of CONTENT_FIELDS) if (c.fields[f].trim()) data[f] = c.fields[f];
    // A locale left empty falls back to the default locale's content.
    if (Object.keys(data).length || locale === defaultLocale) content[locale] = data;
  }
  return {
    key: form.key.trim(),
    name: form.name,
    description: form.description,
    topic: form.topic,
    template: form.template,
    apologyTemplate: form.apologyTemplate || null,
    trigger,
    deadlineDays: shape.deadlineDays ?? null,
    sendWindow: { start: form.windowStart, end: form.windowEnd },
    content,
    purposes: form.purposes.length ? form.purposes : null,
  };
}

/** The fields of `next` that differ from the rule as it is (so a PATCH says only what changed). */
export function changes(rule: Rule, next: CreateRule): UpdateRule {
  const before: Record<string, unknown> = {
    name: rule.name,
    description: rule.description,
    topic: rule.topic,
    template: rule.template,
    apologyTemplate: rule.apologyTemplate,
    trigger: {
      type: rule.trigger.type,
      offsetDays: rule.trigger.offsetDays,
      ...(rule.trigger.date ? { date: rule.trigger.date } : {}),
      ...(rule.trigger.event ? { event: rule.trigger.event } : {}),
      ...(rule.trigger.condition ? { condition: rule.trigger.condition } : {}),
      ...(rule.trigger.type === 'event' || rule.trigger.type === 'attribute'
        ? { cooldownDays: rule.trigger.cooldownDays }
        : {}),
    },
    deadlineDays: rule.deadlineDays,
    sendWindow: rule.sendWindow,
    content: rule.content,
    purposes: rule.purposes,
  };
  const out: Record<string, unknown> = {};
  const { key: _key, ...rest } = next;
  for (const [field, value] of Object.entries(rest)) {
    if (stable(value) !== stable(before[field])) out[field] = value;
  }
  // An apology's own content is kept unless the apology goes: then it has to go too.
  if (out.apologyTemplate === null && rule.apologyContent) out.apologyContent = null;
  return out;
}

/** JSON with object keys sorted, so the same value compares equal whatever its key order. */
function stable(value: unknown): string {
  return JSON.stringify(value ?? null, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}
