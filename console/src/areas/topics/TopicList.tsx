import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api } from '../../api';
import { useLocale } from '../../i18n';
import { Link } from '../../router';
import { useCan } from '../../ui/access';
import { Page } from '../../ui/Page';
import { unwrap } from '../../ui/query';
import { topicName, type TopicDto } from './api-types';
import { FREQUENCIES, useTopicTexts, type Frequency } from './texts';

/** /topics: every topic with its kind, frequencies and subscribers per frequency. */
export default function TopicList() {
  const t = useTopicTexts();
  const locale = useLocale();
  const can = useCan();
  const id = useId();
  const [archived, setArchived] = useState(false);
  const topics = useQuery({
    queryKey: ['topics', 'list', { archived, counts: true }],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/topics', {
          params: { query: { counts: true, includeArchived: archived } },
        }),
      ),
  });
  const number = new Intl.NumberFormat(locale);
  const writable = can('topics:write');

  return (
    <Page
      title={t.listTitle}
      actions={
        writable ? (
          <Link to="/topics/new" className="button-link">
            {t.newTopic}
          </Link>
        ) : undefined
      }
      loading={topics.isPending}
      error={topics.error}
    >
      {!writable && <p>{t.readOnly}</p>}
      <div className="topics-filter">
        <input
          id={`${id}-archived`}
          type="checkbox"
          checked={archived}
          onChange={(e) => setArchived(e.target.checked)}
        />
        <label htmlFor={`${id}-archived`}>{t.showArchived}</label>
      </div>
      {topics.data && topics.data.length === 0 && <p>{writable ? t.none : t.noneReadOnly}</p>}
      {topics.data && topics.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t.key}</th>
                <th scope="col">{t.name}</th>
                <th scope="col">{t.kind}</th>
                <th scope="col">{t.frequenciesColumn}</th>
                <th scope="col">{t.subscribersPer}</th>
              </tr>
            </thead>
            <tbody>
              {topics.data.map((topic) => (
                <TopicRow key={topic.id} topic={topic} n={(v) => number.format(v)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Page>
  );
}

function TopicRow({ topic, n }: { topic: TopicDto; n: (v: number) => string }) {
  const t = useTopicTexts();
  const locale = useLocale();
  const counts = topic.subscribers;
  return (
    <tr>
      <td>
        <Link to={`/topics/${encodeURIComponent(topic.key)}`}>{topic.key}</Link>
        {topic.archivedAt && <> ({t.archivedShort})</>}
      </td>
      <td>{topicName(topic, locale)}</td>
      <td>{t.kindShort[topic.kind]}</td>
      <td>
        {topic.allowedFrequencies
          .map(
            (f) =>
              `${t.frequencies[f]}${f === topic.defaultFrequency ? ` (${t.defaultMark})` : ''}`,
          )
          .join(', ')}
      </td>
      <td>
        {counts && (
          <ul className="topic-counts">
            {FREQUENCIES.filter(
              (f: Frequency) => topic.allowedFrequencies.includes(f) || counts.byFrequency[f] > 0,
            ).map((f) => (
              <li key={f}>
                {t.frequencies[f]}: {n(counts.byFrequency[f])}
              </li>
            ))}
            <li>
              <strong>
                {t.total}: {n(counts.total)}
              </strong>
            </li>
          </ul>
        )}
      </td>
    </tr>
  );
}
