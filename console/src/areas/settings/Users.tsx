import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../../api';
import type { components } from '../../../../clients/typescript/tidings-api';
import { useSession } from '../../session';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { fieldErrors, unwrap } from '../../ui/query';
import { formText, LanguageField, SelectField, SubNav, useFormat } from './common';
import { TableWrap } from '../../ui/TableWrap';
import { useSettingsTexts } from './texts';

type Role = components['schemas']['UserDto']['role'];
type User = components['schemas']['UserDto'];
const ROLES: Role[] = ['owner', 'admin', 'marketer', 'analyst', 'support'];
const USERS = ['users'];

/** What the API allows (mayManage in src/surfaces/accounts/roles.ts): owners any role, admins below admin. */
function mayManage(actor: Role | undefined, target: Role): boolean {
  if (actor === 'owner') return true;
  if (actor === 'admin') return target !== 'owner' && target !== 'admin';
  return false;
}

/** /settings/users (admins and owners): invite, change a role, disable, enable or delete. */
export default function Users() {
  const t = useSettingsTexts();
  const f = useFormat();
  const qc = useQueryClient();
  const me = useSession().data?.user;
  const [invited, setInvited] = useState<string>();
  const users = useQuery({
    queryKey: USERS,
    queryFn: async () => unwrap(await api.GET('/v1/users')),
  });
  const refresh = () => qc.invalidateQueries({ queryKey: USERS });
  const invite = useMutation({
    mutationFn: async (body: components['schemas']['InviteUserDto']) =>
      unwrap(await api.POST('/v1/users', { body })),
    onSuccess: (user, _v) => {
      setInvited(user.email);
      void refresh();
    },
  });
  const update = useMutation({
    mutationFn: async (v: { id: string; body: components['schemas']['UpdateUserDto'] }) =>
      unwrap(await api.PATCH('/v1/users/{id}', { params: { path: { id: v.id } }, body: v.body })),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE('/v1/users/{id}', { params: { path: { id } } })),
    onSettled: refresh,
  });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    invite.mutate({
      email: formText(form, 'email').trim(),
      name: formText(form, 'name').trim(),
      role: formText(form, 'role') as Role,
      locale: formText(form, 'locale') as 'nl' | 'en',
    });
  };
  const errors = fieldErrors(invite.error);
  const grantable = ROLES.filter((r) => mayManage(me?.role, r));

  return (
    <Page title={t.usersTitle} loading={users.isPending} error={users.error}>
      <SubNav part="settings" />
      <p>{t.usersIntro}</p>
      {users.data && (
        <TableWrap label={t.usersTitle}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.name}</th>
                <th scope="col">{t.role}</th>
                <th scope="col">{t.status}</th>
                <th scope="col">{t.lastSignIn}</th>
                <th scope="col">{t.actions}</th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((u) => (
                <UserRow
                  key={u.id}
                  user={u}
                  self={u.id === me?.id}
                  manageable={mayManage(me?.role, u.role) && u.id !== me?.id}
                  roles={grantable}
                  busy={update.isPending || remove.isPending}
                  date={f.date}
                  onChange={(body) => update.mutate({ id: u.id, body })}
                  onDelete={() => remove.mutate(u.id)}
                />
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {update.isError && <ErrorMessage error={update.error} />}
      {remove.isError && <ErrorMessage error={remove.error} />}
      <section className="panel" aria-labelledby="invite-h">
        <h2 id="invite-h">{t.inviteTitle}</h2>
        {invited && <p role="status">{t.invited(invited)}</p>}
        <form onSubmit={submit} noValidate>
          <Field label={t.email} name="email" type="email" required error={errors.email} />
          <Field label={t.name} name="name" required maxLength={200} error={errors.name} />
          <SelectField label={t.role} error={errors.role} name="role" defaultValue="marketer">
            {grantable.map((r) => (
              <option key={r} value={r}>
                {t.roles[r]}
              </option>
            ))}
          </SelectField>
          <LanguageField error={errors.locale} defaultValue={me?.locale ?? 'en'} />
          {invite.isError && <ErrorMessage error={invite.error} />}
          <button type="submit" disabled={invite.isPending}>
            {t.invite}
          </button>
        </form>
      </section>
    </Page>
  );
}

function UserRow({
  user,
  self,
  manageable,
  roles,
  busy,
  date,
  onChange,
  onDelete,
}: {
  user: User;
  self: boolean;
  manageable: boolean;
  roles: Role[];
  busy: boolean;
  date: (v: string | null) => string;
  onChange: (body: components['schemas']['UpdateUserDto']) => void;
  onDelete: () => void;
}) {
  const t = useSettingsTexts();
  const [role, setRole] = useState<Role>(user.role);
  // A new answer (the change saved, or refused) shows the role as it is.
  useEffect(() => setRole(user.role), [user.role, user.id]);
  return (
    <tr>
      <td className="cell-wrap">
        {user.name} {self && t.you}
        <div className="hint">{user.email}</div>
      </td>
      <td>
        {manageable ? (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (role !== user.role) onChange({ role });
            }}
          >
            <select
              aria-label={t.roleOf(user.name)}
              value={role}
              disabled={busy}
              onChange={(e) => setRole(e.target.value as Role)}
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {t.roles[r]}
                </option>
              ))}
            </select>
            <button
              type="submit"
              className="secondary"
              disabled={busy || role === user.role}
              aria-label={t.changeRoleOf(user.name)}
            >
              {t.changeRole}
            </button>
          </form>
        ) : (
          t.roles[user.role]
        )}
      </td>
      <td>{t.userStatuses[user.status] ?? user.status}</td>
      <td>{date(user.lastSignInAt)}</td>
      <td>
        {manageable && (
          <div className="actions">
            {user.status === 'disabled' ? (
              <button
                type="button"
                className="secondary"
                disabled={busy}
                aria-label={`${t.enableUser} ${user.name}`}
                onClick={() => onChange({ disabled: false })}
              >
                {t.enableUser}
              </button>
            ) : (
              <ConfirmButton
                label={`${t.disableUser} ${user.name}`}
                question={t.disableUserQuestion(user.name)}
                confirmLabel={t.disableUser}
                disabled={busy}
                onConfirm={() => onChange({ disabled: true })}
              />
            )}
            <ConfirmButton
              label={`${t.deleteUser} ${user.name}`}
              question={t.deleteUserQuestion(user.name)}
              confirmLabel={t.deleteUser}
              disabled={busy}
              onConfirm={onDelete}
            />
          </div>
        )}
      </td>
    </tr>
  );
}
