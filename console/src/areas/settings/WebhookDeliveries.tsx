import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api } from '../../api';
import type { components } from '../../../../clients/typescript/tidings-api';
import { useCan } from '../../ui/access';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Page } from '../../ui/Page';
import { unwrap } from '../../ui/query';
import { SubNav, useFormat } from './common';
import { TableWrap } from '../../ui/TableWrap';
import { useSettingsTexts } from './texts';

type DeliveryStatus = components['schemas']['WebhookDeliveryDto']['status'];
const STATUSES: DeliveryStatus[] = ['pending', 'delivered', 'failed'];

/** /deliverability/webhooks/:id: an endpoint's deliveries, and sending one again. */
export default function WebhookDeliveries({ id }: { id: string }) {
  const t = useSettingsTexts();
  const f = useFormat();
  const can = useCan();
  const qc = useQueryClient();
  const selectId = useId();
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const endpoint = useQuery({
    queryKey: ['webhook-endpoints', id],
    queryFn: async () =>
      unwrap(await api.GET('/v1/webhook-endpoints/{id}', { params: { path: { id } } })),
  });
  const deliveries = useInfiniteQuery({
    queryKey: ['webhook-deliveries', id, status],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/v1/webhook-endpoints/{id}/deliveries', {
          params: {
            path: { id },
            query: { limit: 50, cursor: pageParam, status: status || undefined },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const replay = useMutation({
    mutationFn: async (deliveryId: string) =>
      unwrap(
        await api.POST('/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/replay', {
          params: { path: { id, deliveryId } },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['webhook-deliveries', id] }),
  });
  const items = deliveries.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Page title={t.deliveriesTitle} loading={endpoint.isPending} error={endpoint.error}>
      <SubNav part="deliverability" />
      {endpoint.data && (
        <p className="cell-wrap">
          <strong>{endpoint.data.url}</strong> · {endpoint.data.enabled ? t.enabled : t.disabled} ·{' '}
          {endpoint.data.events.includes('*') ? t.allEvents : endpoint.data.events.join(', ')}
        </p>
      )}
      <div className="field">
        <label htmlFor={selectId}>{t.status}</label>
        <select
          id={selectId}
          value={status}
          onChange={(e) => setStatus(e.target.value as DeliveryStatus | '')}
        >
          <option value="">{t.all}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {t.deliveryStatuses[s]}
            </option>
          ))}
        </select>
      </div>
      {replay.isSuccess && <p role="status">{t.replayed}</p>}
      {replay.isError && <ErrorMessage error={replay.error} />}
      {deliveries.isError && <ErrorMessage error={deliveries.error} />}
      {deliveries.isSuccess && items.length === 0 && <p>{t.noneYet}</p>}
      {items.length > 0 && (
        <TableWrap label={t.deliveries}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.events}</th>
                <th scope="col">{t.status}</th>
                <th scope="col">{t.attempts}</th>
                <th scope="col">{t.lastCode}</th>
                <th scope="col">{t.lastAttempt}</th>
                <th scope="col">{t.nextAttempt}</th>
                {can('webhooks:write') && <th scope="col">{t.actions}</th>}
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={d.id}>
                  <td className="cell-wrap">
                    {d.eventType}
                    <div className="hint">{f.date(d.occurredAt)}</div>
                  </td>
                  <td>{t.deliveryStatuses[d.status] ?? d.status}</td>
                  <td>{f.number(d.attempts)}</td>
                  <td className="cell-wrap">
                    {d.lastResponseCode ?? (d.attempts > 0 ? t.noAnswer : '—')}
                    {d.lastError && <div className="hint">{d.lastError}</div>}
                  </td>
                  <td>{f.date(d.lastAttemptAt)}</td>
                  <td>{f.date(d.nextAttemptAt)}</td>
                  {can('webhooks:write') && (
                    <td>
                      {d.status !== 'pending' && (
                        <button
                          type="button"
                          className="secondary"
                          aria-label={`${t.replay}: ${d.eventType}, ${f.date(d.occurredAt)}`}
                          disabled={replay.isPending}
                          onClick={() => replay.mutate(d.id)}
                        >
                          {t.replay}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {deliveries.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => void deliveries.fetchNextPage()}
          disabled={deliveries.isFetchingNextPage}
        >
          {t.older}
        </button>
      )}
    </Page>
  );
}
