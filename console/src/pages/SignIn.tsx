import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, type FormEvent } from 'react';
import { api, setCsrfToken } from '../api';
import { useTexts } from '../i18n';
import { Link, navigate } from '../router';
import { SESSION_KEY } from '../session';
import { errorText, field } from './errors';
import { PageHeading } from './PageHeading';

export function SignIn({ notice, onSignedIn }: { notice?: string; onSignedIn: () => void }) {
  const t = useTexts();
  const id = useId();
  const queryClient = useQueryClient();
  const signIn = useMutation({
    mutationFn: async (body: { email: string; password: string }) => {
      const { data, error, response } = await api.POST('/v1/auth/sign-in', { body });
      if (!data) throw new Error(errorText(t, response.status, error));
      return data;
    },
    onSuccess: (session) => {
      setCsrfToken(session.csrfToken);
      queryClient.setQueryData(SESSION_KEY, session);
      onSignedIn();
      navigate('/', { replace: true });
    },
  });

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    signIn.mutate({ email: field(form, 'email'), password: field(form, 'password') });
  };

  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <PageHeading id={`${id}-h`}>{t.signInTitle}</PageHeading>
      {notice && <p role="status">{notice}</p>}
      <form onSubmit={submit}>
        <label htmlFor={`${id}-email`}>{t.email}</label>
        <input id={`${id}-email`} name="email" type="email" autoComplete="username" required />
        <label htmlFor={`${id}-password`}>{t.password}</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete="current-password"
          maxLength={200}
          required
        />
        {signIn.isError && <p role="alert">{signIn.error.message}</p>}
        <button type="submit" disabled={signIn.isPending}>
          {t.signIn}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">{t.forgotPassword}</Link>
      </p>
    </section>
  );
}
