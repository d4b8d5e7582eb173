import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, type FormEvent } from 'react';
import { api } from '../../api';
import type { Locale } from '../../i18n';
import { SESSION_KEY, useSession } from '../../session';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { fieldErrors, unwrap } from '../../ui/query';
import { formText, LanguageField, NewPasswordField, SubNav } from './common';
import { useSettingsTexts } from './texts';

/**
 * /settings: every user's own name, language (the console follows it at once) and password.
 * These change only the signed-in user, so every role has them.
 */
export default function MyAccount() {
  const t = useSettingsTexts();
  const qc = useQueryClient();
  const user = useSession().data?.user;
  const passwordForm = useRef<HTMLFormElement>(null);
  const profile = useMutation({
    mutationFn: async (body: { name: string; locale: Locale }) =>
      unwrap(await api.PATCH('/v1/auth/me', { body })),
    // The session's answer carries the new language: the whole console turns to it.
    onSuccess: (session) => qc.setQueryData(SESSION_KEY, session),
  });
  const password = useMutation({
    mutationFn: async (body: { currentPassword: string; password: string }) =>
      unwrap(await api.POST('/v1/auth/me/password', { body })),
    onSuccess: () => passwordForm.current?.reset(),
  });
  if (!user) return null;

  const saveProfile = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    profile.mutate({
      name: formText(form, 'name').trim(),
      locale: formText(form, 'locale') as Locale,
    });
  };
  const changePassword = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    password.mutate({
      currentPassword: formText(form, 'currentPassword'),
      password: formText(form, 'password'),
    });
  };
  const profileErrors = fieldErrors(profile.error);
  const passwordErrors = fieldErrors(password.error);

  return (
    <Page title={t.myAccountTitle}>
      <SubNav part="settings" />
      <p>{t.myAccountIntro(user.email, t.roles[user.role] ?? user.role)}</p>
      <section className="panel" aria-labelledby="profile-h">
        <h2 id="profile-h">
          {t.name} · {t.language}
        </h2>
        <form onSubmit={saveProfile} noValidate>
          <Field
            label={t.name}
            name="name"
            defaultValue={user.name}
            required
            maxLength={200}
            autoComplete="name"
            error={profileErrors.name}
          />
          <LanguageField error={profileErrors.locale} defaultValue={user.locale} />
          {profile.isError && <ErrorMessage error={profile.error} />}
          <button type="submit" disabled={profile.isPending}>
            {t.saveProfile}
          </button>
        </form>
      </section>
      <section className="panel" aria-labelledby="password-h">
        <h2 id="password-h">{t.changePassword}</h2>
        {password.isSuccess && <p role="status">{t.passwordChanged}</p>}
        <form ref={passwordForm} onSubmit={changePassword} noValidate>
          <Field
            label={t.currentPassword}
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            required
            error={passwordErrors.currentPassword}
          />
          <NewPasswordField error={passwordErrors.password} />
          {password.isError && <ErrorMessage error={password.error} />}
          <button type="submit" disabled={password.isPending}>
            {t.changePassword}
          </button>
        </form>
      </section>
    </Page>
  );
}
