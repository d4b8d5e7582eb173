import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { api } from '../../api';
import { useLocale } from '../../i18n';
import { Link } from '../../router';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { unwrap } from '../../ui/query';
import type { Rule } from './form-model';
import { dateWords } from './summary';
import { useRuleTexts } from './texts';

const DAY_CHOICES = [30, 60, 90, 180, 366];
const SAMPLE = 25;
type Show = 'all' | 'scheduled' | 'none';

/**
 * The rule's trust audit (GET /v1/lifecycle-rules/{idOrKey}/audit): who gets the notice for a
 * date in the coming days and who does not, and why; for a disabled rule, as if it were enabled
 * now. The Enable (or Disable) button sits here, so a rule is enabled after reading this.
 */
export function RuleAudit({ rule, canWrite }: { rule: Rule; canWrite: boolean }) {
  const t = useRuleTexts();
  const locale = useLocale();
  const id = useId();
  const client = useQueryClient();
  const [days, setDays] = useState(60);
  const [show, setShow] = useState<Show>('all');
  const audit = useQuery({
    queryKey: ['lifecycle-rules', rule.key, 'audit', days, show],
    queryFn: async () =>
      unwrap(
        await api.GET('/v1/lifecycle-rules/{idOrKey}/audit', {
          params: {
            path: { idOrKey: rule.key },
            query: { days, limit: SAMPLE, ...(show === 'all' ? {} : { status: show }) },
          },
        }),
      ),
  });
  const toggle = useMutation({
    mutationFn: async (enabled: boolean) =>
      unwrap(
        await api.PATCH('/v1/lifecycle-rules/{idOrKey}', {
          params: { path: { idOrKey: rule.key } },
          body: { enabled },
        }),
      ),
    onSuccess: async (saved) => {
      client.setQueryData(['lifecycle-rules', rule.key], saved);
      await client.invalidateQueries({ queryKey: ['lifecycle-rules'] });
    },
  });

  const number = new Intl.NumberFormat(locale);
  const day = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  const moment = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const asDay = (d: string) => day.format(new Date(`${d}T00:00:00Z`));
  const data = audit.data;
  const counts = data?.counts;
  const reasons = counts ? Object.entries(counts.byReason).sort(([, a], [, b]) => b - a) : [];

  return (
    <section className="panel" aria-labelledby={`${id}-h`}>
      <div className="page-head">
        <h2 id={`${id}-h`}>{t.auditTitle}</h2>
        {canWrite && (
          <div className="actions">
            {rule.enabled ? (
              <ConfirmButton
                label={t.disable}
                question={<p>{t.disableQuestion}</p>}
                onConfirm={() => toggle.mutate(false)}
                disabled={toggle.isPending}
              />
            ) : (
              <ConfirmButton
                label={t.enable}
                danger={false}
                question={<p>{t.enableQuestion(number.format(counts?.scheduled ?? 0))}</p>}
                onConfirm={() => toggle.mutate(true)}
                disabled={toggle.isPending || !data}
              />
            )}
          </div>
        )}
      </div>
      <p role="status" className="rule-state">
        {toggle.isSuccess ? (rule.enabled ? t.nowEnabled : t.nowDisabled) : ''}
      </p>
      {toggle.error ? <ErrorMessage error={toggle.error} /> : null}
      <Field label={t.daysAhead}>
        {(p) => (
          <select {...p} value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {DAY_CHOICES.map((n) => (
              <option key={n} value={n}>
                {t.dayOptions(n)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {audit.isPending && <p role="status">…</p>}
      {audit.error ? <ErrorMessage error={audit.error} /> : null}
      {data && counts && !counts.applicable && (
        <p>
          {t.auditNotApplicable} {t.notApplicableNotes[rule.trigger.type]}
        </p>
      )}
      {data && counts?.applicable && (
        <>
          <p>
            {(data.asIfEnabled ? t.auditIntroPreview : t.auditIntroLive)(
              asDay(data.window.from),
              asDay(data.window.to),
            )}
          </p>
          <dl className="figures" data-testid="audit-figures">
            {(
              [
                [t.willGet, counts.scheduled],
                [t.alreadySent, counts.sent],
                [t.willNotGet, counts.none],
                [t.datesInWindow, counts.dates],
                [t.withoutDate(dateWords(rule.trigger.date)), data.withoutDate ?? 0],
                [t.afterWindow, data.afterWindow ?? 0],
              ] as Array<[string, number]>
            ).map(([label, value]) => (
              <div className="figure" key={label}>
                <dt>{label}</dt>
                <dd>{number.format(value)}</dd>
              </div>
            ))}
          </dl>
          <h3>{t.whyNot}</h3>
          {reasons.length === 0 ? (
            <p>{t.noReasons}</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="audit-reasons">
                <thead>
                  <tr>
                    <th scope="col">{t.reasonColumn}</th>
                    <th scope="col">{t.count}</th>
                  </tr>
                </thead>
                <tbody>
                  {reasons.map(([reason, n]) => (
                    <tr key={reason}>
                      <td>{t.reasons[reason] ?? reason}</td>
                      <td>{number.format(n)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      {data && (counts?.applicable ?? true) && (
        <>
          <h3>{t.sample}</h3>
          <Field label={t.show}>
            {(p) => (
              <select {...p} value={show} onChange={(e) => setShow(e.target.value as Show)}>
                <option value="all">{t.showAll}</option>
                <option value="scheduled">{t.showScheduled}</option>
                <option value="none">{t.showNone}</option>
              </select>
            )}
          </Field>
          {data.items.length === 0 ? (
            <p>{t.noRows}</p>
          ) : (
            <div className="table-wrap">
              <table data-testid="audit-sample">
                <thead>
                  <tr>
                    <th scope="col">{t.subscriber}</th>
                    <th scope="col">{t.date}</th>
                    <th scope="col">{t.outcome}</th>
                    <th scope="col">{t.sendAt}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((item) => (
                    <tr key={`${item.subscriberId}-${item.date}`}>
                      <td>
                        <Link to={`/subscribers/${item.subscriberId}`}>
                          <code>{item.subscriberId.slice(0, 8)}</code>
                        </Link>
                      </td>
                      <td>{asDay(item.date)}</td>
                      <td>
                        {t.outcomes[item.status]}
                        {item.reason ? `: ${t.reasons[item.reason] ?? item.reason}` : ''}
                      </td>
                      <td>{item.sendAt ? moment.format(new Date(item.sendAt)) : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {data.nextCursor && <p className="hint">{t.more(data.items.length)}</p>}
        </>
      )}
    </section>
  );
}
