import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import {
  createWebhookEndpointDtoEventsValues,
  type components,
} from '../../../../clients/typescript/tidings-api';
import { Link } from '../../router';
import { useCan } from '../../ui/access';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { fieldErrors, unwrap } from '../../ui/query';
import { formText, SubNav, useFormat } from './common';
import { TableWrap } from '../../ui/TableWrap';
import { useSettingsTexts } from './texts';

type EventChoice = components['schemas']['CreateWebhookEndpointDto']['events'] extends
  Array<infer E> | undefined
  ? E
  : never;
type Created = components['schemas']['CreatedWebhookEndpointDto'];

/** The event types an endpoint can want (docs/webhooks-out.md), as the API document lists them; `*` is every one. */
export const EVENT_TYPES = createWebhookEndpointDtoEventsValues.filter(
  (e): e is Exclude<EventChoice, '*'> => e !== '*',
);

const ENDPOINTS = ['webhook-endpoints'];

/** /deliverability/webhooks: the endpoints, and adding one (its secret is shown once). */
export default function Webhooks() {
  const t = useSettingsTexts();
  const f = useFormat();
  const can = useCan();
  const qc = useQueryClient();
  const writable = can('webhooks:write');
  const [created, setCreated] = useState<Created>();
  const list = useQuery({
    queryKey: ENDPOINTS,
    queryFn: async () => unwrap(await api.GET('/v1/webhook-endpoints')),
  });
  const create = useMutation({
    mutationFn: async (body: components['schemas']['CreateWebhookEndpointDto']) =>
      unwrap(await api.POST('/v1/webhook-endpoints', { body })),
    onSuccess: (endpoint) => {
      setCreated(endpoint);
      void qc.invalidateQueries({ queryKey: ENDPOINTS });
    },
  });
  const toggle = useMutation({
    mutationFn: async (v: { id: string; enabled: boolean }) =>
      unwrap(
        await api.PATCH('/v1/webhook-endpoints/{id}', {
          params: { path: { id: v.id } },
          body: { enabled: v.enabled },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: ENDPOINTS }),
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE('/v1/webhook-endpoints/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ENDPOINTS }),
  });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const chosen = form.getAll('events').map(String) as EventChoice[];
    create.mutate({
      url: formText(form, 'url').trim(),
      description: formText(form, 'description').trim() || undefined,
      events: form.get('all') === 'on' || chosen.length === 0 ? ['*'] : chosen,
    });
  };
  const errors = fieldErrors(create.error);

  return (
    <Page title={t.webhooksTitle} loading={list.isPending} error={list.error}>
      <SubNav part="deliverability" />
      <p>{t.webhooksIntro}</p>
      {list.data && list.data.length === 0 && <p>{t.noneYet}</p>}
      {list.data && list.data.length > 0 && (
        <TableWrap label={t.webhooksTitle}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.url}</th>
                <th scope="col">{t.events}</th>
                <th scope="col">{t.status}</th>
                <th scope="col">{t.created}</th>
                <th scope="col">{t.actions}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((e) => (
                <tr key={e.id}>
                  <td className="cell-wrap">
                    <Link to={`/deliverability/webhooks/${e.id}`}>{e.url}</Link>
                    {e.description && <div className="hint">{e.description}</div>}
                  </td>
                  <td className="cell-wrap">
                    {e.events.includes('*') ? t.allEvents : e.events.join(', ')}
                  </td>
                  <td>{e.enabled ? t.enabled : t.disabled}</td>
                  <td>{f.date(e.createdAt)}</td>
                  <td>
                    <div className="actions">
                      <Link to={`/deliverability/webhooks/${e.id}`}>{t.deliveries}</Link>
                      {writable && (
                        <button
                          type="button"
                          className="secondary"
                          aria-label={`${e.enabled ? t.disable : t.enable} ${e.url}`}
                          disabled={toggle.isPending}
                          onClick={() => toggle.mutate({ id: e.id, enabled: !e.enabled })}
                        >
                          {e.enabled ? t.disable : t.enable}
                        </button>
                      )}
                      {writable && (
                        <ConfirmButton
                          label={t.deleteEndpoint}
                          question={t.deleteEndpointQuestion(e.url)}
                          onConfirm={() => remove.mutate(e.id)}
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
      {toggle.isError && <ErrorMessage error={toggle.error} />}
      {remove.isError && <ErrorMessage error={remove.error} />}
      {writable && (
        <section className="panel" aria-labelledby="new-endpoint-h">
          <h2 id="new-endpoint-h">{t.newEndpoint}</h2>
          {created && (
            <div role="status">
              <p>{t.endpointCreated}</p>
              <code className="secret">{created.secret}</code>
              <p className="hint">{t.copyNow}</p>
            </div>
          )}
          <form onSubmit={submit} noValidate>
            <Field
              label={t.url}
              name="url"
              type="url"
              required
              placeholder="https://"
              error={errors.url}
            />
            <Field
              label={t.description}
              name="description"
              maxLength={500}
              error={errors.description}
            />
            <fieldset className="checks" aria-describedby="events-hint">
              <legend>{t.events}</legend>
              <p className="hint" id="events-hint">
                {t.eventsHint}
              </p>
              <label>
                <input type="checkbox" name="all" defaultChecked />
                {t.allEvents}
              </label>
            </fieldset>
            <fieldset className="checks">
              <legend>{t.chooseEvents}</legend>
              {EVENT_TYPES.map((type) => (
                <label key={type}>
                  <input type="checkbox" name="events" value={type} />
                  {type}
                </label>
              ))}
            </fieldset>
            {errors.events && <p role="alert">{errors.events}</p>}
            {create.isError && <ErrorMessage error={create.error} />}
            <button type="submit" disabled={create.isPending}>
              {t.addEndpoint}
            </button>
          </form>
        </section>
      )}
    </Page>
  );
}
