import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api } from '../../api';
import { useLocale } from '../../i18n';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { unwrap } from '../../ui/query';
import { lineDiff } from './line-diff';
import { TableWrap } from '../../ui/TableWrap';
import { useTemplateTexts } from './texts';
import { localesOf, PARTS, type TemplateContent, type TemplateDetail } from './types';

/** The published versions, newest first: compare one with the draft, or restore it into the draft. */
export function Versions({
  templateKey,
  locale,
  draft,
  canWrite,
  onRestored,
}: {
  templateKey: string;
  locale: string;
  draft: TemplateContent;
  canWrite: boolean;
  onRestored: (detail: TemplateDetail, version: number) => void;
}) {
  const t = useTemplateTexts();
  const userLocale = useLocale();
  const id = useId();
  const queryClient = useQueryClient();
  const [compared, setCompared] = useState<number | null>(null);
  const versions = useQuery({
    queryKey: ['templates', templateKey, 'versions'],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/templates/{key}/versions', {
          params: { path: { key: templateKey } },
        }),
      ),
  });
  const restore = useMutation({
    mutationFn: async (n: number) =>
      unwrap(
        await api.POST('/v1/templates/{key}/versions/{n}/restore', {
          params: { path: { key: templateKey, n } },
        }),
      ),
    onSuccess: (answer, n) => {
      onRestored(answer.template, n);
      void queryClient.invalidateQueries({ queryKey: ['templates', templateKey, 'versions'] });
    },
  });
  const when = new Intl.DateTimeFormat(userLocale, { dateStyle: 'medium', timeStyle: 'short' });

  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t.versions}</h2>
      {versions.isPending && <p role="status">…</p>}
      {versions.error ? <ErrorMessage error={versions.error} /> : null}
      {versions.data && (
        <TableWrap label={t.versions}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.versionCol}</th>
                <th scope="col">{t.origin}</th>
                <th scope="col">{t.publishedAt}</th>
                <th scope="col">{t.by}</th>
                <th scope="col">{t.actions}</th>
              </tr>
            </thead>
            <tbody>
              {versions.data.map((v) => (
                <tr key={v.version}>
                  <th scope="row">{v.version}</th>
                  <td>{v.origin === 'default' ? t.originDefault : t.originDraft}</td>
                  <td>{when.format(new Date(v.publishedAt))}</td>
                  <td>{v.publishedBy ?? t.notRecorded}</td>
                  <td>
                    <div className="actions">
                      <button
                        type="button"
                        className="secondary"
                        aria-pressed={compared === v.version}
                        aria-label={t.compare(v.version)}
                        onClick={() => setCompared(compared === v.version ? null : v.version)}
                      >
                        {t.compareShort}
                      </button>
                      {canWrite && (
                        <ConfirmButton
                          label={t.restore(v.version)}
                          danger={false}
                          disabled={restore.isPending}
                          question={t.restoreQuestion(v.version)}
                          onConfirm={() => restore.mutate(v.version)}
                        />
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {restore.error ? <ErrorMessage error={restore.error} /> : null}
      {compared !== null && (
        <VersionDiff
          templateKey={templateKey}
          version={compared}
          locale={locale}
          draft={draft}
          onClose={() => setCompared(null)}
        />
      )}
    </section>
  );
}

function VersionDiff({
  templateKey,
  version,
  locale,
  draft,
  onClose,
}: {
  templateKey: string;
  version: number;
  locale: string;
  draft: TemplateContent;
  onClose: () => void;
}) {
  const t = useTemplateTexts();
  const id = useId();
  const found = useQuery({
    queryKey: ['templates', templateKey, 'versions', version],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/templates/{key}/versions/{n}', {
          params: { path: { key: templateKey, n: version } },
        }),
      ),
    staleTime: Infinity,
  });
  const labels = { subject: t.subject, mjml: t.mjml, text: t.text };
  const old = found.data ? localesOf(found.data.content)[locale] : undefined;
  const now = localesOf(draft)[locale];
  const parts = PARTS.map((part) => ({
    part,
    changes: lineDiff(old?.[part] ?? '', now?.[part] ?? '').filter((l) => l.kind !== 'same'),
  }));
  const same = parts.every((p) => p.changes.length === 0);

  return (
    <section className="diff" aria-labelledby={`${id}-h`}>
      <h3 id={`${id}-h`}>{t.diffTitle(version, locale)}</h3>
      {found.isPending && <p role="status">…</p>}
      {found.error ? <ErrorMessage error={found.error} /> : null}
      {found.data && same && <p>{t.diffSame}</p>}
      {found.data &&
        parts
          .filter((p) => p.changes.length > 0)
          .map(({ part, changes }) => (
            <TableWrap key={part} label={labels[part]}>
              <table className="diff-table">
                <caption>
                  {t.diffCaption(
                    labels[part],
                    changes.filter((c) => c.kind === 'added').length,
                    changes.filter((c) => c.kind === 'removed').length,
                  )}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{t.change}</th>
                    <th scope="col">{t.lineInVersion(version)}</th>
                    <th scope="col">{t.lineInDraft}</th>
                    <th scope="col">{t.content}</th>
                  </tr>
                </thead>
                <tbody>
                  {changes.map((c, i) => (
                    <tr key={i} className={c.kind}>
                      <td>
                        <span aria-hidden="true">{c.kind === 'added' ? '+ ' : '− '}</span>
                        {c.kind === 'added' ? t.added : t.removed}
                      </td>
                      <td>{c.oldLine ?? ''}</td>
                      <td>{c.newLine ?? ''}</td>
                      <td>
                        <code>{c.text}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          ))}
      <button type="button" className="secondary" onClick={onClose}>
        {t.closeDiff}
      </button>
    </section>
  );
}
