import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useTexts } from '../../i18n';
import { Link, navigate, useLocation } from '../../router';
import { useCan } from '../../ui/access';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { fieldErrors, unwrap } from '../../ui/query';
import { useFormat } from './format';
import { TableWrap } from '../../ui/TableWrap';
import { useSubscriberTexts } from './texts';

const PAGE_SIZE = 25;

/** /subscribers: every subscriber, or those whose address or name contains the search text. */
export default function SubscriberSearch() {
  const t = useSubscriberTexts();
  const common = useTexts();
  const f = useFormat();
  const can = useCan();
  const { search } = useLocation();
  const params = new URLSearchParams(search);
  const q = params.get('q') ?? '';
  const cursor = params.get('cursor') ?? undefined;
  const [text, setText] = useState(q);

  const result = useQuery({
    queryKey: ['subscribers', 'search', q, cursor],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/subscribers', {
          params: { query: { q: q || undefined, cursor, limit: PAGE_SIZE } },
        }),
      ),
  });
  const errors = fieldErrors(result.error);

  const go = (query: Record<string, string | undefined>) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v) p.set(k, v);
    const s = p.toString();
    navigate(`/subscribers${s ? `?${s}` : ''}`);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    go({ q: text.trim() || undefined });
  };

  return (
    <Page
      title={t.searchTitle}
      actions={
        can('subscribers:write') ? (
          <Link to="/subscribers/import" className="button">
            {t.importLink}
          </Link>
        ) : undefined
      }
    >
      <form className="search-form" role="search" onSubmit={submit}>
        <Field
          label={t.searchLabel}
          hint={t.searchHint}
          type="search"
          name="q"
          value={text}
          error={errors.q}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit">{t.search}</button>
      </form>
      {result.isPending && <p role="status">{common.loading}</p>}
      {result.isError && !errors.q && <ErrorMessage error={result.error} />}
      {result.data && (
        <>
          <h2>{q ? t.resultsFor(q) : t.searchIntro}</h2>
          {result.data.items.length === 0 ? (
            <p>{t.noResults}</p>
          ) : (
            <TableWrap label={t.searchTitle}>
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t.email}</th>
                    <th scope="col">{t.name}</th>
                    <th scope="col">{t.status}</th>
                    <th scope="col">{t.created}</th>
                  </tr>
                </thead>
                <tbody>
                  {result.data.items.map((s) => (
                    <tr key={s.id}>
                      <td className="wrap">
                        <Link to={`/subscribers/${s.id}`}>{s.email ?? s.id}</Link>
                      </td>
                      <td>{s.name ?? '—'}</td>
                      <td>{t.statuses[s.status] ?? s.status}</td>
                      <td>{f.dateTime(s.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
          <div className="actions">
            {cursor && (
              <button type="button" className="secondary" onClick={() => go({ q })}>
                {t.firstPage}
              </button>
            )}
            {result.data.nextCursor && (
              <button
                type="button"
                className="secondary"
                onClick={() => go({ q, cursor: result.data.nextCursor ?? undefined })}
              >
                {t.nextPage}
              </button>
            )}
          </div>
        </>
      )}
    </Page>
  );
}
