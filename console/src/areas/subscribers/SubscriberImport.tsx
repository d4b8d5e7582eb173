import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { fieldErrors, unwrap } from '../../ui/query';
import { useFormat } from './format';
import { useSubscriberTexts } from './texts';

/**
 * /subscribers/import: upload a CSV file to POST /v1/subscribers/imports, follow the import with
 * GET /v1/subscribers/imports/:id until it is done, and offer the refused rows as a CSV download.
 */
export default function SubscriberImport() {
  const t = useSubscriberTexts();
  const [file, setFile] = useState<File | null>(null);
  const [topics, setTopics] = useState('');
  const [consentText, setConsentText] = useState('');
  const [consentVersion, setConsentVersion] = useState('');
  const [dryRun, setDryRun] = useState(false);
  const [missingFile, setMissingFile] = useState(false);
  const dryRunId = useId();

  const start = useMutation({
    mutationFn: async (upload: File) =>
      unwrap(
        await api.POST('/v1/subscribers/imports', {
          params: {
            query: {
              topics: topics.trim() || undefined,
              consentText: consentText.trim() || undefined,
              consentVersion: consentVersion.trim() || undefined,
              dryRun: dryRun || undefined,
            },
          },
          // The file itself is the body, sent as it is.
          body: upload as unknown as string,
          bodySerializer: (b: unknown) => b as BodyInit,
          headers: { 'Content-Type': 'text/csv' },
        }),
      ),
  });
  const errors = fieldErrors(start.error);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setMissingFile(!file);
    if (file) start.mutate(file);
  };

  return (
    <Page title={t.importTitle}>
      <p>{t.importIntro}</p>
      <form onSubmit={submit}>
        <Field
          label={t.file}
          type="file"
          accept=".csv,text/csv"
          error={missingFile ? t.chooseFile : (errors.header ?? Object.values(errors)[0])}
          onChange={(e) => setFile(e.target.files?.[0] ?? null)}
        />
        <Field
          label={t.topicsOption}
          hint={t.topicsHint}
          value={topics}
          error={errors.topics}
          onChange={(e) => setTopics(e.target.value)}
        />
        <Field
          label={t.consentText}
          hint={t.consentTextHint}
          value={consentText}
          error={errors.consentText}
          onChange={(e) => setConsentText(e.target.value)}
        />
        <Field
          label={t.consentVersion}
          value={consentVersion}
          error={errors.consentVersion}
          onChange={(e) => setConsentVersion(e.target.value)}
        />
        <div className="row">
          <input
            id={dryRunId}
            type="checkbox"
            checked={dryRun}
            onChange={(e) => setDryRun(e.target.checked)}
            style={{ width: 'auto' }}
          />{' '}
          <label htmlFor={dryRunId}>{t.dryRun}</label>
        </div>
        <button type="submit" disabled={start.isPending}>
          {t.upload}
        </button>
      </form>
      {start.error && Object.keys(errors).length === 0 ? (
        <ErrorMessage error={start.error} />
      ) : null}
      {start.data && <ImportProgress key={start.data.id} id={start.data.id} />}
    </Page>
  );
}

function ImportProgress({ id }: { id: string }) {
  const t = useSubscriberTexts();
  const f = useFormat();
  const progressId = useId();
  const job = useQuery({
    queryKey: ['subscriber-import', id],
    queryFn: async () =>
      unwrap(await api.GET('/v1/subscribers/imports/{id}', { params: { path: { id } } })),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 500 : false),
  });
  const j = job.data;
  if (job.error) return <ErrorMessage error={job.error} />;
  if (!j) return null;
  return (
    <section className="panel" aria-labelledby={`${progressId}-h`}>
      <h2 id={`${progressId}-h`}>{t.progressLabel}</h2>
      <label htmlFor={progressId}>{t.progress(f.number(j.processed), f.number(j.total))}</label>
      <progress id={progressId} max={Math.max(j.total, 1)} value={j.processed} />
      <p role="status">
        {j.status === 'running'
          ? t.importRunning
          : j.status === 'finished'
            ? t.importFinished
            : j.status === 'interrupted'
              ? t.importInterrupted
              : t.importFailed(j.error ?? '')}
      </p>
      {j.status !== 'running' && (
        <>
          <dl className="import-counts figures">
            {(['created', 'updated', 'unchanged', 'subscribed', 'refused'] as const).map((k) => (
              <div className="figure" key={k}>
                <dt>{t.counts[k]}</dt>
                <dd>{f.number(j[k])}</dd>
              </div>
            ))}
          </dl>
          {j.refused > 0 && (
            <p>
              <a
                className="button"
                href={`/v1/subscribers/imports/${encodeURIComponent(j.id)}/refused`}
                download
              >
                {t.downloadRefused}
              </a>
              {j.refusedTruncated && <span className="hint"> {t.refusedTruncated}</span>}
            </p>
          )}
        </>
      )}
    </section>
  );
}
