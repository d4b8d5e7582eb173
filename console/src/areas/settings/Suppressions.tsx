import { useInfiniteQuery, useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { fieldErrors, unwrap } from '../../ui/query';
import { formText, SubNav, useFormat } from './common';
import { TableWrap } from '../../ui/TableWrap';
import { useSettingsTexts } from './texts';

/** /deliverability: look an address up on the suppression list, and the newest entries. */
export default function Suppressions() {
  const t = useSettingsTexts();
  const f = useFormat();
  const [looked, setLooked] = useState<string>();
  const lookUp = useMutation({
    mutationFn: async (email: string) =>
      unwrap(await api.GET('/v1/suppressions', { params: { query: { email } } })),
  });
  const recent = useInfiniteQuery({
    queryKey: ['suppressions'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/v1/suppressions', { params: { query: { limit: 50, cursor: pageParam } } }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const email = formText(new FormData(e.currentTarget), 'email').trim();
    setLooked(email);
    lookUp.mutate(email);
  };
  const found = lookUp.data?.items[0];
  const items = recent.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Page title={t.suppressionsTitle}>
      <SubNav part="deliverability" />
      <p>{t.suppressionsIntro}</p>
      <section className="panel" aria-labelledby="lookup-h">
        <h2 id="lookup-h">{t.lookUpTitle}</h2>
        <form className="inline-form" onSubmit={submit} noValidate>
          <Field
            label={t.email}
            name="email"
            type="email"
            required
            autoComplete="off"
            error={fieldErrors(lookUp.error).email}
          />
          <button type="submit" disabled={lookUp.isPending}>
            {t.lookUp}
          </button>
        </form>
        {lookUp.isError && <ErrorMessage error={lookUp.error} />}
        {lookUp.isSuccess && looked && (
          <p role="status" className="lookup-result">
            {found
              ? t.suppressedSince(
                  looked,
                  f.date(found.createdAt),
                  t.reasons[found.reason] ?? found.reason,
                )
              : t.notSuppressed(looked)}
          </p>
        )}
        <p className="hint">{t.noRemoval}</p>
      </section>
      <h2>{t.recentSuppressions}</h2>
      {recent.isPending && <p role="status">…</p>}
      {recent.isError && <ErrorMessage error={recent.error} />}
      {recent.isSuccess && items.length === 0 && <p>{t.noneYet}</p>}
      {items.length > 0 && (
        <TableWrap label={t.recentSuppressions}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.since}</th>
                <th scope="col">{t.reason}</th>
                <th scope="col">{t.addressHash}</th>
                <th scope="col">{t.details}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.addressHash}>
                  <td>{f.date(s.createdAt)}</td>
                  <td>{t.reasons[s.reason] ?? s.reason}</td>
                  <td className="hash" title={s.addressHash}>
                    {s.addressHash.slice(0, 12)}…
                  </td>
                  <td className="cell-wrap">{describe(s.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {recent.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => void recent.fetchNextPage()}
          disabled={recent.isFetchingNextPage}
        >
          {t.older}
        </button>
      )}
    </Page>
  );
}

/** A suppression's details as `key: value` pairs (what caused it: a report, a status). */
function describe(details: Record<string, unknown>): string {
  return Object.entries(details)
    .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}
