import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useLocale } from '../../i18n';
import { Link, navigate, useLocation } from '../../router';
import { useCan } from '../../ui/access';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { fieldErrors, unwrap } from '../../ui/query';
import { topicName, type Locales, type TopicDto } from './api-types';
import { FREQUENCIES, KINDS, useTopicTexts, type Frequency, type TopicKind } from './texts';

interface FormState {
  key: string;
  names: Record<string, string>;
  descriptions: Record<string, string>;
  kind: TopicKind;
  allowedFrequencies: Frequency[];
  defaultFrequency: Frequency;
  prospectsAllowed: boolean;
  isPublic: boolean;
  evergreenTemplate: string;
}

function initialState(topic: TopicDto | undefined, locales: Locales): FormState {
  if (!topic) {
    return {
      key: '',
      names: {},
      descriptions: {},
      kind: 'editorial',
      allowedFrequencies: ['monthly'],
      defaultFrequency: 'monthly',
      prospectsAllowed: true,
      isPublic: true,
      evergreenTemplate: '',
    };
  }
  // The default locale's text is `name` when the map has none for it (a topic made with `name`).
  const names = { ...topic.names };
  if (!names[locales.default]) names[locales.default] = topic.name;
  const descriptions = { ...topic.descriptions };
  if (!descriptions[locales.default] && topic.description) {
    descriptions[locales.default] = topic.description;
  }
  return {
    key: topic.key,
    names,
    descriptions,
    kind: topic.kind,
    allowedFrequencies: topic.allowedFrequencies,
    defaultFrequency: topic.defaultFrequency,
    prospectsAllowed: topic.prospectsAllowed,
    isPublic: topic.isPublic,
    evergreenTemplate: topic.evergreenTemplate ?? '',
  };
}

/**
 * /topics/new and /topics/:idOrKey: the topic's form for a role with topics:write, its details
 * for the others (no controls that would change it).
 */
export default function TopicEdit({ idOrKey }: { idOrKey?: string }) {
  const t = useTopicTexts();
  const locale = useLocale();
  const can = useCan();
  const writable = can('topics:write');
  const locales = useQuery({
    queryKey: ['locales'],
    queryFn: async () => unwrap(await api.GET('/v1/locales')),
    staleTime: Infinity,
  });
  const topic = useQuery({
    queryKey: ['topics', 'one', idOrKey],
    enabled: idOrKey !== undefined,
    queryFn: async () =>
      unwrap(await api.GET('/v1/topics/{idOrKey}', { params: { path: { idOrKey: idOrKey! } } })),
  });
  const isNew = idOrKey === undefined;
  const loading = locales.isPending || (!isNew && topic.isPending);
  const error = locales.error ?? (isNew ? null : topic.error);
  const title = isNew
    ? t.newTitle
    : topic.data
      ? t.editTitle(topicName(topic.data, locale))
      : t.topicTitle;

  return (
    <Page title={title} loading={loading} error={error}>
      <p>
        <Link to="/topics">{t.allTopics}</Link>
      </p>
      {locales.data &&
        (isNew || topic.data) &&
        (writable ? (
          <TopicForm key={topic.data?.id ?? 'new'} topic={topic.data} locales={locales.data} />
        ) : (
          topic.data && <TopicDetails topic={topic.data} locales={locales.data} />
        ))}
    </Page>
  );
}

