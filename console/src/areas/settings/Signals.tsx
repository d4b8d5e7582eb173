import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api } from '../../api';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Page } from '../../ui/Page';
import { unwrap } from '../../ui/query';
import type { components } from '../../../../clients/typescript/tidings-api';
import { SubNav, useFormat } from './common';
import { TableWrap } from '../../ui/TableWrap';
import { useSettingsTexts } from './texts';

type SignalType = components['schemas']['DeliverySignalDto']['type'];
const TYPES: SignalType[] = [
  'hard_bounce',
  'soft_bounce',
  'complaint',
  'delayed',
  'auto_reply',
  'other',
];

/** /deliverability/bounces: bounces and complaints of the last 30 days, counted and listed. */
export default function Signals() {
  const t = useSettingsTexts();
  const f = useFormat();
  const id = useId();
  const [type, setType] = useState<SignalType | ''>('');
  const signals = useInfiniteQuery({
    queryKey: ['delivery-signals', type],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/v1/delivery-signals', {
          params: { query: { limit: 50, cursor: pageParam, type: type || undefined } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const first = signals.data?.pages[0];
  const items = signals.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Page
      title={t.signalsTitle}
      loading={signals.isPending}
      error={signals.isFetchNextPageError ? null : signals.error}
    >
      <SubNav part="deliverability" />
      {first && (
        <>
          <p>{t.signalsIntro(f.date(first.from), f.date(first.to))}</p>
          <dl className="figures">
            {TYPES.map((k) => (
              <div className="figure" key={k}>
                <dt>{t.signalTypes[k]}</dt>
                <dd>{f.number(first.counts[k])}</dd>
              </div>
            ))}
          </dl>
        </>
      )}
      <div className="field">
        <label htmlFor={`${id}-type`}>{t.type}</label>
        <select
          id={`${id}-type`}
          value={type}
          onChange={(e) => setType(e.target.value as SignalType | '')}
        >
          <option value="">{t.all}</option>
          {TYPES.map((k) => (
            <option key={k} value={k}>
              {t.signalTypes[k]}
            </option>
          ))}
        </select>
      </div>
      {signals.isSuccess && items.length === 0 && <p>{t.noneYet}</p>}
      {items.length > 0 && (
        <TableWrap label={t.signalsTitle}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.received}</th>
                <th scope="col">{t.type}</th>
                <th scope="col">{t.outcome}</th>
                <th scope="col">{t.statusCode}</th>
                <th scope="col">{t.diagnostic}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.id}>
                  <td>{f.date(s.occurredAt)}</td>
                  <td>{t.signalTypes[s.type]}</td>
                  <td>{t.outcomes[s.outcome] ?? s.outcome}</td>
                  <td>{s.statusCode ?? '—'}</td>
                  <td className="cell-wrap">{s.diagnostic ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {signals.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => void signals.fetchNextPage()}
          disabled={signals.isFetchingNextPage}
        >
          {t.older}
        </button>
      )}
      {signals.isFetchNextPageError && <ErrorMessage error={signals.error} />}
    </Page>
  );
}
