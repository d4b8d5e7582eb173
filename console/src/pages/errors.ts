import type { ErrorResponse } from '../api';
import type { Texts } from '../i18n';

/** A sentence for an error answer of the set-up or sign-in call. */
export function errorText(t: Texts, status: number, body: ErrorResponse | undefined): string {
  if (body?.code === 'link_refused' || status === 410) return t.linkRefused;
  if (status === 409) return t.ownerExists;
  if (body?.code === 'sign_in_failed' || status === 401) return t.signInFailed;
  if (status === 429) return t.tooManyAttempts;
  return t.somethingWrong(body?.message ?? `HTTP ${status}`);
}

/** A text field of a submitted form ('' when it is missing). */
export function field(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
}
