import { useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useLocale } from '../../i18n';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { fieldErrors, unwrap } from '../../ui/query';
import {
  CONTENT_FIELDS,
  FormProblem,
  shapeOf,
  TRIGGER_TYPES,
  type ContentField,
  type RuleForm as Form,
  type TriggerType,
} from './form-model';
import { ruleSentence } from './summary';
import { useRuleTexts } from './texts';

/** The configured content locales, the default first (GET /v1/locales). */
export function useContentLocales() {
  return useQuery({
    queryKey: ['locales'],
    queryFn: async () => unwrap(await api.GET('/v1/locales')),
    staleTime: Infinity,
  });
}

function languageName(code: string, inLocale: string): string {
  try {
    return new Intl.DisplayNames([inLocale], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * The rule form for create and edit: every trigger type, the window and deadline, content per
 * configured locale (the default required), the apology template and data-use purposes, with the
 * rule in one sentence that follows every change. `readOnly` shows it without saving.
 */
export function RuleForm({
  initial,
  creating,
  readOnly,
  locales,
  defaultLocale,
  submitLabel,
  onSubmit,
  error,
  busy,
  notice,
}: {
  initial: Form;
  creating: boolean;
  readOnly: boolean;
  locales: string[];
  defaultLocale: string;
  submitLabel: string;
  onSubmit: (form: Form) => void;
  error: unknown;
  busy: boolean;
  notice?: string;
}) {
  const t = useRuleTexts();
  const locale = useLocale();
  const id = useId();
  const [form, setForm] = useState<Form>(initial);
  const set = <K extends keyof Form>(key: K, value: Form[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const setContent = (
    l: string,
    patch: Partial<{ field: ContentField; value: string; extra: string }>,
  ) =>
    setForm((f) => {
      const c = f.content[l] ?? {
        fields: { heading: '', intro: '', reason: '', summary: '' },
        extra: '',
      };
      const next =
        patch.field !== undefined
          ? { ...c, fields: { ...c.fields, [patch.field]: patch.value ?? '' } }
          : { ...c, extra: patch.extra ?? '' };
      return { ...f, content: { ...f.content, [l]: next } };
    });

  const topics = useQuery({
    queryKey: ['topics'],
    queryFn: async () => unwrap(await api.GET('/v1/topics')),
  });
  const templates = useQuery({
    queryKey: ['templates'],
    queryFn: async () => unwrap(await api.GET('/v1/templates')),
  });
  const purposes = useQuery({
    queryKey: ['data-purposes'],
    queryFn: async () => unwrap(await api.GET('/v1/data-purposes')),
  });

  // A problem found before asking the API is said in the user's language.
  const localProblem =
    error instanceof FormProblem
      ? error.field === 'trigger.condition'
        ? t.conditionInvalid
        : t.extraInvalid
      : null;
  const problems =
    error instanceof FormProblem ? { [error.field]: localProblem! } : fieldErrors(error);
  const err = (field: string) => problems[field];
  const date = form.type === 'date';
  const usesCondition = form.type === 'event' || form.type === 'attribute';
  const noticeTopics = (topics.data ?? []).filter((x) => x.kind === 'notice' && !x.archivedAt);
  const templateKeys = (templates.data ?? []).map((x) => x.key);
  // Keep the rule's own choices selectable even while the lists load.
  const withCurrent = (keys: string[], current: string) =>
    current && !keys.includes(current) ? [current, ...keys] : keys;
  const sentence = ruleSentence(shapeOf(form), locale);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!readOnly) onSubmit(form);
  };

  return (
    <form className="rule-form" onSubmit={submit} noValidate aria-labelledby={`${id}-summary-h`}>
      <div className="panel rule-summary">
        <h2 id={`${id}-summary-h`}>{t.liveSummary}</h2>
        <p aria-live="polite" data-testid="rule-sentence">
          {sentence}
        </p>
      </div>
      {readOnly && <p className="hint">{t.readOnly}</p>}
      <fieldset disabled={readOnly || busy}>
        <legend>{t.general}</legend>
        {creating && (
          <Field
            label={t.key}
            hint={t.keyHint}
            value={form.key}
            onChange={(e) => set('key', e.target.value)}
            error={err('key')}
            required
            autoComplete="off"
          />
        )}
        <Field
          label={t.name}
          value={form.name}
          onChange={(e) => set('name', e.target.value)}
          error={err('name')}
          required
        />
        <Field label={t.description} error={err('description')}>
          {(p) => (
            <textarea
              {...p}
              rows={2}
              value={form.description}
              onChange={(e) => set('description', e.target.value)}
            />
          )}
        </Field>
        <Field
          label={t.topic}
          hint={noticeTopics.length || topics.isPending ? t.topicHint : t.noNoticeTopics}
          error={err('topic')}
        >
          {(p) => (
            <select
              {...p}
              value={form.topic}
              onChange={(e) => set('topic', e.target.value)}
              required
            >
              <option value="">{t.chooseTopic}</option>
              {withCurrent(
                noticeTopics.map((x) => x.key),
                form.topic,
              ).map((k) => {
                const topic = noticeTopics.find((x) => x.key === k);
                return (
                  <option key={k} value={k}>
                    {topic ? `${topic.name} (${k})` : k}
                  </option>
                );
              })}
            </select>
          )}
        </Field>
        <Field label={t.template} error={err('template')}>
          {(p) => (
            <select {...p} value={form.template} onChange={(e) => set('template', e.target.value)}>
              {withCurrent(templateKeys, form.template).map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t.apologyTemplate} error={err('apologyTemplate') ?? err('apologyContent')}>
          {(p) => (
            <select
              {...p}
              value={form.apologyTemplate}
              onChange={(e) => set('apologyTemplate', e.target.value)}
            >
              <option value="">{t.noApology}</option>
              {withCurrent(templateKeys, form.apologyTemplate).map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          )}
        </Field>
      </fieldset>

      <fieldset disabled={readOnly || busy}>
        <legend>{t.when}</legend>
        <Field label={t.triggerType} error={err('trigger.type')}>
          {(p) => (
            <select
              {...p}
              value={form.type}
              onChange={(e) => {
                const type = e.target.value as TriggerType;
                // Each trigger starts from its usual shape: 30 days before a date with a deadline;
                // a series on day 3; an event or a condition on the day itself, without a deadline.
                setForm((f) => ({
                  ...f,
                  type,
                  offset: type === 'date' ? 30 : type === 'confirmed' ? 3 : 0,
                  before: true,
                  cooldown: type === 'event' ? 1 : 0,
                  hasDeadline: type === 'date',
                  deadline: type === 'date' ? 14 : 0,
                  deadlineBefore: true,
                }));
              }}
            >
              {TRIGGER_TYPES.map((type) => (
                <option key={type} value={type}>
                  {t.triggerNames[type]}
                </option>
              ))}
            </select>
          )}
        </Field>
        {date && (
          <Field
            label={t.dateName}
            hint={t.dateNameHint}
            value={form.date}
            onChange={(e) => set('date', e.target.value)}
            error={err('trigger.date')}
            required
          />
        )}
        {form.type === 'event' && (
          <Field
            label={t.event}
            hint={t.eventHint}
            value={form.event}
            onChange={(e) => set('event', e.target.value)}
            error={err('trigger.event')}
            required
          />
        )}
        {usesCondition && (
          <Field
            label={form.type === 'event' ? t.conditionOptional : t.condition}
            hint={t.conditionHint}
            error={err('trigger.condition')}
          >
            {(p) => (
              <textarea
                {...p}
                className="code"
                rows={4}
                value={form.condition}
                onChange={(e) => set('condition', e.target.value)}
              />
            )}
          </Field>
        )}
        <div className="rule-row">
          <Field
            label={
              date
                ? t.days
                : form.type === 'confirmed'
                  ? t.daysAfterConfirmed
                  : form.type === 'event'
                    ? t.daysAfterEvent
                    : t.daysAfterAttribute
            }
            type="number"
            min={form.type === 'confirmed' ? 1 : 0}
            max={3650}
            value={String(form.offset)}
            onChange={(e) => set('offset', Math.max(0, Math.trunc(Number(e.target.value) || 0)))}
            error={err('trigger.offsetDays')}
          />
          {date && (
            <Field label={t.direction}>
              {(p) => (
                <select
                  {...p}
                  value={form.before ? 'before' : 'after'}
                  onChange={(e) => set('before', e.target.value === 'before')}
                >
                  <option value="before">{t.before}</option>
                  <option value="after">{t.after}</option>
                </select>
              )}
            </Field>
          )}
        </div>
        {usesCondition && (
          <Field
            label={t.cooldown}
            type="number"
            min={0}
            max={3650}
            value={String(form.cooldown)}
            onChange={(e) => set('cooldown', Math.max(0, Math.trunc(Number(e.target.value) || 0)))}
            error={err('trigger.cooldownDays')}
          />
        )}
      </fieldset>

      <fieldset disabled={readOnly || busy}>
        <legend>{t.windowAndDeadline}</legend>
        <div className="rule-row">
          <Field
            label={t.windowStart}
            type="time"
            value={form.windowStart}
            onChange={(e) => set('windowStart', e.target.value)}
            error={err('sendWindow.start')}
          />
          <Field
            label={t.windowEnd}
            type="time"
            value={form.windowEnd}
            onChange={(e) => set('windowEnd', e.target.value)}
            error={err('sendWindow.end')}
          />
        </div>
        {!date && (
          <div className="rule-check">
            <input
              id={`${id}-has-deadline`}
              type="checkbox"
              checked={form.hasDeadline}
              onChange={(e) => set('hasDeadline', e.target.checked)}
            />
            <label htmlFor={`${id}-has-deadline`}>{t.hasDeadline}</label>
          </div>
        )}
        {(date || form.hasDeadline) && (
          <div className="rule-row">
            <Field
              label={date ? t.deadlineDays : t.deadlineAfterAnchor}
              type="number"
              min={0}
              max={3650}
              value={String(form.deadline)}
              onChange={(e) =>
                set('deadline', Math.max(0, Math.trunc(Number(e.target.value) || 0)))
              }
              error={err('deadlineDays')}
            />
            {date && (
              <Field label={t.deadlineDirection}>
                {(p) => (
                  <select
                    {...p}
                    value={form.deadlineBefore ? 'before' : 'after'}
                    onChange={(e) => set('deadlineBefore', e.target.value === 'before')}
                  >
                    <option value="before">{t.before}</option>
                    <option value="after">{t.after}</option>
                  </select>
                )}
              </Field>
            )}
          </div>
        )}
      </fieldset>

      <fieldset disabled={readOnly || busy}>
        <legend>{t.content}</legend>
        <p className="hint">{t.contentIntro}</p>
        {err('content') && (
          <p className="field-error" role="alert">
            {err('content')}
          </p>
        )}
        {locales.map((l) => {
          const c = form.content[l] ?? {
            fields: { heading: '', intro: '', reason: '', summary: '' },
            extra: '',
          };
          const name = languageName(l, locale);
          const isDefault = l === defaultLocale;
          return (
            <fieldset key={l} className="rule-locale" lang={l}>
              <legend lang={locale}>
                {name} (
                {isDefault ? t.required : t.optionalFallback(languageName(defaultLocale, locale))})
              </legend>
              {CONTENT_FIELDS.map((f) => {
                const label = f === 'summary' ? t.summaryField : t[f];
                const problem = err(`content.${l}.${f}`);
                return f === 'intro' ? (
                  <Field key={f} label={`${label} (${l})`} error={problem}>
                    {(p) => (
                      <textarea
                        {...p}
                        rows={3}
                        value={c.fields[f]}
                        onChange={(e) => setContent(l, { field: f, value: e.target.value })}
                      />
                    )}
                  </Field>
                ) : (
                  <Field
                    key={f}
                    label={`${label} (${l})`}
                    value={c.fields[f]}
                    onChange={(e) => setContent(l, { field: f, value: e.target.value })}
                    error={problem}
                    required={isDefault && f !== 'summary'}
                  />
                );
              })}
              <Field label={`${t.extra} (${l})`} error={err(`content.${l}`)}>
                {(p) => (
                  <textarea
                    {...p}
                    className="code"
                    rows={3}
                    value={c.extra}
                    onChange={(e) => setContent(l, { extra: e.target.value })}
                  />
                )}
              </Field>
            </fieldset>
          );
        })}
      </fieldset>

      <fieldset disabled={readOnly || busy}>
        <legend>{t.purposes}</legend>
        <p className="hint">{t.purposesHint}</p>
        {purposes.data && purposes.data.length === 0 && <p>{t.noPurposes}</p>}
        {(purposes.data ?? []).map((purpose) => (
          <div className="rule-check" key={purpose.key}>
            <input
              id={`${id}-purpose-${purpose.key}`}
              type="checkbox"
              checked={form.purposes.includes(purpose.key)}
              onChange={(e) =>
                set(
                  'purposes',
                  e.target.checked
                    ? [...form.purposes, purpose.key]
                    : form.purposes.filter((k) => k !== purpose.key),
                )
              }
            />
            <label htmlFor={`${id}-purpose-${purpose.key}`}>
              {purpose.name} ({purpose.key})
            </label>
          </div>
        ))}
        {err('purposes') && (
          <p className="field-error" role="alert">
            {err('purposes')}
          </p>
        )}
      </fieldset>

      {error ? (
        error instanceof FormProblem ? (
          <p role="alert" className="error">
            <code>{error.field}</code>: {localProblem}
          </p>
        ) : (
          <ErrorMessage error={error} />
        )
      ) : null}
      {notice && <p role="status">{notice}</p>}
      {!readOnly && (
        <button type="submit" disabled={busy}>
          {submitLabel}
        </button>
      )}
    </form>
  );
}
