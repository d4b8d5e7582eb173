import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../api';
import { useLocale, useTexts, type Locale } from '../i18n';
import { errorText, field } from './errors';
import { PageHeading } from './PageHeading';

/** The token of the one-time link (`/console/setup#token=…`); the fragment never reaches a server. */
function tokenFromFragment(): string | undefined {
  return new URLSearchParams(window.location.hash.slice(1)).get('token') ?? undefined;
}

export function Setup({ onCreated }: { onCreated: (message: string) => void }) {
  const t = useTexts();
  const [token] = useState(tokenFromFragment);
  const [locale, setLocale] = useState<Locale>(useLocale());
  const id = useId();
  const create = useMutation({
    mutationFn: async (body: { name: string; email: string; password: string }) => {
      const { data, error, response } = await api.POST('/v1/auth/owner', {
        body: { ...body, token: token!, locale },
      });
      if (!data) throw new Error(errorText(t, response.status, error));
      return data;
    },
    onSuccess: () => onCreated(t.ownerCreated),
  });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    create.mutate({
      name: field(form, 'name'),
      email: field(form, 'email'),
      password: field(form, 'password'),
    });
  };

  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <PageHeading id={`${id}-h`}>{t.setupTitle}</PageHeading>
      {!token ? (
        <p role="alert">{t.setupNoToken}</p>
      ) : (
        <>
          <p>{t.setupIntro}</p>
          <form onSubmit={submit}>
            <label htmlFor={`${id}-name`}>{t.name}</label>
            <input id={`${id}-name`} name="name" autoComplete="name" required maxLength={200} />
            <label htmlFor={`${id}-email`}>{t.email}</label>
            <input id={`${id}-email`} name="email" type="email" autoComplete="email" required />
            <label htmlFor={`${id}-password`}>{t.password}</label>
            <input
              id={`${id}-password`}
              name="password"
              type="password"
              autoComplete="new-password"
              minLength={10}
              maxLength={200}
              required
              aria-describedby={`${id}-password-hint`}
            />
            <p className="hint" id={`${id}-password-hint`}>
              {t.passwordHint}
            </p>
            <label htmlFor={`${id}-locale`}>{t.language}</label>
            <select
              id={`${id}-locale`}
              value={locale}
              onChange={(e) => setLocale(e.target.value as Locale)}
            >
              <option value="nl">Nederlands</option>
              <option value="en">English</option>
            </select>
            {create.isError && <p role="alert">{create.error.message}</p>}
            <button type="submit" disabled={create.isPending}>
              {t.createOwner}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
