import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import type { components } from '../../../../clients/typescript/tidings-api';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { fieldErrors, unwrap } from '../../ui/query';
import { formText, SubNav, useFormat } from './common';
import { TableWrap } from '../../ui/TableWrap';
import { useSettingsTexts } from './texts';

type Scope = components['schemas']['CreateApiKeyDto']['scopes'][number];
type CreatedKey = components['schemas']['CreatedApiKeyDto'];

/** Every scope a key can hold (src/platform/http/scopes.ts); `admin` holds them all. */
const SCOPES: Scope[] = [
  'admin',
  'topics:read',
  'topics:write',
  'subscribers:read',
  'subscribers:write',
  'templates:read',
  'templates:write',
  'content:read',
  'content:write',
  'campaigns:read',
  'campaigns:write',
  'lifecycle:read',
  'lifecycle:write',
  'purposes:read',
  'purposes:write',
  'messages:read',
  'reports:read',
  'webhooks:read',
  'webhooks:write',
  'sends:write',
  'events:write',
];

const KEYS = ['api-keys'];

/** /settings/api-keys (admins and owners): create a key with its scopes, see it once, revoke. */
export default function ApiKeys() {
  const t = useSettingsTexts();
  const f = useFormat();
  const qc = useQueryClient();
  const [created, setCreated] = useState<CreatedKey>();
  const keys = useQuery({
    queryKey: KEYS,
    queryFn: async () => unwrap(await api.GET('/v1/api-keys')),
  });
  const create = useMutation({
    mutationFn: async (body: { name: string; scopes: Scope[] }) =>
      unwrap(await api.POST('/v1/api-keys', { body })),
    onSuccess: (key) => {
      setCreated(key);
      void qc.invalidateQueries({ queryKey: KEYS });
    },
  });
  const revoke = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE('/v1/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: KEYS }),
  });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    create.mutate({
      name: formText(form, 'name').trim(),
      scopes: form.getAll('scopes').map(String) as Scope[],
    });
  };
  const errors = fieldErrors(create.error);

  return (
    <Page title={t.apiKeysTitle} loading={keys.isPending} error={keys.error}>
      <SubNav part="settings" />
      <p>{t.apiKeysIntro}</p>
      {keys.data && keys.data.length === 0 && <p>{t.noneYet}</p>}
      {keys.data && keys.data.length > 0 && (
        <TableWrap label={t.apiKeysTitle}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.name}</th>
                <th scope="col">{t.scopes}</th>
                <th scope="col">{t.prefix}</th>
                <th scope="col">{t.created}</th>
                <th scope="col">{t.lastUsed}</th>
                <th scope="col">{t.status}</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id}>
                  <td className="cell-wrap">{k.name}</td>
                  <td className="cell-wrap">{k.scopes.join(', ')}</td>
                  <td className="hash">{k.prefix}</td>
                  <td>{f.date(k.createdAt)}</td>
                  <td>{k.lastUsedAt ? f.date(k.lastUsedAt) : t.never}</td>
                  <td>
                    {k.revokedAt ? (
                      `${t.revoked} ${f.date(k.revokedAt)}`
                    ) : (
                      <ConfirmButton
                        label={`${t.revoke} ${k.name}`}
                        question={t.revokeQuestion(k.name)}
                        confirmLabel={t.revoke}
                        onConfirm={() => revoke.mutate(k.id)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {revoke.isError && <ErrorMessage error={revoke.error} />}
      <section className="panel" aria-labelledby="new-key-h">
        <h2 id="new-key-h">{t.newKey}</h2>
        {created && (
          <div role="status">
            <p>{t.keyCreated(created.name)}</p>
            <code className="secret" data-testid="new-api-key">
              {created.key}
            </code>
            <p className="hint">{t.copyNow}</p>
          </div>
        )}
        <form onSubmit={submit} noValidate>
          <Field label={t.name} name="name" required maxLength={100} error={errors.name} />
          <fieldset className="checks" aria-describedby="scopes-hint">
            <legend>{t.scopes}</legend>
            <p className="hint" id="scopes-hint">
              {t.scopesHint}
            </p>
            {SCOPES.map((scope) => (
              <label key={scope}>
                <input type="checkbox" name="scopes" value={scope} />
                {scope}
              </label>
            ))}
          </fieldset>
          {errors.scopes && <p role="alert">scopes: {errors.scopes}</p>}
          {create.isError && !errors.scopes && <ErrorMessage error={create.error} />}
          <button type="submit" disabled={create.isPending}>
            {t.createKey}
          </button>
        </form>
      </section>
    </Page>
  );
}
