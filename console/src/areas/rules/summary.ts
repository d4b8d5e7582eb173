/**
 * A lifecycle rule in one plain sentence, in English or Dutch: when the notice goes, in which
 * window, by when it must arrive, and what happens when it is late. Pure (no React, no DOM), so
 * the browser test also runs it directly.
 *
 *   30 days before renewal date, between 09:00 and 17:00 local time, at the latest 14 days
 *   before; apology: apology
 */
export type SentenceLocale = 'en' | 'nl';

export interface RuleShape {
  trigger: {
    type: 'date' | 'confirmed' | 'event' | 'attribute';
    date?: string | null;
    event?: string | null;
    condition?: unknown;
    offsetDays?: number | null;
    cooldownDays?: number | null;
  };
  deadlineDays?: number | null;
  sendWindow?: { start: string; end: string } | null;
  apologyTemplate?: string | null;
}

const OPS: Record<string, string> = {
  eq: '=',
  ne: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
};

interface Words {
  days: (n: number) => string;
  before: (what: string) => string;
  after: (what: string) => string;
  on: (what: string) => string;
  /** The send day of a confirmed, event or attribute rule: `offset` 0 is the day itself. */
  anchored: (
    type: 'confirmed' | 'event' | 'attribute',
    what: string,
    days: string | null,
  ) => string;
  when: (condition: string) => string;
  window: (start: string, end: string) => string;
  deadlineBefore: (days: string) => string;
  deadlineAfter: (days: string) => string;
  deadlineOn: string;
  noDeadline: string;
  cooldown: (days: string) => string;
  apology: (template: string) => string;
  noApology: string;
  and: string;
  or: string;
  not: string;
  in: string;
  exists: string;
  missing: string;
  someCondition: string;
}

const WORDS: Record<SentenceLocale, Words> = {
  en: {
    days: (n) => (n === 1 ? '1 day' : `${n} days`),
    before: (what) => `before ${what}`,
    after: (what) => `after ${what}`,
    on: (what) => `on ${what}`,
    anchored: (type, what, days) => {
      const anchor =
        type === 'confirmed'
          ? 'confirmation'
          : type === 'event'
            ? `event ${what}`
            : `${what} becomes true`;
      if (days) return `${days} after ${anchor}`;
      return type === 'attribute' ? `On the day ${anchor}` : `On the day of ${anchor}`;
    },
    when: (c) => ` (when ${c})`,
    window: (s, e) => `between ${s} and ${e} local time`,
    deadlineBefore: (d) => `at the latest ${d} before`,
    deadlineAfter: (d) => `at the latest ${d} after`,
    deadlineOn: 'at the latest on the day itself',
    noDeadline: 'no deadline',
    cooldown: (d) => `at most once every ${d} per subscriber`,
    apology: (t) => `apology: ${t}`,
    noApology: 'no apology',
    and: 'and',
    or: 'or',
    not: 'not',
    in: 'is one of',
    exists: 'is set',
    missing: 'is not set',
    someCondition: 'a condition',
  },
  nl: {
    days: (n) => (n === 1 ? '1 dag' : `${n} dagen`),
    before: (what) => `voor ${what}`,
    after: (what) => `na ${what}`,
    on: (what) => `op ${what}`,
    anchored: (type, what, days) => {
      if (type === 'attribute')
        return days ? `${days} nadat ${what} waar wordt` : `Op de dag dat ${what} waar wordt`;
      const anchor = type === 'confirmed' ? 'de bevestiging' : `gebeurtenis ${what}`;
      return days ? `${days} na ${anchor}` : `Op de dag van ${anchor}`;
    },
    when: (c) => ` (als ${c})`,
    window: (s, e) => `tussen ${s} en ${e} plaatselijke tijd`,
    deadlineBefore: (d) => `uiterlijk ${d} ervoor`,
    deadlineAfter: (d) => `uiterlijk ${d} erna`,
    deadlineOn: 'uiterlijk op de dag zelf',
    noDeadline: 'geen uiterste datum',
    cooldown: (d) => `hoogstens eens per ${d} per abonnee`,
    apology: (t) => `excuusbericht: ${t}`,
    noApology: 'geen excuusbericht',
    and: 'en',
    or: 'of',
    not: 'niet',
    in: 'is een van',
    exists: 'is ingevuld',
    missing: 'is niet ingevuld',
    someCondition: 'een voorwaarde',
  },
};

