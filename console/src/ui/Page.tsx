import { useId, type ReactNode } from 'react';
import { useTexts } from '../i18n';
import { PageHeading } from '../pages/PageHeading';
import { ErrorMessage } from './ErrorMessage';

/**
 * A console page: its h1 (which takes the focus when it opens), an optional line of actions,
 * and the loading and error states of its main query.
 */
export function Page({
  title,
  actions,
  loading,
  error,
  children,
}: {
  title: string;
  actions?: ReactNode;
  loading?: boolean;
  error?: unknown;
  children?: ReactNode;
}) {
  const t = useTexts();
  const id = useId();
  return (
    <section aria-labelledby={`${id}-h`}>
      <div className="page-head">
        <PageHeading id={`${id}-h`}>{title}</PageHeading>
        {actions && <div className="actions">{actions}</div>}
      </div>
      {loading && <p role="status">{t.loading}</p>}
      {error ? <ErrorMessage error={error} /> : null}
      {!loading && !error && children}
    </section>
  );
}
