import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { useLocale } from '../../i18n';
import { Link } from '../../router';
import { Page } from '../../ui/Page';
import { unwrap } from '../../ui/query';
import { TableWrap } from '../../ui/TableWrap';
import { useTemplateTexts } from './texts';

export default function TemplateList() {
  const t = useTemplateTexts();
  const locale = useLocale();
  const list = useQuery({
    queryKey: ['templates'],
    queryFn: async () => unwrap(await api.GET('/v1/templates')),
  });
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return (
    <Page title={t.listTitle} loading={list.isPending} error={list.error}>
      <p>{t.listIntro}</p>
      <TableWrap label={t.listTitle}>
        <table className="templates">
          <thead>
            <tr>
              <th scope="col">{t.key}</th>
              <th scope="col">{t.kind}</th>
              <th scope="col">{t.version}</th>
              <th scope="col">{t.draft}</th>
              <th scope="col">{t.lastPublished}</th>
            </tr>
          </thead>
          <tbody>
            {list.data?.map((row) => (
              <tr key={row.key}>
                <th scope="row">
                  <Link to={`/templates/${encodeURIComponent(row.key)}`}>{row.key}</Link>
                  <div className="hint">{row.description}</div>
                </th>
                <td>{row.marketing ? t.marketing : t.transactional}</td>
                <td>{row.version ?? t.notPublished}</td>
                <td>{row.hasDraft ? <strong>{t.draftChanged}</strong> : t.noDraft}</td>
                <td>
                  {row.publishedAt
                    ? t.byWhom(when.format(new Date(row.publishedAt)), row.publishedBy)
                    : t.notPublished}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </Page>
  );
}
