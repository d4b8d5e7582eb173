import { useQuery } from '@tanstack/react-query';
import { useId } from 'react';
import { api, ApiError, type Summary } from '../../api';
import { useLocale, useTexts } from '../../i18n';
import { PageHeading } from '../../pages/PageHeading';
import { Link } from '../../router';
import { useCan } from '../../ui/access';
import { useHomeTexts } from './texts';
import { UpcomingSection } from './Upcoming';

/** Today in UTC as a date: the reports API counts a date as that whole day (UTC). */
function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Home: today's trust figures and what goes out next, for roles with reports:read; for the
 * others (support) a sentence and links to what they can do.
 */
export function Home() {
  const t = useTexts();
  const h = useHomeTexts();
  const can = useCan();
  const locale = useLocale();
  const id = useId();
  const day = today();
  const reports = can('reports:read');
  const summary = useQuery({
    enabled: reports,
    queryKey: ['reports', 'summary', day],
    queryFn: async (): Promise<Summary> => {
      const { data, error, response } = await api.GET('/v1/reports/summary', {
        params: { query: { from: day, to: day } },
      });
      if (!data) throw new ApiError(response.status, error);
      return data;
    },
  });

  const number = new Intl.NumberFormat(locale);
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 });
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short' });

  return (
    <section aria-labelledby={`${id}-h`}>
      <PageHeading id={`${id}-h`}>{t.homeTitle}</PageHeading>
      {!reports && (
        <>
          <p>{h.noReports}</p>
          <p>{h.whatYouCanDo}</p>
          <ul>
            {can('subscribers:read') && (
              <li>
                <Link to="/subscribers">{h.findSubscribers}</Link>
              </li>
            )}
            {can('topics:read') && (
              <li>
                <Link to="/topics">{h.viewTopics}</Link>
              </li>
            )}
          </ul>
        </>
      )}
      {reports && summary.isPending && <p role="status">{t.loading}</p>}
      {summary.isError && <p role="alert">{t.somethingWrong(summary.error.message)}</p>}
      {summary.data && (
        <Figures
          data={summary.data}
          intro={t.homeIntro(dateTime.format(new Date(summary.data.period.from)))}
          n={(v) => number.format(v)}
          p={(v) => (v === null ? t.noValue : percent.format(v))}
        />
      )}
      {reports && <UpcomingSection />}
    </section>
  );
}

function Figures({
  data,
  intro,
  n,
  p,
}: {
  data: Summary;
  intro: string;
  n: (v: number) => string;
  p: (v: number | null) => string;
}) {
  const t = useTexts();
  const totals = data.totals;
  const bounces = Object.values(totals.bounces).reduce<number>(
    (sum, v) => sum + (typeof v === 'number' ? v : 0),
    0,
  );
  const skipped = Object.values(totals.skipped).reduce((sum, v) => sum + v, 0);
  const rate = data.complaintRate;
  const figures: Array<[string, string]> = [
    [t.sent, n(totals.sent)],
    [t.helpfulRatio, p(totals.helpfulRatio)],
    [t.unsubscribes, n(totals.unsubscribes)],
    [t.complaints, n(totals.complaints)],
    [
      t.complaintRate,
      `${p(rate.rate)} (${rate.withinGuideline ? t.withinGuideline : t.overGuideline})`,
    ],
    [t.bounces, n(bounces)],
    [t.skipped, n(skipped)],
    [t.suppressed, n(totals.suppressed)],
    [t.failed, n(totals.failed)],
    [t.missedDeadlines, n(totals.missedDeadlines)],
    [t.silentSubscriptions, n(data.silentSubscriptions.count)],
    [t.confirmedWithoutMessage, n(data.confirmedWithoutMessage.count)],
    [t.overCap, n(data.promotionalShare.overCap)],
  ];
  return (
    <>
      <p>{intro}</p>
      <h2>{t.figuresCaption}</h2>
      <dl className="figures">
        {figures.map(([label, value]) => (
          <div className="figure" key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}
