import { useQuery } from '@tanstack/react-query';
import type { components } from '../../../../clients/typescript/tidings-api';
import { api } from '../../api';
import { useLocale } from '../../i18n';
import { Link } from '../../router';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { unwrap } from '../../ui/query';
import { useHomeTexts } from './texts';

type Upcoming = components['schemas']['UpcomingReportDto'];

const topicPath = (key: string) => `/topics/${encodeURIComponent(key)}`;

/** Home's "what goes out next": GET /v1/reports/upcoming, each line linking to where to act. */
export function UpcomingSection() {
  const t = useHomeTexts();
  const locale = useLocale();
  const upcoming = useQuery({
    queryKey: ['reports', 'upcoming'],
    queryFn: async () => unwrap(await api.GET('/v1/reports/upcoming')),
  });
  const dateTime = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  const number = new Intl.NumberFormat(locale);
  return (
    <section aria-labelledby="home-next">
      <h2 id="home-next">{t.nextTitle}</h2>
      {upcoming.isPending && <p role="status">…</p>}
      <ErrorMessage error={upcoming.error} />
      {upcoming.data && (
        <UpcomingBody
          data={upcoming.data}
          d={(v) => dateTime.format(new Date(v))}
          n={(v) => number.format(v)}
        />
      )}
    </section>
  );
}

function UpcomingBody({
  data,
  d,
  n,
}: {
  data: Upcoming;
  d: (v: string) => string;
  n: (v: number) => string;
}) {
  const t = useHomeTexts();
  const missedDays = data.missedDeadlines.days;
  const silent = data.silentSubscriptions;
  return (
    <>
      <p>{t.nextIntro(d(data.window.asOf), d(data.window.weekEnd))}</p>

      <h3>{t.campaignsTitle}</h3>
      {data.campaigns.length === 0 ? (
        <p>{t.noCampaigns}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t.campaign}</th>
                <th scope="col">{t.topic}</th>
                <th scope="col">{t.when}</th>
                <th scope="col">{t.audience}</th>
              </tr>
            </thead>
            <tbody>
              {data.campaigns.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/campaigns/${c.id}`}>{c.name}</Link>
                  </td>
                  <td>
                    <Link to={topicPath(c.topic.key)}>{c.topic.name}</Link>
                  </td>
                  <td>
                    {d(c.sendAt)}
                    {c.status === 'running' ? ` (${t.running})` : ''}
                  </td>
                  <td>{t.audienceOf(n(c.audience), c.segmented ? t.segmented : t.wholeTopic)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>{t.digestsTitle}</h3>
      <p className="hint">{t.digestsHint}</p>
      {data.digests.length === 0 ? (
        <p>{t.noDigests}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t.topic}</th>
                <th scope="col">{t.frequency}</th>
                <th scope="col">{t.today}</th>
                <th scope="col">{t.thisWeek}</th>
              </tr>
            </thead>
            <tbody>
              {data.digests.map((g) => (
                <tr key={`${g.topic.id}-${g.frequency}`}>
                  <td>
                    <Link to={topicPath(g.topic.key)}>{g.topic.name}</Link>
                  </td>
                  <td>{t.frequencies[g.frequency]}</td>
                  <td>{n(g.today)}</td>
                  <td>{n(g.week)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>{t.noticesTitle}</h3>
      {data.notices.length === 0 ? (
        <p>{t.noNotices}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t.rule}</th>
                <th scope="col">{t.topic}</th>
                <th scope="col">{t.today}</th>
                <th scope="col">{t.thisWeek}</th>
              </tr>
            </thead>
            <tbody>
              {data.notices.map((r) => (
                <tr key={r.rule.id}>
                  <td>
                    <Link to={`/rules/${r.rule.id}`}>{r.rule.name}</Link>
                  </td>
                  <td>
                    <Link to={topicPath(r.rule.topic.key)}>{r.rule.topic.key}</Link>
                  </td>
                  <td>{n(r.today)}</td>
                  <td>{n(r.week)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>{t.missedTitle}</h3>
      {data.missedDeadlines.total === 0 ? (
        <p>{t.noMissed(missedDays)}</p>
      ) : (
        <>
          <p>{t.missedIntro(missedDays)}</p>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.rule}</th>
                  <th scope="col">{t.missed}</th>
                </tr>
              </thead>
              <tbody>
                {data.missedDeadlines.byRule.map((r) => (
                  <tr key={r.rule.id}>
                    <td>
                      <Link to={`/rules/${r.rule.id}`}>{r.rule.name}</Link>
                    </td>
                    <td>{n(r.missed)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}

      <h3>{t.silentTitle}</h3>
      {silent.count === 0 ? (
        <p>{t.noSilent}</p>
      ) : (
        <>
          <p>{t.silentIntro(n(silent.count))}</p>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.topic}</th>
                  <th scope="col">{t.subscriptions}</th>
                </tr>
              </thead>
              <tbody>
                {silent.byTopic.map((s) => (
                  <tr key={s.topic.id}>
                    <td>
                      <Link to={topicPath(s.topic.key)}>{s.topic.name}</Link>
                    </td>
                    <td>{n(s.subscriptions)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h4>{t.longestSilent}</h4>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.subscriber}</th>
                  <th scope="col">{t.topic}</th>
                  <th scope="col">{t.frequency}</th>
                  <th scope="col">{t.dueBy}</th>
                </tr>
              </thead>
              <tbody>
                {silent.oldest.map((s) => (
                  <tr key={`${s.subscriberId}-${s.topicKey}`}>
                    <td>
                      <Link to={`/subscribers/${s.subscriberId}`} title={s.subscriberId}>
                        {s.subscriberId.slice(0, 8)}
                      </Link>
                    </td>
                    <td>{s.topicName}</td>
                    <td>{t.frequencies[s.frequency]}</td>
                    <td>{d(s.dueBy)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
