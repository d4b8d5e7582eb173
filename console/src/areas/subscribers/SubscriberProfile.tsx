import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../../api';
import { useTexts } from '../../i18n';
import { useCan } from '../../ui/access';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { Page } from '../../ui/Page';
import { fieldErrors, unwrap } from '../../ui/query';
import { useFormat } from './format';
import { TableWrap } from '../../ui/TableWrap';
import { useSubscriberTexts } from './texts';

/** /subscribers/:id: who they are, what they get, what they agreed to, what was sent, and support's actions. */
export default function SubscriberProfile({ id }: { id: string }) {
  const t = useSubscriberTexts();
  const f = useFormat();
  const subscriber = useQuery({
    queryKey: ['subscriber', id],
    queryFn: async () =>
      unwrap(await api.GET('/v1/subscribers/{id}', { params: { path: { id } } })),
    retry: (n, e) => !(e instanceof ApiError && e.status < 500) && n < 2,
  });
  const s = subscriber.data;
  const gone = subscriber.error instanceof ApiError && subscriber.error.status === 404;

  return (
    <div className="subscriber-page">
      <Page
        title={s ? (s.email ?? t.profileTitle) : t.profileTitle}
        loading={subscriber.isPending}
        error={gone ? undefined : subscriber.error}
      >
        {gone && <p>{t.notFound}</p>}
        {s && s.status === 'erased' && (
          <p role="status" className="panel">
            {t.erasedNotice}
          </p>
        )}
        {s && s.status !== 'erased' && (
          <>
            <Section title={t.details}>
              <dl className="facts">
                <Fact label={t.email}>{s.email}</Fact>
                <Fact label={t.name}>{s.name ?? '—'}</Fact>
                <Fact label={t.status}>{t.statuses[s.status] ?? s.status}</Fact>
                <Fact label={t.customer}>{s.isCustomer ? t.isCustomer : t.isProspect}</Fact>
                <Fact label={t.language}>{s.locale}</Fact>
                <Fact label={t.timezone}>{s.timezone}</Fact>
                <Fact label={t.pausedUntil}>
                  {s.pausedUntil && new Date(s.pausedUntil) > new Date()
                    ? f.dateTime(s.pausedUntil)
                    : t.notPaused}
                </Fact>
                <Fact label={t.weeklyCap}>
                  {s.weeklyCap === null ? t.defaultCap : f.number(s.weeklyCap)}
                </Fact>
                <Fact label={t.confirmedAt}>{f.dateTime(s.confirmedAt)}</Fact>
                <Fact label={t.created}>{f.dateTime(s.createdAt)}</Fact>
                <Fact label={t.updatedAt}>{f.dateTime(s.updatedAt)}</Fact>
              </dl>
            </Section>
            <SupportActions id={s.id} status={s.status} pausedUntil={s.pausedUntil} />
            <Subscriptions id={s.id} subscriptions={s.subscriptions ?? []} />
            <Section title={t.datesAndAttributes}>
              {Object.keys(s.dates).length + Object.keys(s.attributes).length === 0 ? (
                <p>{t.noDates}</p>
              ) : (
                <dl className="facts">
                  {Object.entries(s.dates).map(([k, v]) => (
                    <Fact key={`d-${k}`} label={k}>
                      {f.day(v)}
                    </Fact>
                  ))}
                  {Object.entries(s.attributes).map(([k, v]) => (
                    <Fact key={`a-${k}`} label={k}>
                      {typeof v === 'string' ? v : JSON.stringify(v)}
                    </Fact>
                  ))}
                </dl>
              )}
            </Section>
            <Purposes id={s.id} />
            <ConsentHistory id={s.id} />
          </>
        )}
        {s && <Messages id={s.id} />}
      </Page>
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id} className="panel">
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

type Subscription = {
  id: string;
  topic: string;
  status: string;
  frequency: string;
  lastDeliveredAt: string | null;
  nextDueAt: string | null;
};

function useRefresh(id: string) {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: ['subscriber', id] });
}

