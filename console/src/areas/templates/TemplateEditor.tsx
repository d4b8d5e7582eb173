import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { api, ApiError } from '../../api';
import { useLocale } from '../../i18n';
import { Link, useLeaveGuard } from '../../router';
import { useCan } from '../../ui/access';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { fieldErrors, unwrap } from '../../ui/query';
import { CodeField, selectLine } from './CodeField';
import { TemplateActivity } from './TemplateActivity';
import { useTemplateTexts } from './texts';
import {
  localesOf,
  partOf,
  PARTS,
  type Part,
  type Problem,
  type TemplateContent,
  type TemplateDetail,
} from './types';
import { Versions } from './Versions';

const PREVIEW_DELAY_MS = 500;

/** The template errors of a 400 answer (`errors[]` with field, line and column), else null. */
function templateProblems(error: unknown): Problem[] | null {
  if (!(error instanceof ApiError) || error.status !== 400 || !error.body?.errors) return null;
  const found = error.body.errors.filter((e) => e.field?.startsWith('locales.'));
  return found.length ? (error.body.errors as Problem[]) : null;
}

export default function TemplateEditor({ templateKey }: { templateKey: string }) {
  const t = useTemplateTexts();
  const queryClient = useQueryClient();
  const detail = useQuery({
    queryKey: ['templates', templateKey],
    queryFn: async () =>
      unwrap(await api.GET('/v1/templates/{key}', { params: { path: { key: templateKey } } })),
  });
  return (
    <Page
      title={t.editorTitle(templateKey)}
      loading={detail.isPending}
      error={detail.error}
      actions={<Link to="/templates">{t.back}</Link>}
    >
      {detail.data && (
        <Editor
          detail={detail.data}
          onSaved={(d) => {
            queryClient.setQueryData(['templates', templateKey], d);
            void queryClient.invalidateQueries({ queryKey: ['templates'], exact: true });
          }}
        />
      )}
    </Page>
  );
}

