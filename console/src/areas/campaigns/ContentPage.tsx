import { useQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { useCan } from '../../ui/access';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Page } from '../../ui/Page';
import { unwrap } from '../../ui/query';
import { EmailPreview } from './EmailPreview';
import { LaunchPanel } from './LaunchPanel';
import { useFormat, type ContentItem } from './shared';
import { useCampaignTexts } from './texts';

/** /campaigns/content/:id: a content item, its email, and sending it as a campaign. */
export default function ContentPage({ id }: { id: string }) {
  const t = useCampaignTexts();
  const item = useQuery({
    queryKey: ['content-item', id],
    queryFn: async () =>
      unwrap(await api.GET('/v1/content-items/{id}', { params: { path: { id } } })),
  });
  return (
    <Page
      title={item.data ? item.data.title : t.contentTitle}
      loading={item.isPending}
      error={item.error}
    >
      {item.data && <ContentDetails item={item.data} />}
      {item.data && item.data.status !== 'withdrawn' && item.data.status !== 'expired' && (
        <LaunchPanel item={item.data} />
      )}
    </Page>
  );
}

function ContentDetails({ item }: { item: ContentItem }) {
  const t = useCampaignTexts();
  const can = useCan();
  const { date } = useFormat();
  const mayPreview = can('content:write');
  const preview = useQuery({
    queryKey: ['content-preview-saved', item.id, item.updatedAt],
    enabled: mayPreview,
    queryFn: async () =>
      unwrap(
        await api.POST('/v1/content-items/preview', {
          body: {
            topic: item.topic,
            kind: item.kind,
            locale: item.locale,
            bodyFormat: item.bodyFormat,
            title: item.title,
            summary: item.summary,
            body: item.body,
            ...(item.link ? { link: item.link } : {}),
            variants: Object.fromEntries(
              Object.entries(item.variants ?? {}).map(([l, v]) => [
                l,
                {
                  title: v.title,
                  summary: v.summary,
                  body: v.body,
                  ...(v.link ? { link: v.link } : {}),
                },
              ]),
            ),
          },
        }),
      ),
  });
  return (
    <>
      <dl className="details">
        <div>
          <dt>{t.topic}</dt>
          <dd>{item.topic}</dd>
        </div>
        <div>
          <dt>{t.kind}</dt>
          <dd>{t.kinds[item.kind] ?? item.kind}</dd>
        </div>
        <div>
          <dt>{t.status}</dt>
          <dd>{t.statusNames[item.status] ?? item.status}</dd>
        </div>
        <div>
          <dt>{t.published}</dt>
          <dd>{date(item.publishedAt)}</dd>
        </div>
      </dl>
      {item.summary && <p>{item.summary}</p>}
      {mayPreview && (
        <details className="panel">
          <summary>{t.preview}</summary>
          {preview.error && <ErrorMessage error={preview.error} />}
          {preview.data && <EmailPreview preview={preview.data} />}
        </details>
      )}
    </>
  );
}