/** The way a dated attribute is named in a sentence: renewal_date → renewal date. */
export function dateWords(name: string | null | undefined): string {
  return (name ?? '').replace(/_/g, ' ').trim() || '…';
}

/** A condition in words: `vehicle_age_years ≥ 8 and cover = all-risk`. */
export function conditionWords(condition: unknown, locale: SentenceLocale): string {
  const w = WORDS[locale];
  const walk = (c: unknown, nested: boolean): string => {
    if (!c || typeof c !== 'object') return w.someCondition;
    const o = c as Record<string, unknown>;
    const group = (parts: unknown, joiner: string) => {
      if (!Array.isArray(parts) || !parts.length) return w.someCondition;
      const text = parts.map((p) => walk(p, true)).join(` ${joiner} `);
      return nested && parts.length > 1 ? `(${text})` : text;
    };
    if ('all' in o) return group(o.all, w.and);
    if ('any' in o) return group(o.any, w.or);
    if ('not' in o) return `${w.not} ${walk(o.not, true)}`;
    if (typeof o.path !== 'string' || typeof o.op !== 'string') return w.someCondition;
    if (o.op === 'exists') return `${o.path} ${w.exists}`;
    if (o.op === 'missing') return `${o.path} ${w.missing}`;
    const value = Array.isArray(o.value)
      ? o.value.map((v) => JSON.stringify(v)).join(', ')
      : typeof o.value === 'string'
        ? o.value
        : JSON.stringify(o.value);
    if (o.op === 'in') return `${o.path} ${w.in} ${value}`;
    return `${o.path} ${OPS[o.op] ?? o.op} ${value}`;
  };
  return walk(condition, false);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The rule in one sentence (see the file's comment). */
export function ruleSentence(rule: RuleShape, locale: SentenceLocale): string {
  const w = WORDS[locale];
  const t = rule.trigger;
  const offset = Number.isFinite(t.offsetDays) ? Number(t.offsetDays) : 0;
  const parts: string[] = [];

  if (t.type === 'date') {
    const what = dateWords(t.date);
    const days = w.days(Math.abs(offset));
    parts.push(
      capitalise(
        offset < 0
          ? `${days} ${w.before(what)}`
          : offset > 0
            ? `${days} ${w.after(what)}`
            : w.on(what),
      ),
    );
  } else {
    const what =
      t.type === 'event'
        ? t.event || '…'
        : t.type === 'attribute'
          ? t.condition
            ? conditionWords(t.condition, locale)
            : w.someCondition
          : '';
    const condition =
      t.type === 'event' && t.condition ? w.when(conditionWords(t.condition, locale)) : '';
    parts.push(capitalise(w.anchored(t.type, what, offset ? w.days(offset) : null)) + condition);
  }

  const win = rule.sendWindow ?? { start: '09:00', end: '17:00' };
  parts.push(w.window(win.start, win.end));

  const deadline = rule.deadlineDays;
  if (deadline === null || deadline === undefined || !Number.isFinite(deadline)) {
    parts.push(w.noDeadline);
  } else {
    const days = w.days(Math.abs(deadline));
    parts.push(
      deadline < 0 ? w.deadlineBefore(days) : deadline > 0 ? w.deadlineAfter(days) : w.deadlineOn,
    );
  }

  if ((t.type === 'event' || t.type === 'attribute') && t.cooldownDays) {
    parts.push(w.cooldown(w.days(t.cooldownDays)));
  }

  const apology = rule.apologyTemplate ? w.apology(rule.apologyTemplate) : w.noApology;
  return `${parts.join(', ')}; ${apology}`;
}