function Editor({
  detail,
  onSaved,
}: {
  detail: TemplateDetail;
  onSaved: (detail: TemplateDetail) => void;
}) {
  const t = useTemplateTexts();
  const userLocale = useLocale();
  const can = useCan();
  const canWrite = can('templates:write');
  const queryClient = useQueryClient();
  const key = detail.key;
  const stored = (detail.draft ?? detail.published)!;
  const [content, setContent] = useState<TemplateContent>(stored);
  const [savedJson, setSavedJson] = useState(() => JSON.stringify(stored));
  const locales = Object.keys(localesOf(content));
  const [locale, setLocale] = useState(locales.includes(userLocale) ? userLocale : locales[0]);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [warnings, setWarnings] = useState<Problem[]>([]);
  const [notice, setNotice] = useState('');
  const fields = useRef(new Map<string, HTMLTextAreaElement | null>());
  const pendingFocus = useRef<{ field: string; line: number } | null>(null);
  const dirty = JSON.stringify(content) !== savedJson;
  useLeaveGuard(dirty && canWrite ? t.leaveUnsaved : null);
  const dateTime = new Intl.DateTimeFormat(userLocale, { dateStyle: 'medium', timeStyle: 'short' });
  const ids = useId();

  /** Puts a saved answer in the editor: its draft, or the published version without one. */
  const adopt = (d: TemplateDetail) => {
    const next = (d.draft ?? d.published)!;
    setContent(next);
    setSavedJson(JSON.stringify(next));
    onSaved(d);
  };

  // The live preview: the content as it is in the editor, validated and rendered by the API.
  const preview = useQuery({
    queryKey: ['templates', key, 'live-preview', locale, content],
    queryFn: async ({ signal }) => {
      await new Promise((r) => setTimeout(r, PREVIEW_DELAY_MS));
      signal.throwIfAborted();
      return unwrap(
        await api.POST('/v1/templates/{key}/preview', {
          params: { path: { key } },
          body: { locale: locale as 'nl' | 'en', content },
          signal,
        }),
      );
    },
    placeholderData: (previous) => previous,
    retry: false,
    staleTime: Infinity,
    gcTime: 60_000,
  });
  // The last preview that rendered stays in view while the content has errors.
  const [shown, setShown] = useState<typeof preview.data>(undefined);
  useEffect(() => {
    if (preview.isFetching) return;
    if (preview.isSuccess) {
      setShown(preview.data);
      setProblems([]);
      setWarnings(preview.data.warnings ?? []);
    } else if (preview.isError) {
      const found = templateProblems(preview.error);
      if (found) setProblems(found);
    }
  }, [preview.isFetching, preview.isSuccess, preview.isError, preview.data, preview.error]);
  const previewFailed = preview.isError && !templateProblems(preview.error) ? preview.error : null;

  const setPart = (part: Part, value: string) =>
    setContent((c) => {
      const all = localesOf(c);
      return { ...c, locales: { ...all, [locale]: { ...all[locale], [part]: value } } };
    });

  const goTo = (field: string, line: number) => {
    const where = partOf(field);
    if (!where) return;
    if (where.locale !== locale) {
      pendingFocus.current = { field, line };
      setLocale(where.locale);
      return;
    }
    const el = fields.current.get(field);
    if (el) selectLine(el, line);
  };
  useEffect(() => {
    const pending = pendingFocus.current;
    if (!pending) return;
    pendingFocus.current = null;
    const el = fields.current.get(pending.field);
    if (el) selectLine(el, pending.line);
  }, [locale]);

  const save = useMutation({
    mutationFn: async () =>
      unwrap(await api.PUT('/v1/templates/{key}', { params: { path: { key } }, body: content })),
    onSuccess: (answer) => {
      adopt(answer.template);
      setProblems([]);
      setWarnings(answer.warnings);
      setNotice(t.draftSaved);
    },
    onError: (error) => {
      const found = templateProblems(error);
      if (found) setProblems(found);
      setNotice('');
    },
  });

  const publish = useMutation({
    mutationFn: async () => {
      if (dirty || !detail.hasDraft) {
        const savedAnswer = unwrap(
          await api.PUT('/v1/templates/{key}', { params: { path: { key } }, body: content }),
        );
        adopt(savedAnswer.template);
      }
      return unwrap(await api.POST('/v1/templates/{key}/publish', { params: { path: { key } } }));
    },
    onSuccess: (answer) => {
      adopt(answer.template);
      setProblems([]);
      setWarnings(answer.warnings);
      setNotice(t.published(answer.template.version ?? 0));
      void queryClient.invalidateQueries({ queryKey: ['templates', key, 'versions'] });
      void queryClient.invalidateQueries({ queryKey: ['templates', key, 'activity'] });
    },
    onError: (error) => {
      const found = templateProblems(error);
      if (found) setProblems(found);
      setNotice('');
    },
  });

  const reset = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/v1/templates/{key}/reset', { params: { path: { key } } })),
    onSuccess: (answer) => {
      adopt(answer.template);
      setWarnings(answer.warnings);
      setNotice(t.resetDone);
      void queryClient.invalidateQueries({ queryKey: ['templates', key, 'activity'] });
    },
  });

  const restored = (d: TemplateDetail, version: number) => {
    adopt(d);
    setNotice(t.restored(version));
    void queryClient.invalidateQueries({ queryKey: ['templates', key, 'activity'] });
  };

  const busy = save.isPending || publish.isPending || reset.isPending;
  const own = localesOf(content)[locale];
  const problemsOf = (part: Part) =>
    problems.filter((p) => p.field === `locales.${locale}.${part}`);
  const nextVersion = (detail.version ?? 0) + 1;
  const actionError = save.error ?? publish.error ?? reset.error;

  return (
    <>
      <p>{detail.description}</p>
      <p>
        {t.editorIntro(detail.version)}{' '}
        {detail.draft && detail.draftUpdatedAt
          ? t.editingDraft(dateTime.format(new Date(detail.draftUpdatedAt)))
          : t.editingPublished}
      </p>
      {!canWrite && <p className="hint">{t.readOnly}</p>}

      <div className="template-editor">
        <form
          className="template-source"
          aria-labelledby={`${ids}-source`}
          onSubmit={(e) => {
            e.preventDefault();
            if (canWrite) save.mutate();
          }}
        >
          <h2 id={`${ids}-source`} className="visually-hidden">
            {t.content}
          </h2>
          <div className="field">
            <label htmlFor={`${ids}-locale`}>{t.locale}</label>
            <select id={`${ids}-locale`} value={locale} onChange={(e) => setLocale(e.target.value)}>
              {locales.map((l) => (
                <option key={l} value={l}>
                  {t.localeName(l)}
                </option>
              ))}
            </select>
          </div>
          {own &&
            PARTS.map((part) => (
              <CodeField
                key={`${locale}-${part}`}
                label={`${{ subject: t.subject, mjml: t.mjml, text: t.text }[part]} (${locale})`}
                hint={{ subject: t.subjectHint, mjml: t.mjmlHint, text: t.textHint }[part]}
                value={own[part]}
                rows={part === 'subject' ? 2 : 18}
                readOnly={!canWrite}
                problems={problemsOf(part)}
                onChange={(v) => setPart(part, v)}
                fieldRef={(el) => {
                  fields.current.set(`locales.${locale}.${part}`, el);
                }}
              />
            ))}

          <Problems problems={problems} onGo={goTo} />
          {warnings.length > 0 && (
            <div className="panel warnings">
              <h3>{t.warnings(warnings.length)}</h3>
              <p>{t.warningsIntro}</p>
              <ul>
                {warnings.map((w, i) => (
                  <li key={i}>
                    {t.fieldLabel(w.field)}
                    {w.line !== undefined ? `, ${t.atLine(w.line, w.column)}` : ''}: {w.message}
                  </li>
                ))}
              </ul>
            </div>
          )}

          {canWrite && (
            <div className="actions">
              <button type="submit" disabled={busy}>
                {save.isPending ? t.savingDraft : t.saveDraft}
              </button>
              <ConfirmButton
                label={t.publish}
                danger={false}
                disabled={busy || (!dirty && !detail.hasDraft)}
                question={t.publishQuestion(nextVersion)}
                confirmLabel={t.publishConfirm}
                onConfirm={() => publish.mutate()}
              />
              <ConfirmButton
                label={t.reset}
                disabled={busy}
                question={t.resetQuestion}
                onConfirm={() => reset.mutate()}
              />
            </div>
          )}
          <p role="status" className="notice">
            {dirty ? t.unsaved : notice}
          </p>
          {actionError && !templateProblems(actionError) ? (
            <ErrorMessage error={actionError} />
          ) : null}
        </form>

        <section className="template-preview" aria-labelledby={`${ids}-preview`}>
          <h2 id={`${ids}-preview`}>{t.preview}</h2>
          <p role="status" className="hint preview-status">
            {preview.isFetching ? t.previewUpdating : preview.isSuccess ? t.previewUpToDate : ''}
          </p>
          {previewFailed ? <ErrorMessage error={previewFailed} /> : null}
          {/* Laid out before the first preview arrives and the same size after it, so that
              nothing below (the versions) moves under a pointer when the preview comes in. */}
          <dl className="preview-meta">
            <dt>{t.previewSubject}</dt>
            <dd data-testid="preview-subject">{shown?.subject ?? '…'}</dd>
          </dl>
          <iframe
            className="preview"
            title={t.previewOf(locale)}
            sandbox=""
            srcDoc={shown?.html ?? ''}
          />
          <details open>
            <summary>{t.previewText}</summary>
            <pre className="preview-text" data-testid="preview-text" tabIndex={0}>
              {shown?.text ?? ''}
            </pre>
          </details>
        </section>
      </div>

      {canWrite && <TestSend templateKey={key} locale={locale} />}
      <Versions
        templateKey={key}
        locale={locale}
        draft={content}
        canWrite={canWrite}
        onRestored={restored}
      />
      {can('admin') && <TemplateActivity templateKey={key} />}
    </>
  );
}

