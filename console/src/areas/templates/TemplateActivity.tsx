import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { api } from '../../api';
import { useLocale } from '../../i18n';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { unwrap } from '../../ui/query';
import { TableWrap } from '../../ui/TableWrap';
import { useTemplateTexts } from './texts';
import type { ActivityEntry } from './types';

const ACTIONS = ['template.published', 'template.restored', 'template.reset'] as const;

/**
 * Who published, restored or reset this template, from the activity log (GET /v1/activity needs
 * the admin scope, so only owners and admins see this). The log filters by action, not by
 * target: the latest 100 of each action are read and this template's kept.
 */
export function TemplateActivity({ templateKey }: { templateKey: string }) {
  const t = useTemplateTexts();
  const locale = useLocale();
  const id = useId();
  const log = useQuery({
    queryKey: ['templates', templateKey, 'activity'],
    queryFn: async () => {
      const pages = await Promise.all(
        ACTIONS.map(async (action) =>
          unwrap(await api.GET('/v1/activity', { params: { query: { action, limit: 100 } } })),
        ),
      );
      return pages
        .flatMap((p) => (typeof p === 'string' ? [] : p.items))
        .filter((e: ActivityEntry) => e.targetType === 'template' && e.targetId === templateKey)
        .sort((a, b) => b.occurredAt.localeCompare(a.occurredAt));
    },
  });
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{t.activity}</h2>
      <p>{t.activityIntro}</p>
      {log.isPending && <p role="status">…</p>}
      {log.error ? <ErrorMessage error={log.error} /> : null}
      {log.data && log.data.length === 0 && <p>{t.activityNone}</p>}
      {log.data && log.data.length > 0 && (
        <TableWrap label={t.activity}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.when}</th>
                <th scope="col">{t.who}</th>
                <th scope="col">{t.what}</th>
              </tr>
            </thead>
            <tbody>
              {log.data.map((e) => (
                <tr key={e.id}>
                  <td>{when.format(new Date(e.occurredAt))}</td>
                  <td>{e.actorName}</td>
                  <td>
                    {t.action(
                      e.action,
                      typeof e.details.version === 'number' ? e.details.version : undefined,
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