function TopicDetails({ topic, locales }: { topic: TopicDto; locales: Locales }) {
  const t = useTopicTexts();
  const locale = useLocale();
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long' });
  return (
    <>
      <p>{t.readOnly}</p>
      {topic.archivedAt && <p>{t.archived(date.format(new Date(topic.archivedAt)))}</p>}
      <dl className="topic-details">
        <dt>{t.key}</dt>
        <dd>{topic.key}</dd>
        {locales.locales.map((l) => (
          <div key={l}>
            <dt>{t.nameIn(l)}</dt>
            <dd>{topic.names[l] || (l === locales.default ? topic.name : '—')}</dd>
            <dt>{t.descriptionIn(l)}</dt>
            <dd>
              {topic.descriptions[l] || (l === locales.default ? topic.description : '') || '—'}
            </dd>
          </div>
        ))}
        <dt>{t.kind}</dt>
        <dd>{t.kinds[topic.kind]}</dd>
        <dt>{t.allowedFrequencies}</dt>
        <dd>{topic.allowedFrequencies.map((f) => t.frequencies[f]).join(', ')}</dd>
        <dt>{t.defaultFrequency}</dt>
        <dd>{t.frequencies[topic.defaultFrequency]}</dd>
        <dt>{t.prospectsAllowed}</dt>
        <dd>{topic.prospectsAllowed ? t.yes : t.no}</dd>
        <dt>{t.isPublic}</dt>
        <dd>{topic.isPublic ? t.yes : t.no}</dd>
        <dt>{t.fallbackTemplate}</dt>
        <dd>{topic.evergreenTemplate ?? t.noFallback}</dd>
      </dl>
    </>
  );
}

