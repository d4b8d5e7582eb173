import { useInfiniteQuery } from '@tanstack/react-query';
import { api } from '../../api';
import { useTexts } from '../../i18n';
import { Link } from '../../router';
import { useCan } from '../../ui/access';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Page } from '../../ui/Page';
import { unwrap } from '../../ui/query';
import { useFormat, type Campaign, type ContentItem } from './shared';

type CampaignPage = { items: Campaign[]; nextCursor: string | null };
type ContentPage = { items: ContentItem[]; nextCursor: string | null };
import { useCampaignTexts } from './texts';

/** /campaigns: campaigns with their status and content items, newest first. */
export default function CampaignList() {
  const t = useCampaignTexts();
  const common = useTexts();
  const can = useCan();
  const { n, date } = useFormat();
  const campaigns = useInfiniteQuery({
    queryKey: ['campaigns'],
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: CampaignPage) => last.nextCursor ?? undefined,
    refetchInterval: 5000,
    queryFn: async ({ pageParam }): Promise<CampaignPage> =>
      unwrap(
        await api.GET('/v1/campaigns', { params: { query: { limit: 20, cursor: pageParam } } }),
      ),
  });
  const content = useInfiniteQuery({
    queryKey: ['content-items'],
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: ContentPage) => last.nextCursor ?? undefined,
    queryFn: async ({ pageParam }): Promise<ContentPage> =>
      unwrap(
        await api.GET('/v1/content-items', {
          params: { query: { limit: 20, cursor: pageParam } },
        }),
      ),
  });
  const campaignRows = campaigns.data?.pages.flatMap((p) => p.items) ?? [];
  const contentRows = content.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Page
      title={t.listTitle}
      actions={
        can('content:write') ? (
          <Link to="/campaigns/new" className="button-link">
            {t.writeContent}
          </Link>
        ) : undefined
      }
    >
      <h2>{t.campaignsHeading}</h2>
      {campaigns.isPending && <p role="status">{common.loading}</p>}
      {campaigns.error && <ErrorMessage error={campaigns.error} />}
      {campaigns.data && !campaignRows.length && <p>{t.noCampaigns}</p>}
      {campaignRows.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t.name}</th>
                <th scope="col">{t.topic}</th>
                <th scope="col">{t.status}</th>
                <th scope="col">{t.sendAt}</th>
                <th scope="col">{t.sent}</th>
              </tr>
            </thead>
            <tbody>
              {campaignRows.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/campaigns/${c.id}`}>{c.name}</Link>
                  </td>
                  <td>{c.topic}</td>
                  <td>{t.statusNames[c.status] ?? c.status}</td>
                  <td>{date(c.sendAt)}</td>
                  <td>{n(c.stats.sent)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {campaigns.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void campaigns.fetchNextPage()}>
          {t.more}
        </button>
      )}

      <h2>{t.contentHeading}</h2>
      {content.error && <ErrorMessage error={content.error} />}
      {content.data && !contentRows.length && <p>{t.noContent}</p>}
      {contentRows.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t.title}</th>
                <th scope="col">{t.topic}</th>
                <th scope="col">{t.kind}</th>
                <th scope="col">{t.status}</th>
                <th scope="col">{t.published}</th>
              </tr>
            </thead>
            <tbody>
              {contentRows.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/campaigns/content/${c.id}`}>{c.title}</Link>
                  </td>
                  <td>{c.topic}</td>
                  <td>{t.kinds[c.kind] ?? c.kind}</td>
                  <td>{t.statusNames[c.status] ?? c.status}</td>
                  <td>{date(c.publishedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {content.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void content.fetchNextPage()}>
          {t.more}
        </button>
      )}
    </Page>
  );
}