function Subscriptions({ id, subscriptions }: { id: string; subscriptions: Subscription[] }) {
  const t = useSubscriberTexts();
  const f = useFormat();
  const can = useCan();
  const refresh = useRefresh(id);
  const [done, setDone] = useState('');
  const leave = useMutation({
    mutationFn: async (topic: string) =>
      unwrap(
        await api.DELETE('/v1/subscribers/{id}/subscriptions/{topic}', {
          params: { path: { id, topic } },
        }),
      ),
    onSuccess: async (r, topic) => {
      setDone(r.changed ? t.unsubscribedOne(topic) : t.nothingChanged);
      await refresh();
    },
  });
  return (
    <Section title={t.subscriptions}>
      <p role="status">{done}</p>
      <ErrorMessage error={leave.error} />
      {subscriptions.length === 0 ? (
        <p>{t.noSubscriptions}</p>
      ) : (
        <TableWrap label={t.subscriptions}>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.topic}</th>
                <th scope="col">{t.status}</th>
                <th scope="col">{t.frequency}</th>
                <th scope="col">{t.lastDelivered}</th>
                <th scope="col">{t.nextDue}</th>
                {can('subscribers:write') && <th scope="col">{t.actionColumn}</th>}
              </tr>
            </thead>
            <tbody>
              {subscriptions.map((x) => (
                <tr key={x.id}>
                  <td>{x.topic}</td>
                  <td>{x.status}</td>
                  <td>{x.frequency}</td>
                  <td>{f.dateTime(x.lastDeliveredAt)}</td>
                  <td>{f.dateTime(x.nextDueAt)}</td>
                  {can('subscribers:write') && (
                    <td>
                      {x.status !== 'unsubscribed' && (
                        <ConfirmButton
                          label={t.unsubscribeFrom(x.topic)}
                          question={t.unsubscribeQuestion(x.topic)}
                          confirmLabel={t.unsubscribe}
                          onConfirm={() => leave.mutate(x.topic)}
                          disabled={leave.isPending}
                        />
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Section>
  );
}

/** Tomorrow as YYYY-MM-DD in the browser's zone (the date input's minimum). */
function tomorrow(): string {
  const d = new Date(Date.now() + 86400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function SupportActions({
  id,
  status,
  pausedUntil,
}: {
  id: string;
  status: string;
  pausedUntil: string | null;
}) {
  const t = useSubscriberTexts();
  const f = useFormat();
  const can = useCan();
  const refresh = useRefresh(id);
  const [done, setDone] = useState('');
  const [until, setUntil] = useState('');
  const path = { params: { path: { id } } };

  const resend = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/v1/subscribers/{id}/resend-confirmation', path)),
    onSuccess: (r) => setDone(r.messageId ? t.confirmationQueued : t.confirmationRepeat),
  });
  const link = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/subscribers/{id}/preference-link', path)),
    onSuccess: (r) => setDone(r.messageId ? t.linkQueued : t.linkRepeat),
  });
  const pause = useMutation({
    mutationFn: async (day: string) =>
      unwrap(await api.POST('/v1/subscribers/{id}/pause', { ...path, body: { until: day } })),
    onSuccess: async (_r, day) => {
      setDone(t.paused(f.day(day)));
      await refresh();
    },
  });
  const resume = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/v1/subscribers/{id}/pause', path)),
    onSuccess: async () => {
      setDone(t.resumed);
      await refresh();
    },
  });
  const leaveAll = useMutation({
    mutationFn: async () => unwrap(await api.POST('/v1/subscribers/{id}/unsubscribe-all', path)),
    onSuccess: async (r) => {
      setDone(r.changed ? t.unsubscribedAll : t.nothingChanged);
      await refresh();
    },
  });
  const erase = useMutation({
    mutationFn: async () => unwrap(await api.DELETE('/v1/subscribers/{id}', path)),
    onSuccess: refresh,
  });

  if (!can('subscribers:write')) return null;
  const failed = [resend, link, resume, leaveAll, erase].find((m) => m.error)?.error;
  const pauseErrors = fieldErrors(pause.error);
  const submitPause = (e: FormEvent) => {
    e.preventDefault();
    pause.mutate(until);
  };
  const paused = pausedUntil !== null && new Date(pausedUntil) > new Date();

  return (
    <Section title={t.actionsTitle}>
      <div className="support-actions">
        <p role="status">{done}</p>
        <ErrorMessage error={failed} />
        <div className="row">
          {status === 'pending' && (
            <button type="button" onClick={() => resend.mutate()} disabled={resend.isPending}>
              {t.resendConfirmation}
            </button>
          )}
          <button type="button" onClick={() => link.mutate()} disabled={link.isPending}>
            {t.sendPreferenceLink}
          </button>
          <a className="button" href={`/v1/subscribers/${encodeURIComponent(id)}/export`} download>
            {t.exportData}
          </a>
        </div>
        <form onSubmit={submitPause}>
          <Field
            label={t.pauseUntil}
            hint={t.pauseHint}
            type="date"
            required
            min={tomorrow()}
            value={until}
            error={pauseErrors.until}
            onChange={(e) => setUntil(e.target.value)}
          />
          {pause.error && !pauseErrors.until ? <ErrorMessage error={pause.error} /> : null}
          <div className="row">
            <button type="submit" disabled={pause.isPending}>
              {t.pause}
            </button>
            {paused && (
              <button
                type="button"
                className="secondary"
                onClick={() => resume.mutate()}
                disabled={resume.isPending}
              >
                {t.resume}
              </button>
            )}
          </div>
        </form>
        <div className="row">
          <ConfirmButton
            label={t.unsubscribeAll}
            question={t.unsubscribeAllQuestion}
            onConfirm={() => leaveAll.mutate()}
            disabled={leaveAll.isPending}
          />
          <ConfirmButton
            label={t.erase}
            question={t.eraseQuestion}
            confirmLabel={t.eraseConfirm}
            onConfirm={() => erase.mutate()}
            disabled={erase.isPending}
          />
        </div>
      </div>
    </Section>
  );
}

function Purposes({ id }: { id: string }) {
  const t = useSubscriberTexts();
  const common = useTexts();
  const f = useFormat();
  const purposes = useQuery({
    queryKey: ['subscriber', id, 'purposes'],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/subscribers/{idOrEmail}/purposes', {
          params: { path: { idOrEmail: id } },
        }),
      ),
  });
  return (
    <Section title={t.purposes}>
      {purposes.isPending && <p role="status">{common.loading}</p>}
      <ErrorMessage error={purposes.error} />
      {purposes.data &&
        (purposes.data.length === 0 ? (
          <p>{t.noPurposes}</p>
        ) : (
          <TableWrap label={t.purposes}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.purpose}</th>
                  <th scope="col">{t.legalBasis}</th>
                  <th scope="col">{t.decision}</th>
                  <th scope="col">{t.inUse}</th>
                  <th scope="col">{t.changedAt}</th>
                </tr>
              </thead>
              <tbody>
                {purposes.data.map((p) => (
                  <tr key={p.purpose}>
                    <td>{p.purpose}</td>
                    <td>{p.legalBasis}</td>
                    <td>{p.decision ?? '—'}</td>
                    <td>{p.inUse ? t.yes : t.no}</td>
                    <td>{f.dateTime(p.changedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ))}
    </Section>
  );
}

function ConsentHistory({ id }: { id: string }) {
  const t = useSubscriberTexts();
  const common = useTexts();
  const f = useFormat();
  const history = useQuery({
    queryKey: ['subscriber', id, 'consent'],
    queryFn: async () =>
      unwrap(await api.GET('/v1/subscribers/{id}/consent', { params: { path: { id } } })),
  });
  return (
    <Section title={t.consentHistory}>
      {history.isPending && <p role="status">{common.loading}</p>}
      <ErrorMessage error={history.error} />
      {history.data &&
        (history.data.length === 0 ? (
          <p>{t.noConsent}</p>
        ) : (
          <TableWrap label={t.consentHistory}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.when}</th>
                  <th scope="col">{t.action}</th>
                  <th scope="col">{t.topic}</th>
                  <th scope="col">{t.wording}</th>
                  <th scope="col">{t.source}</th>
                </tr>
              </thead>
              <tbody>
                {[...history.data].reverse().map((e) => (
                  <tr key={e.id}>
                    <td>{f.dateTime(e.occurredAt)}</td>
                    <td>{e.action}</td>
                    <td>{e.topicName ?? e.topic ?? '—'}</td>
                    <td className="wrap">
                      {e.wording} <span className="hint">({e.wordingVersion})</span>
                    </td>
                    <td>{e.source}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ))}
    </Section>
  );
}

function Messages({ id }: { id: string }) {
  const t = useSubscriberTexts();
  const common = useTexts();
  const f = useFormat();
  const messages = useInfiniteQuery({
    queryKey: ['subscriber', id, 'messages'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/v1/messages', {
          params: { query: { subscriber: id, limit: 25, cursor: pageParam } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = messages.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Section title={t.messages}>
      {messages.isPending && <p role="status">{common.loading}</p>}
      <ErrorMessage error={messages.error} />
      {messages.data &&
        (rows.length === 0 ? (
          <p>{t.noMessages}</p>
        ) : (
          <TableWrap label={t.messages}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t.created}</th>
                  <th scope="col">{t.template}</th>
                  <th scope="col">{t.kind}</th>
                  <th scope="col">{t.topic}</th>
                  <th scope="col">{t.status}</th>
                  <th scope="col">{t.reason}</th>
                  <th scope="col">{t.sentAt}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((m) => (
                  <tr key={m.id}>
                    <td>{f.dateTime(m.createdAt)}</td>
                    <td>{m.template}</td>
                    <td>{m.kind}</td>
                    <td>{m.topic ?? '—'}</td>
                    <td>{m.status}</td>
                    <td className="wrap">{m.skipReason ?? m.lastError ?? '—'}</td>
                    <td>{f.dateTime(m.sentAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        ))}
      {messages.hasNextPage && (
        <button
          type="button"
          className="secondary"
          onClick={() => void messages.fetchNextPage()}
          disabled={messages.isFetchingNextPage}
        >
          {t.moreMessages}
        </button>
      )}
    </Section>
  );
}