function TopicForm({ topic, locales }: { topic: TopicDto | undefined; locales: Locales }) {
  const t = useTopicTexts();
  const locale = useLocale();
  const can = useCan();
  const id = useId();
  const queryClient = useQueryClient();
  const { search } = useLocation();
  const [form, setForm] = useState<FormState>(() => initialState(topic, locales));
  const justCreated = topic !== undefined && new URLSearchParams(search).get('created') !== null;
  const [notice, setNotice] = useState<string | undefined>(justCreated ? t.created : undefined);
  // The notice shows once: the address loses ?created, so a reload does not say it again.
  useEffect(() => {
    if (justCreated) navigate(`/topics/${encodeURIComponent(topic.key)}`, { replace: true });
  }, [justCreated, topic]);
  const languages = new Intl.DisplayNames([locale], { type: 'language' });
  const templates = useQuery({
    queryKey: ['templates', 'list'],
    enabled: can('templates:read'),
    queryFn: async () => unwrap(await api.GET('/v1/templates')),
  });
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long' });

  const save = useMutation({
    mutationFn: async (state: FormState) => {
      const names: Record<string, string> = {};
      for (const [l, v] of Object.entries(state.names)) if (v.trim()) names[l] = v.trim();
      const body = {
        names,
        descriptions: state.descriptions,
        kind: state.kind,
        allowedFrequencies: state.allowedFrequencies,
        defaultFrequency: state.defaultFrequency,
        prospectsAllowed: state.prospectsAllowed,
        isPublic: state.isPublic,
        evergreenTemplate: state.evergreenTemplate || null,
      };
      if (!topic)
        return unwrap(await api.POST('/v1/topics', { body: { ...body, key: state.key } }));
      return unwrap(
        await api.PATCH('/v1/topics/{idOrKey}', {
          params: { path: { idOrKey: topic.id } },
          body,
        }),
      );
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: ['topics'] });
      if (!topic) navigate(`/topics/${encodeURIComponent(saved.key)}?created=1`);
      else setNotice(t.saved);
    },
    onMutate: () => setNotice(undefined),
  });

  const archive = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.DELETE('/v1/topics/{idOrKey}', { params: { path: { idOrKey: topic!.id } } }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['topics'] });
    },
  });

  const errors = fieldErrors(save.error);
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) =>
    setForm((f) => ({ ...f, [k]: v }));
  const toggleFrequency = (f: Frequency, on: boolean) =>
    setForm((s) => {
      const allowed = FREQUENCIES.filter((x) => (x === f ? on : s.allowedFrequencies.includes(x)));
      const defaultFrequency = allowed.includes(s.defaultFrequency)
        ? s.defaultFrequency
        : (allowed[allowed.length - 1] ?? s.defaultFrequency);
      return { ...s, allowedFrequencies: allowed, defaultFrequency };
    });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(form);
  };
  const templateKeys = templates.data?.map((x) => x.key) ?? [];
  if (form.evergreenTemplate && !templateKeys.includes(form.evergreenTemplate)) {
    templateKeys.unshift(form.evergreenTemplate);
  }
  const freqError = errors.allowedFrequencies;

  return (
    <>
      {topic?.archivedAt && <p>{t.archived(date.format(new Date(topic.archivedAt)))}</p>}
      {notice && <p role="status">{notice}</p>}
      <form className="topic-form" onSubmit={submit} noValidate>
        {save.error ? (
          <div>
            <p role="alert">{t.fixErrors}</p>
            <ErrorMessage error={save.error} />
          </div>
        ) : null}
        {!topic && (
          <Field
            label={t.key}
            hint={t.keyHint}
            error={errors.key}
            value={form.key}
            onChange={(e) => set('key', e.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
        )}
        {locales.locales.map((l) => (
          <fieldset key={l}>
            <legend>{`${languages.of(l) ?? l} (${l})`}</legend>
            <Field
              label={t.nameIn(l)}
              hint={l === locales.default ? t.nameHint(l) : undefined}
              error={errors[`names.${l}`] ?? (l === locales.default ? errors.name : undefined)}
              value={form.names[l] ?? ''}
              onChange={(e) => set('names', { ...form.names, [l]: e.target.value })}
              lang={l}
            />
            <Field
              label={t.descriptionIn(l)}
              error={
                errors[`descriptions.${l}`] ??
                (l === locales.default ? errors.description : undefined)
              }
            >
              {(control) => (
                <textarea
                  {...control}
                  lang={l}
                  value={form.descriptions[l] ?? ''}
                  onChange={(e) =>
                    set('descriptions', { ...form.descriptions, [l]: e.target.value })
                  }
                />
              )}
            </Field>
          </fieldset>
        ))}
        <Field label={t.kind} error={errors.kind}>
          {(control) => (
            <select
              {...control}
              value={form.kind}
              onChange={(e) => set('kind', e.target.value as TopicKind)}
            >
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {t.kinds[k]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <fieldset
          aria-describedby={freqError ? `${id}-freq-error` : undefined}
          aria-invalid={freqError ? true : undefined}
        >
          <legend>{t.allowedFrequencies}</legend>
          {FREQUENCIES.map((f) => (
            <div className="check" key={f}>
              <input
                id={`${id}-freq-${f}`}
                type="checkbox"
                checked={form.allowedFrequencies.includes(f)}
                onChange={(e) => toggleFrequency(f, e.target.checked)}
              />
              <label htmlFor={`${id}-freq-${f}`}>{t.frequencies[f]}</label>
            </div>
          ))}
          {freqError && (
            <p id={`${id}-freq-error`} className="field-error">
              {freqError}
            </p>
          )}
        </fieldset>
        <Field label={t.defaultFrequency} error={errors.defaultFrequency}>
          {(control) => (
            <select
              {...control}
              value={form.defaultFrequency}
              onChange={(e) => set('defaultFrequency', e.target.value as Frequency)}
            >
              {(form.allowedFrequencies.length ? form.allowedFrequencies : FREQUENCIES).map((f) => (
                <option key={f} value={f}>
                  {t.frequencies[f]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="check">
          <input
            id={`${id}-prospects`}
            type="checkbox"
            checked={form.prospectsAllowed}
            onChange={(e) => set('prospectsAllowed', e.target.checked)}
          />
          <label htmlFor={`${id}-prospects`}>{t.prospectsAllowed}</label>
        </div>
        <div className="check">
          <input
            id={`${id}-public`}
            type="checkbox"
            checked={form.isPublic}
            onChange={(e) => set('isPublic', e.target.checked)}
          />
          <label htmlFor={`${id}-public`}>{t.isPublic}</label>
        </div>
        <Field label={t.fallbackTemplate} hint={t.fallbackHint} error={errors.evergreenTemplate}>
          {(control) => (
            <select
              {...control}
              value={form.evergreenTemplate}
              onChange={(e) => set('evergreenTemplate', e.target.value)}
            >
              <option value="">{t.noFallback}</option>
              {templateKeys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? t.saving : topic ? t.save : t.create}
        </button>
      </form>
      {topic && !topic.archivedAt && (
        <div className="danger-zone">
          <ConfirmButton
            label={t.archive}
            question={t.archiveQuestion(topicName(topic, locale))}
            onConfirm={() => archive.mutate()}
            disabled={archive.isPending}
          />
          <ErrorMessage error={archive.error} />
        </div>
      )}
    </>
  );
}
