import { Field } from '../../ui/Field';
import type { Segment } from './shared';
import { useCampaignTexts } from './texts';

const OPS = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'exists', 'missing'] as const;
type Op = (typeof OPS)[number];

export interface AttributeRow {
  name: string;
  op: Op;
  value: string;
}
export interface DateRow {
  name: string;
  fromDays: string;
  toDays: string;
}
export interface SegmentForm {
  who: 'any' | 'customer' | 'prospect';
  attributes: AttributeRow[];
  dates: DateRow[];
}

export const EMPTY_SEGMENT: SegmentForm = { who: 'any', attributes: [], dates: [] };

/** Text as the JSON value it spells: a number, true/false, or the text itself. */
function typed(text: string): string | number | boolean {
  const s = text.trim();
  if (/^[-+]?(\d+([.]\d*)?|[.]\d+)$/.test(s)) return Number(s);
  if (s === 'true' || s === 'false') return s === 'true';
  return s;
}

const whole = (text: string) => (/^-?\d+$/.test(text.trim()) ? Number(text) : undefined);

/** The form as the API's segment (what POST /v1/campaigns takes). */
export function toSegment(form: SegmentForm): Segment {
  const segment: Segment = {};
  if (form.who !== 'any') segment.customer = form.who === 'customer';
  if (form.attributes.length) {
    segment.attributes = form.attributes.map((a) => {
      if (a.op === 'exists' || a.op === 'missing') return { name: a.name, op: a.op };
      const value =
        a.op === 'in'
          ? a.value
              .split(',')
              .map((v) => v.trim())
              .filter(Boolean)
              .map(typed)
          : typed(a.value);
      return { name: a.name, op: a.op, value };
    });
  }
  if (form.dates.length) {
    segment.dates = form.dates.map((d) => ({
      name: d.name,
      ...(whole(d.fromDays) !== undefined ? { fromDays: whole(d.fromDays) } : {}),
      ...(whole(d.toDays) !== undefined ? { toDays: whole(d.toDays) } : {}),
    }));
  }
  return segment;
}

/** Customers or prospects, attribute conditions and date conditions; all must hold. */
export function SegmentBuilder({
  form,
  onChange,
  errors,
}: {
  form: SegmentForm;
  onChange: (form: SegmentForm) => void;
  errors: Record<string, string>;
}) {
  const t = useCampaignTexts();
  const setAttr = (i: number, patch: Partial<AttributeRow>) =>
    onChange({
      ...form,
      attributes: form.attributes.map((a, j) => (j === i ? { ...a, ...patch } : a)),
    });
  const setDate = (i: number, patch: Partial<DateRow>) =>
    onChange({ ...form, dates: form.dates.map((d, j) => (j === i ? { ...d, ...patch } : d)) });
  const err = (field: string) =>
    Object.entries(errors)
      .filter(([k]) => k === field || k.startsWith(`${field}.`))
      .map(([, v]) => v)
      .join('; ') || undefined;

  return (
    <div className="segment">
      <Field label={t.who} error={err('segment.customer')}>
        {(p) => (
          <select
            {...p}
            value={form.who}
            onChange={(e) => onChange({ ...form, who: e.target.value as SegmentForm['who'] })}
          >
            <option value="any">{t.everyone}</option>
            <option value="customer">{t.customers}</option>
            <option value="prospect">{t.prospects}</option>
          </select>
        )}
      </Field>
      <fieldset>
        <legend>{t.attributeConditions}</legend>
        {form.attributes.map((a, i) => {
          const n = i + 1;
          const needsValue = a.op !== 'exists' && a.op !== 'missing';
          return (
            <div className="condition" key={i}>
              <Field
                label={t.attribute(n)}
                value={a.name}
                onChange={(e) => setAttr(i, { name: e.target.value })}
                error={err(`segment.attributes.${i}.name`)}
              />
              <Field label={t.operator(n)}>
                {(p) => (
                  <select
                    {...p}
                    value={a.op}
                    onChange={(e) => setAttr(i, { op: e.target.value as Op })}
                  >
                    {OPS.map((op) => (
                      <option key={op} value={op}>
                        {t.ops[op]}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {needsValue && (
                <Field
                  label={t.value(n)}
                  hint={a.op === 'in' ? t.valueHint : undefined}
                  value={a.value}
                  onChange={(e) => setAttr(i, { value: e.target.value })}
                  error={err(`segment.attributes.${i}.value`) ?? errors[`segment.attributes.${i}`]}
                />
              )}
              <button
                type="button"
                className="secondary"
                onClick={() =>
                  onChange({ ...form, attributes: form.attributes.filter((_, j) => j !== i) })
                }
              >
                {t.remove(t.attribute(n).toLowerCase())}
              </button>
            </div>
          );
        })}
        <button
          type="button"
          className="secondary"
          onClick={() =>
            onChange({
              ...form,
              attributes: [...form.attributes, { name: '', op: 'eq', value: '' }],
            })
          }
        >
          {t.addAttribute}
        </button>
      </fieldset>
      <fieldset>
        <legend>{t.dateConditions}</legend>
        {form.dates.map((d, i) => {
          const n = i + 1;
          return (
            <div className="condition" key={i}>
              <Field
                label={t.dateName(n)}
                value={d.name}
                onChange={(e) => setDate(i, { name: e.target.value })}
                error={err(`segment.dates.${i}.name`) ?? errors[`segment.dates.${i}`]}
              />
              <Field
                label={t.fromDays(n)}
                type="number"
                step={1}
                value={d.fromDays}
                onChange={(e) => setDate(i, { fromDays: e.target.value })}
                error={err(`segment.dates.${i}.fromDays`)}
              />
              <Field
                label={t.toDays(n)}
                type="number"
                step={1}
                value={d.toDays}
                onChange={(e) => setDate(i, { toDays: e.target.value })}
                error={err(`segment.dates.${i}.toDays`)}
              />
              <button
                type="button"
                className="secondary"
                onClick={() => onChange({ ...form, dates: form.dates.filter((_, j) => j !== i) })}
              >
                {t.remove(t.dateName(n).toLowerCase())}
              </button>
            </div>
          );
        })}
        <button
          type="button"
          className="secondary"
          onClick={() =>
            onChange({ ...form, dates: [...form.dates, { name: '', fromDays: '0', toDays: '30' }] })
          }
        >
          {t.addDate}
        </button>
      </fieldset>
    </div>
  );
}
