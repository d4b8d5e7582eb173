import { useMutation } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { PageHeading } from '../../pages/PageHeading';
import { Link } from '../../router';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { fieldErrors, unwrap } from '../../ui/query';
import { formText, NewPasswordField, tokenFromFragment } from './common';
import { useSettingsTexts, type SettingsTexts } from './texts';

/** A refused one-time link or throttling in words; anything else as the API said it. */
function Problem({ error, t }: { error: unknown; t: SettingsTexts }) {
  if (error instanceof ApiError && error.status === 410) return <p role="alert">{t.linkRefused}</p>;
  if (error instanceof ApiError && error.status === 429) return <p role="alert">{t.tooMany}</p>;
  return <ErrorMessage error={error} />;
}

function Done({ message }: { message: string }) {
  const t = useSettingsTexts();
  return (
    <>
      <p role="status">{message}</p>
      <p>
        <Link to="/sign-in">{t.goSignIn}</Link>
      </p>
    </>
  );
}

/** The new-password form of both one-time links (invite, reset). */
function PasswordLink({
  title,
  intro,
  done,
  submitLabel,
  send,
}: {
  title: string;
  intro: string;
  done: string;
  submitLabel: string;
  send: (token: string, password: string) => Promise<unknown>;
}) {
  const t = useSettingsTexts();
  const id = useId();
  const [token] = useState(tokenFromFragment);
  const set = useMutation({
    mutationFn: (password: string) => send(token!, password),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    set.mutate(formText(new FormData(e.currentTarget), 'password'));
  };
  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <PageHeading id={`${id}-h`}>{title}</PageHeading>
      {!token ? (
        <p role="alert">{t.noToken}</p>
      ) : set.isSuccess ? (
        <Done message={done} />
      ) : (
        <>
          <p>{intro}</p>
          <form onSubmit={submit}>
            <NewPasswordField error={fieldErrors(set.error).password} />
            {set.isError && <Problem error={set.error} t={t} />}
            <button type="submit" disabled={set.isPending}>
              {submitLabel}
            </button>
          </form>
        </>
      )}
    </section>
  );
}

/** /accept-invite#token=… (the invite email's link). */
export function AcceptInvite() {
  const t = useSettingsTexts();
  return (
    <PasswordLink
      title={t.acceptInviteTitle}
      intro={t.acceptInviteIntro}
      done={t.inviteAccepted}
      submitLabel={t.setPassword}
      send={async (token, password) =>
        unwrap(await api.POST('/v1/auth/accept-invite', { body: { token, password } }))
      }
    />
  );
}

/** /reset-password#token=… (the password-reset email's link). */
export function ResetPassword() {
  const t = useSettingsTexts();
  return (
    <PasswordLink
      title={t.resetTitle}
      intro={t.resetIntro}
      done={t.passwordReset}
      submitLabel={t.setPassword}
      send={async (token, password) =>
        unwrap(await api.POST('/v1/auth/password-reset/confirm', { body: { token, password } }))
      }
    />
  );
}

/** /forgot-password: asks for a reset link; the answer is the same whether the account exists. */
export function ForgotPassword() {
  const t = useSettingsTexts();
  const id = useId();
  const request = useMutation({
    mutationFn: async (email: string) =>
      unwrap(await api.POST('/v1/auth/password-reset', { body: { email } })),
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    request.mutate(formText(new FormData(e.currentTarget), 'email').trim());
  };
  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <PageHeading id={`${id}-h`}>{t.forgotTitle}</PageHeading>
      {request.isSuccess ? (
        <Done message={t.resetSent} />
      ) : (
        <>
          <p>{t.forgotIntro}</p>
          <form onSubmit={submit}>
            <Field
              label={t.email}
              name="email"
              type="email"
              autoComplete="username"
              required
              error={fieldErrors(request.error).email}
            />
            {request.isError && <Problem error={request.error} t={t} />}
            <button type="submit" disabled={request.isPending}>
              {t.sendLink}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
