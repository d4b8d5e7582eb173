import type { DataUse } from '../../audience/purposes/data-purposes.service';
import type { Condition } from './condition';
import type { LifecycleRule } from './lifecycle-rule.entity';

/** `{attributes.<name>}` in content: the subscriber attribute a text shows. */
const ATTRIBUTE_PLACEHOLDER = /\{attributes\.([A-Za-z0-9_][A-Za-z0-9_.-]*)\}/g;

/**
 * The subscriber data a rule uses, with the request field that names each: its date, its event
 * type (and with it the event's data), the attributes of an attribute condition, and the
 * attributes its content shows. What a declared purpose must cover (docs/data-purposes.md).
 */
export function ruleDataUses(
  rule: Pick<LifecycleRule, 'triggerType' | 'dateName' | 'eventType' | 'condition' | 'content'>,
): DataUse[] {
  const uses: DataUse[] = [];
  if (rule.triggerType === 'date' && rule.dateName) {
    uses.push({ kind: 'date', name: rule.dateName, field: 'trigger.date' });
  }
  if (rule.triggerType === 'event' && rule.eventType) {
    uses.push({ kind: 'event', name: rule.eventType, field: 'trigger.event' });
  }
  if (rule.triggerType === 'attribute' && rule.condition) {
    conditionPaths(rule.condition, 'trigger.condition', uses);
  }
  contentAttributes(rule.content ?? {}, 'content', uses);
  return uses;
}

function conditionPaths(node: Condition, at: string, out: DataUse[]): void {
  if ('all' in node) node.all.forEach((c, i) => conditionPaths(c, `${at}.all.${i}`, out));
  else if ('any' in node) node.any.forEach((c, i) => conditionPaths(c, `${at}.any.${i}`, out));
  else if ('not' in node) conditionPaths(node.not, `${at}.not`, out);
  else out.push({ kind: 'attribute', name: node.path, field: `${at}.path` });
}

function contentAttributes(value: unknown, at: string, out: DataUse[]): void {
  if (typeof value === 'string') {
    for (const m of value.matchAll(ATTRIBUTE_PLACEHOLDER)) {
      out.push({ kind: 'attribute', name: m[1], field: at });
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => contentAttributes(v, `${at}.${i}`, out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) contentAttributes(v, `${at}.${k}`, out);
  }
}
