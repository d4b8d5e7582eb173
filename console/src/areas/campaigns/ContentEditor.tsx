import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { navigate, useLeaveGuard } from '../../router';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { fieldErrors, unwrap } from '../../ui/query';
import { EmailPreview } from './EmailPreview';
import { useDebounced, type Topic } from './shared';
import { useCampaignTexts } from './texts';

type Lang = 'en' | 'nl';
const LANGS: Lang[] = ['en', 'nl'];

interface Wording {
  title: string;
  summary: string;
  body: string;
  link: string;
}

const EMPTY: Wording = { title: '', summary: '', body: '', link: '' };

/** The request both the preview and publishing send: the main language and any other wording. */
function request(topic: string, kind: string, main: Lang, wordings: Record<Lang, Wording>) {
  const fields = (w: Wording) => ({
    title: w.title,
    ...(w.summary ? { summary: w.summary } : {}),
    ...(w.body ? { body: w.body } : {}),
    ...(w.link ? { link: w.link } : {}),
  });
  const variants: Partial<Record<Lang, ReturnType<typeof fields>>> = {};
  for (const l of LANGS) if (l !== main && wordings[l].title) variants[l] = fields(wordings[l]);
  return {
    topic,
    kind: kind as 'editorial' | 'promotional',
    locale: main,
    bodyFormat: 'markdown' as const,
    ...fields(wordings[main]),
    ...(Object.keys(variants).length ? { variants } : {}),
  };
}

/** /campaigns/new: write a content item in Markdown, per language, with the real email beside it. */
export default function ContentEditor() {
  const t = useCampaignTexts();
  const [topic, setTopic] = useState('');
  const [kind, setKind] = useState('editorial');
  const [main, setMain] = useState<Lang>('en');
  const [wordings, setWordings] = useState<Record<Lang, Wording>>({ en: EMPTY, nl: EMPTY });

  const topics = useQuery({
    queryKey: ['topics'],
    queryFn: async () => unwrap(await api.GET('/v1/topics')),
  });
  const contentTopics = (topics.data ?? []).filter(
    (x: Topic) => x.kind !== 'notice' && !x.archivedAt,
  );
  const chosen = contentTopics.find((x) => x.key === topic);

  const body = request(topic, kind, main, wordings);
  const ready = !!topic && !!wordings[main].title.trim();
  const settled = useDebounced(JSON.stringify(body), 400);
  const preview = useQuery({
    queryKey: ['content-preview', settled],
    enabled: ready,
    placeholderData: (previous) => previous,
    queryFn: async () =>
      unwrap(
        await api.POST('/v1/content-items/preview', {
          body: JSON.parse(settled) as typeof body,
        }),
      ),
  });

  const publish = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/content-items', { body })),
    onSuccess: (item) => navigate(`/campaigns/content/${item.id}`, { done: true }),
  });
  const written = LANGS.some((l) =>
    Object.values(wordings[l]).some((v: string) => v.trim() !== ''),
  );
  useLeaveGuard(written && !publish.isSuccess ? t.leaveUnwritten : null);
  const errors = fieldErrors(publish.error);

  const set = (l: Lang, key: keyof Wording, value: string) =>
    setWordings((w) => ({ ...w, [l]: { ...w[l], [key]: value } }));
  const fieldOf = (l: Lang, key: string) => (l === main ? key : `variants.${l}.${key}`);

  function submit(e: FormEvent) {
    e.preventDefault();
    publish.mutate();
  }

  return (
    <Page title={t.newTitle} loading={topics.isPending} error={topics.error}>
      <div className="editor">
        <form onSubmit={submit} noValidate className="editor-form">
          <Field label={t.topic} error={errors.topic}>
            {(p) => (
              <select {...p} value={topic} onChange={(e) => setTopic(e.target.value)} required>
                <option value="">{t.chooseTopic}</option>
                {contentTopics.map((x) => (
                  <option key={x.id} value={x.key}>
                    {x.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t.kind} error={errors.kind}>
            {(p) => (
              <select {...p} value={kind} onChange={(e) => setKind(e.target.value)}>
                <option value="editorial">{t.kinds.editorial}</option>
                {(!chosen || chosen.kind === 'promotional') && (
                  <option value="promotional">{t.kinds.promotional}</option>
                )}
              </select>
            )}
          </Field>
          <Field label={t.mainLocale} hint={t.mainLocaleHint} error={errors.locale}>
            {(p) => (
              <select {...p} value={main} onChange={(e) => setMain(e.target.value as Lang)}>
                {LANGS.map((l) => (
                  <option key={l} value={l}>
                    {t.localeName[l]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {[main, ...LANGS.filter((l) => l !== main)].map((l) => (
            <fieldset key={l}>
              <legend>{t.wordingIn(t.localeName[l])}</legend>
              {l !== main && <p className="hint">{t.optionalWording}</p>}
              <Field
                label={`${t.title} (${t.localeName[l]})`}
                value={wordings[l].title}
                onChange={(e) => set(l, 'title', e.target.value)}
                required={l === main}
                maxLength={300}
                error={errors[fieldOf(l, 'title')]}
              />
              <Field
                label={`${t.summary} (${t.localeName[l]})`}
                hint={t.summaryHint}
                error={errors[fieldOf(l, 'summary')]}
              >
                {(p) => (
                  <textarea
                    {...p}
                    rows={2}
                    className="short"
                    value={wordings[l].summary}
                    onChange={(e) => set(l, 'summary', e.target.value)}
                  />
                )}
              </Field>
              <Field
                label={`${t.body} (${t.localeName[l]})`}
                hint={t.bodyHint}
                error={errors[fieldOf(l, 'body')]}
              >
                {(p) => (
                  <textarea
                    {...p}
                    rows={12}
                    className="code"
                    value={wordings[l].body}
                    onChange={(e) => set(l, 'body', e.target.value)}
                  />
                )}
              </Field>
              <Field
                label={`${t.link} (${t.localeName[l]})`}
                hint={t.linkHint}
                type="url"
                value={wordings[l].link}
                onChange={(e) => set(l, 'link', e.target.value)}
                error={errors[fieldOf(l, 'link')]}
              />
            </fieldset>
          ))}
          {publish.error && <ErrorMessage error={publish.error} />}
          <button type="submit" disabled={publish.isPending}>
            {publish.isPending ? t.publishing : t.publish}
          </button>
        </form>
        <section className="editor-preview" aria-labelledby="content-preview-h">
          <h2 id="content-preview-h">{t.preview}</h2>
          <p className="hint">{t.previewIntro}</p>
          {!ready && <p>{t.previewNeeds}</p>}
          {ready && preview.isFetching && <p role="status">{t.previewUpdating}</p>}
          {ready && preview.error && <ErrorMessage error={preview.error} />}
          {ready && preview.data && <EmailPreview preview={preview.data} />}
        </section>
      </div>
    </Page>
  );
}
