/**
 * A small, safe condition language over JSON (event data, subscriber attributes). It is data,
 * never code: nothing is evaluated but the comparisons below.
 *
 *   { "path": "vehicle_age_years", "op": "gte", "value": 8 }
 *   { "all": [ {...}, {...} ] }   { "any": [ {...} ] }   { "not": {...} }
 */
export const CONDITION_OPS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'exists',
  'missing',
] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

export type Scalar = string | number | boolean | null;

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { path: string; op: ConditionOp; value?: Scalar | Scalar[] };

const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);
const MAX_DEPTH = 6;
const MAX_NODES = 50;
const MAX_IN_VALUES = 100;

export interface ConditionProblem {
  /** Where, relative to the condition: `all.1.op`. */
  path: string;
  message: string;
}

function isScalar(v: unknown): v is Scalar {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why a value is not a valid condition (the first problem found), or null. */
export function conditionProblem(value: unknown): ConditionProblem | null {
  let nodes = 0;
  const walk = (node: unknown, at: string, depth: number): ConditionProblem | null => {
    const here = (suffix: string) => (at ? `${at}.${suffix}` : suffix);
    if (++nodes > MAX_NODES)
      return { path: at, message: `a condition may have at most ${MAX_NODES} parts` };
    if (depth > MAX_DEPTH)
      return { path: at, message: `a condition may nest at most ${MAX_DEPTH} levels` };
    if (!isPlainObject(node)) return { path: at, message: 'must be an object' };
    const keys = Object.keys(node);
    for (const combinator of ['all', 'any'] as const) {
      if (combinator in node) {
        if (keys.length !== 1)
          return { path: at, message: `"${combinator}" must be the only key of its object` };
        const list = node[combinator];
        if (!Array.isArray(list) || list.length === 0)
          return { path: here(combinator), message: 'must be a non-empty array of conditions' };
        for (const [i, child] of list.entries()) {
          const p = walk(child, here(`${combinator}.${i}`), depth + 1);
          if (p) return p;
        }
        return null;
      }
    }
    if ('not' in node) {
      if (keys.length !== 1)
        return { path: at, message: '"not" must be the only key of its object' };
      return walk(node.not, here('not'), depth + 1);
    }
    const unknown = keys.find((k) => !['path', 'op', 'value'].includes(k));
    if (unknown)
      return {
        path: here(unknown),
        message: 'is not allowed (use path, op, value; or all, any, not)',
      };
    if (typeof node.path !== 'string' || node.path.length > 200 || !PATH.test(node.path))
      return {
        path: here('path'),
        message: 'must be a dotted field name such as vehicle_age_years or usage.percent',
      };
    if (node.path.split('.').some((s) => FORBIDDEN_SEGMENTS.has(s)))
      return { path: here('path'), message: 'names a field that is not allowed' };
    if (!(CONDITION_OPS as readonly unknown[]).includes(node.op))
      return { path: here('op'), message: `must be one of ${CONDITION_OPS.join(', ')}` };
    const op = node.op as ConditionOp;
    if (op === 'exists' || op === 'missing') {
      if ('value' in node) return { path: here('value'), message: `is not used with "${op}"` };
      return null;
    }
    if (!('value' in node)) return { path: here('value'), message: `is required with "${op}"` };
    if (op === 'in') {
      if (
        !Array.isArray(node.value) ||
        node.value.length === 0 ||
        node.value.length > MAX_IN_VALUES ||
        !node.value.every(isScalar)
      )
        return {
          path: here('value'),
          message: `must be an array of 1 to ${MAX_IN_VALUES} strings, numbers, booleans or nulls`,
        };
      return null;
    }
    if (['gt', 'gte', 'lt', 'lte'].includes(op)) {
      if (typeof node.value !== 'number' && typeof node.value !== 'string')
        return { path: here('value'), message: `must be a number or a string with "${op}"` };
      return null;
    }
    if (!isScalar(node.value))
      return { path: here('value'), message: 'must be a string, number, boolean or null' };
    return null;
  };
  return walk(value, '', 0);
}

/** The value at a dotted path, or undefined; only own properties of plain objects are followed. */
export function valueAt(subject: unknown, path: string): unknown {
  let current: unknown = subject;
  for (const segment of path.split('.')) {
    if (!isPlainObject(current) || !Object.prototype.hasOwnProperty.call(current, segment))
      return undefined;
    current = current[segment];
  }
  return current;
}

/** A numeric string compared with a number counts as that number ("9" >= 8). */
function comparable(a: unknown, b: Scalar): [number, number] | [string, string] | null {
  if (typeof b === 'number') {
    const n =
      typeof a === 'number' ? a : typeof a === 'string' && a.trim() !== '' ? Number(a) : NaN;
    return Number.isFinite(n) ? [n, b] : null;
  }
  if (typeof b === 'string' && typeof a === 'string') return [a, b];
  return null;
}

function equals(a: unknown, b: Scalar): boolean {
  if (a === b) return true;
  const c = typeof b === 'number' ? comparable(a, b) : null;
  return c !== null && c[0] === c[1];
}

/** Evaluates a condition that passed `conditionProblem`. Missing fields make comparisons false. */
export function evaluate(condition: Condition, subject: Record<string, unknown>): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluate(c, subject));
  if ('any' in condition) return condition.any.some((c) => evaluate(c, subject));
  if ('not' in condition) return !evaluate(condition.not, subject);
  const actual = valueAt(subject, condition.path);
  const present = actual !== undefined && actual !== null;
  switch (condition.op) {
    case 'exists':
      return present;
    case 'missing':
      return !present;
    case 'eq':
      return actual !== undefined && equals(actual, condition.value as Scalar);
    case 'ne':
      return !(actual !== undefined && equals(actual, condition.value as Scalar));
    case 'in':
      return actual !== undefined && (condition.value as Scalar[]).some((v) => equals(actual, v));
    default: {
      const pair = comparable(actual, condition.value as Scalar);
      if (!pair) return false;
      const [a, b] = pair;
      if (condition.op === 'gt') return a > b;
      if (condition.op === 'gte') return a >= b;
      if (condition.op === 'lt') return a < b;
      return a <= b;
    }
  }
}
