import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
import { Link } from '../../router';
import { useCan } from '../../ui/access';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Page } from '../../ui/Page';
import { unwrap } from '../../ui/query';
import { useFormat, type Campaign } from './shared';
import { useCampaignTexts } from './texts';

const ACTIVE = new Set(['scheduled', 'running', 'sending']);

/** /campaigns/:id: progress while it runs (polled), cancel or resume, and its figures. */
export default function CampaignPage({ id }: { id: string }) {
  const t = useCampaignTexts();
  const can = useCan();
  const client = useQueryClient();
  const campaign = useQuery({
    queryKey: ['campaign', id],
    queryFn: async () => unwrap(await api.GET('/v1/campaigns/{id}', { params: { path: { id } } })),
    // Polled while something is still happening; stops once it is sent, cancelled or failed, or
    // once the after-effects (bounces, unsubscribes) are in.
    refetchInterval: (q) => {
      const c = q.state.data;
      if (!c) return false;
      return ACTIVE.has(c.status) || (c.status === 'sent' && c.stats.bounced === null)
        ? 1000
        : false;
    },
  });
  const onDone = (c: Campaign) => client.setQueryData(['campaign', id], c);
  const cancel = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/v1/campaigns/{id}/cancel', { params: { path: { id } } })),
    onSuccess: onDone,
  });
  const resume = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/v1/campaigns/{id}/resume', { params: { path: { id } } })),
    onSuccess: onDone,
  });
  const c = campaign.data;
  const mayWrite = can('campaigns:write');
  return (
    <Page
      title={c ? c.name : t.campaignTitle}
      loading={campaign.isPending}
      error={campaign.error}
      actions={
        c && mayWrite ? (
          <>
            {ACTIVE.has(c.status) && (
              <ConfirmButton
                label={t.cancelCampaign}
                question={t.cancelQuestion}
                confirmLabel={t.cancelConfirm}
                onConfirm={() => cancel.mutate()}
                disabled={cancel.isPending}
              />
            )}
            {c.status === 'failed' && (
              <button type="button" onClick={() => resume.mutate()} disabled={resume.isPending}>
                {t.resume}
              </button>
            )}
          </>
        ) : undefined
      }
    >
      {cancel.error && <ErrorMessage error={cancel.error} />}
      {resume.error && <ErrorMessage error={resume.error} />}
      {c && <CampaignDetails campaign={c} />}
    </Page>
  );
}

function CampaignDetails({ campaign: c }: { campaign: Campaign }) {
  const t = useCampaignTexts();
  const { n, date } = useFormat();
  const s = c.stats;
  const total = s.audienceSize ?? 0;
  // Handled: every ledger row that is no longer waiting to be sent.
  const handled = c.status === 'scheduled' ? 0 : Math.max(0, s.fannedOut - s.queued - s.sending);
  const skippedRows = Object.entries(s.skipped).filter(([, v]) => v > 0);
  const figures: Array<[string, string]> = [
    [t.audienceSize, n(s.audienceSize)],
    [t.sent, n(s.sent)],
    [t.folded, n(s.folded)],
    [t.suppressed, n(s.suppressed)],
    [t.failed, n(s.failed)],
    [t.bounced, s.bounced === null ? t.notYet : n(s.bounced)],
    [t.unsubscribedAfter, s.unsubscribedAfter === null ? t.notYet : n(s.unsubscribedAfter)],
    [t.helpful, n(s.helpfulVotes?.helpful ?? 0)],
    [t.notHelpful, n(s.helpfulVotes?.notHelpful ?? 0)],
  ];
  return (
    <>
      <dl className="details">
        <div>
          <dt>{t.status}</dt>
          <dd className="campaign-status">{t.statusNames[c.status] ?? c.status}</dd>
        </div>
        <div>
          <dt>{t.topic}</dt>
          <dd>{c.topic}</dd>
        </div>
        <div>
          <dt>{t.sendAt}</dt>
          <dd>{date(c.sendAt)}</dd>
        </div>
        {c.finishedAt && (
          <div>
            <dt>{t.finished}</dt>
            <dd>{date(c.finishedAt)}</dd>
          </div>
        )}
        {c.contentItem && (
          <div>
            <dt>{t.content}</dt>
            <dd>
              <Link to={`/campaigns/content/${c.contentItem}`}>{c.name}</Link>
            </dd>
          </div>
        )}
      </dl>
      {c.status === 'failed' && s.failureReason && (
        <p role="alert">{t.failedBecause(s.failureReason)}</p>
      )}
      <div className="progress">
        <label htmlFor={`progress-${c.id}`}>{t.progressLabel}</label>
        <progress id={`progress-${c.id}`} max={Math.max(total, 1)} value={Math.min(handled, total)}>
          {t.progressText(n(handled), n(total))}
        </progress>
        <p role="status" aria-live="polite" className="progress-text">
          {c.status === 'scheduled'
            ? t.progressScheduled(date(c.sendAt))
            : t.progressText(n(handled), n(total))}
        </p>
      </div>
      <h2>{t.statsHeading}</h2>
      <dl className="figures">
        {figures.map(([label, value]) => (
          <div className="figure" key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <h2>{t.skippedHeading}</h2>
      {skippedRows.length === 0 ? (
        <p>{t.noneSkipped}</p>
      ) : (
        <div className="table-wrap">
          <table className="skipped">
            <thead>
              <tr>
                <th scope="col">{t.reason}</th>
                <th scope="col">{t.count}</th>
              </tr>
            </thead>
            <tbody>
              {skippedRows.map(([reason, count]) => (
                <tr key={reason}>
                  <td>{t.reasons[reason] ?? reason}</td>
                  <td>{n(count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
