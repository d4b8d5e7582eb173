import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import {
  activityEntryDtoActionValues,
  type components,
} from '../../../../clients/typescript/tidings-api';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { unwrap } from '../../ui/query';
import { formText, SelectField, SubNav, useFormat } from './common';
import { TableWrap } from '../../ui/TableWrap';
import { useSettingsTexts } from './texts';

type Action = NonNullable<components['schemas']['ActivityEntryDto']['action']>;
/** Every action the log records, as the API document lists them. */
const ACTIONS: readonly Action[] = activityEntryDtoActionValues;

interface Filter {
  actor?: string;
  action?: Action;
  from?: string;
  to?: string;
}

/** A date field's day as the start of that day in the user's time zone (ISO 8601). */
function dayStart(value: string, plusDays = 0): string | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/** /settings/activity (admins and owners): who did what, filtered, and its CSV export. */
export default function Activity() {
  const t = useSettingsTexts();
  const f = useFormat();
  const [filter, setFilter] = useState<Filter>({});
  const users = useQuery({
    queryKey: ['users'],
    queryFn: async () => unwrap(await api.GET('/v1/users')),
  });
  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: async () => unwrap(await api.GET('/v1/api-keys')),
  });
  const entries = useInfiniteQuery({
    queryKey: ['activity', filter],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => {
      const page = unwrap(
        await api.GET('/v1/activity', {
          params: { query: { ...filter, limit: 100, before: pageParam } },
        }),
      );
      // Without format=csv the answer is JSON; the document also lists the CSV form.
      if (typeof page === 'string') throw new Error('Expected JSON');
      return page;
    },
    getNextPageParam: (last) => last.next ?? undefined,
    placeholderData: keepPreviousData,
  });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setFilter({
      actor: formText(form, 'actor') || undefined,
      action: (formText(form, 'action') || undefined) as Action | undefined,
      from: dayStart(formText(form, 'from')),
      // "To" a day includes that whole day.
      to: dayStart(formText(form, 'to'), 1),
    });
  };
  const csv = new URLSearchParams({ format: 'csv' });
  for (const [k, v] of Object.entries(filter) as Array<[string, string | undefined]>) {
    if (v) csv.set(k, v);
  }
  const items = entries.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Page title={t.activityTitle}>
      <SubNav part="settings" />
      <p>{t.activityIntro}</p>
      <form className="inline-form" onSubmit={submit}>
        <SelectField label={t.actor} name="actor" defaultValue="">
          <option value="">{t.anyone}</option>
          {users.data?.map((u) => (
            <option key={u.id} value={u.id}>
              {u.email}
            </option>
          ))}
          {keys.data?.map((k) => (
            <option key={k.id} value={k.id}>
              {t.apiKeysTitle}: {k.name}
            </option>
          ))}
        </SelectField>
        <SelectField label={t.action} name="action" defaultValue="">
          <option value="">{t.anyAction}</option>
          {ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </SelectField>
        <Field label={t.from} name="from" type="date" />
        <Field label={t.to} name="to" type="date" />
        <button type="submit">{t.filter}</button>
      </form>
      <p>
        <a href={`/v1/activity?${csv.toString()}`} download="tidings-activity.csv">
          {t.exportCsv}
        </a>{' '}
        <span className="hint">{t.exportHint}</span>
      </p>
      {entries.isPending && <p role="status">…</p>}
      {entries.isError && <ErrorMessage error={entries.error} />}
      {entries.isSuccess && items.length === 0 && <p>{t.noneYet}</p>}
      {items.length > 0 && (
        <TableWrap label={t.activityTitle}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.when}</th>
                <th scope="col">{t.actor}</th>
                <th scope="col">{t.action}</th>
                <th scope="col">{t.target}</th>
                <th scope="col">{t.details}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((e) => (
                <tr key={e.id}>
                  <td>{f.date(e.occurredAt)}</td>
                  <td className="cell-wrap">{e.actorName}</td>
                  <td>{e.action}</td>
                  <td className="cell-wrap">
                    {e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '—'}
                  </td>
                  <td className="cell-wrap">
                    {Object.keys(e.details).length ? JSON.stringify(e.details) : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {entries.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => void entries.fetchNextPage()}
          disabled={entries.isFetchingNextPage}
        >
          {t.older}
        </button>
      )}
    </Page>
  );
}