function Problems({
  problems,
  onGo,
}: {
  problems: Problem[];
  onGo: (field: string, line: number) => void;
}) {
  const t = useTemplateTexts();
  const id = useId();
  if (!problems.length) return null;
  return (
    <div role="alert" className="error panel problems" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{t.problems(problems.length)}</h3>
      <p>{t.problemsIntro}</p>
      <ul>
        {problems.map((p, i) => {
          const label = t.fieldLabel(p.field);
          return (
            <li key={i}>
              {partOf(p.field) && p.line !== undefined ? (
                <button type="button" className="link" onClick={() => onGo(p.field, p.line!)}>
                  {label}, {t.atLine(p.line, p.column)}
                </button>
              ) : (
                <code>{label}</code>
              )}
              : {p.message}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function TestSend({ templateKey, locale }: { templateKey: string; locale: string }) {
  const t = useTemplateTexts();
  const id = useId();
  const [to, setTo] = useState('');
  const send = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/templates/{key}/test-send', {
          params: { path: { key: templateKey } },
          body: { to, locale: locale as 'nl' | 'en' },
        }),
      ),
  });
  const errors = fieldErrors(send.error);
  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t.testSend}</h2>
      <p>{t.testSendIntro}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          send.mutate();
        }}
      >
        <Field
          label={t.testTo}
          type="email"
          required
          autoComplete="email"
          value={to}
          error={errors.to}
          onChange={(e) => setTo(e.target.value)}
        />
        <div className="actions">
          <button type="submit" disabled={send.isPending}>
            {t.testSend} ({locale})
          </button>
        </div>
        <p role="status">{send.isSuccess ? t.testSent(to) : ''}</p>
        {send.error && !errors.to ? <ErrorMessage error={send.error} /> : null}
      </form>
    </section>
  );
}
