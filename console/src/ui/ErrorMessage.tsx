import { ApiError } from '../api';
import { useTexts } from '../i18n';

/** An error answer in words, with every field the API named (role="alert", read out at once). */
export function ErrorMessage({ error }: { error: unknown }) {
  const t = useTexts();
  if (!error) return null;
  const message =
    error instanceof Error ? error.message : typeof error === 'string' ? error : t.loading;
  const details = error instanceof ApiError ? (error.body?.errors ?? []) : [];
  return (
    <div role="alert" className="error">
      <p>{t.somethingWrong(message)}</p>
      {details.length > 0 && (
        <ul>
          {details.map((d, i) => (
            <li key={i}>
              {d.field ? <code>{d.field}</code> : null}
              {d.field ? ': ' : ''}
              {d.message}
              {d.line !== undefined && d.line !== null ? ` (${t.line} ${d.line})` : ''}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
