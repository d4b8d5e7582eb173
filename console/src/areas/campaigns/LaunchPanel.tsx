import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useMemo, useState, type FormEvent } from 'react';
import { api } from '../../api';
import { navigate } from '../../router';
import { useCan } from '../../ui/access';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { fieldErrors, unwrap } from '../../ui/query';
import { EMPTY_SEGMENT, SegmentBuilder, toSegment, type SegmentForm } from './SegmentBuilder';
import { useDebounced, useFormat, type ContentItem, type Forecast } from './shared';
import { useCampaignTexts } from './texts';

/**
 * A content item's campaign: the segment with its audience counted as it changes, the forecast,
 * and (for roles with campaigns:write) when to send and the launch.
 */
export function LaunchPanel({ item }: { item: ContentItem }) {
  const t = useCampaignTexts();
  const can = useCan();
  const id = useId();
  const { n, date } = useFormat();
  const mayLaunch = can('campaigns:write');
  const [form, setForm] = useState<SegmentForm>(EMPTY_SEGMENT);
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [sendAtLocal, setSendAtLocal] = useState('');
  const [name, setName] = useState('');
  // One key per visit of this form: a double submit returns the same campaign. (getRandomValues,
  // not randomUUID: the latter exists only in secure contexts, and a console may be plain http.)
  const idempotencyKey = useMemo(
    () =>
      `console-${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')}`,
    [],
  );

  const sendAt = when === 'later' && sendAtLocal ? new Date(sendAtLocal).toISOString() : undefined;
  const segment = toSegment(form);
  const settled = useDebounced(JSON.stringify({ segment, sendAt }), 350);
  const request = JSON.parse(settled) as { segment: typeof segment; sendAt?: string };

  const count = useQuery({
    queryKey: ['campaign-audience', item.topic, settled],
    placeholderData: (previous) => previous,
    retry: false,
    queryFn: async () =>
      unwrap(
        await api.POST('/v1/campaigns/audience', {
          body: { topic: item.topic, segment: request.segment, sendAt: request.sendAt },
        }),
      ),
  });
  const forecast = useQuery({
    queryKey: ['campaign-forecast', item.id, settled],
    placeholderData: (previous) => previous,
    retry: false,
    queryFn: async () =>
      unwrap(
        await api.POST('/v1/campaigns/forecast', {
          body: {
            topic: item.topic,
            contentItem: item.id,
            segment: request.segment,
            sendAt: request.sendAt,
          },
        }),
      ),
  });

  const launch = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/v1/campaigns', {
          body: {
            topic: item.topic,
            contentItem: item.id,
            segment,
            sendAt,
            idempotencyKey,
            ...(name.trim() ? { name: name.trim() } : {}),
          },
        }),
      ),
    onSuccess: (campaign) => navigate(`/campaigns/${campaign.id}`),
  });
  const errors = {
    ...fieldErrors(count.error),
    ...fieldErrors(forecast.error),
    ...fieldErrors(launch.error),
  };
  const [pickTime, setPickTime] = useState(false);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (when === 'later' && !sendAt) {
      setPickTime(true);
      return;
    }
    setPickTime(false);
    launch.mutate();
  }

  return (
    <section aria-labelledby={`${id}-h`} className="panel">
      <h2 id={`${id}-h`}>{t.sendHeading}</h2>
      {!mayLaunch && <p>{t.readOnly}</p>}
      <form onSubmit={submit} noValidate>
        <h3>{t.segmentHeading}</h3>
        <p className="hint">{t.segmentIntro}</p>
        <SegmentBuilder form={form} onChange={setForm} errors={errors} />
        <p role="status" aria-live="polite" className="audience-count">
          {count.isFetching && !count.data
            ? t.counting
            : count.data
              ? t.audienceCount(n(count.data.count))
              : ''}
        </p>
        {count.error && !Object.keys(fieldErrors(count.error)).length ? (
          <ErrorMessage error={count.error} />
        ) : null}

        <h3>{t.forecastHeading}</h3>
        <p className="hint">{t.forecastIntro}</p>
        {forecast.data && <ForecastFigures forecast={forecast.data} />}
        {forecast.data && <p className="hint">{t.forecastNote}</p>}
        {forecast.data && sendAt && <p className="hint">{t.forecastLater(date(sendAt))}</p>}
        {forecast.error && !count.error ? <ErrorMessage error={forecast.error} /> : null}

        {mayLaunch && (
          <>
            <fieldset>
              <legend>{t.when}</legend>
              <label className="choice">
                <input
                  type="radio"
                  name={`${id}-when`}
                  checked={when === 'now'}
                  onChange={() => setWhen('now')}
                />{' '}
                {t.sendNow}
              </label>
              <label className="choice">
                <input
                  type="radio"
                  name={`${id}-when`}
                  checked={when === 'later'}
                  onChange={() => setWhen('later')}
                />{' '}
                {t.sendLater}
              </label>
              {when === 'later' && (
                <Field
                  label={t.sendAtLabel}
                  type="datetime-local"
                  value={sendAtLocal}
                  onChange={(e) => setSendAtLocal(e.target.value)}
                  error={pickTime ? t.pickTime : errors.sendAt}
                />
              )}
            </fieldset>
            <Field
              label={t.campaignName}
              hint={t.campaignNameHint}
              value={name}
              maxLength={200}
              onChange={(e) => setName(e.target.value)}
              error={errors.name}
            />
            {launch.error && <ErrorMessage error={launch.error} />}
            <button type="submit" disabled={launch.isPending}>
              {launch.isPending ? t.launching : when === 'later' ? t.schedule : t.launch}
            </button>
          </>
        )}
      </form>
    </section>
  );
}

function ForecastFigures({ forecast }: { forecast: Forecast }) {
  const t = useCampaignTexts();
  const { n } = useFormat();
  const rows: Array<[string, number]> = [
    [t.forecastAudience, forecast.audienceSize],
    [t.forecastNow, forecast.sendNow],
    [t.forecastFolded, forecast.folded],
    [t.forecastAlready, forecast.skipped.already_received],
    [t.forecastFrequency, forecast.skipped.frequency],
    [t.forecastMix, forecast.skipped.content_mix],
    [t.forecastSuppressed, forecast.atSendTime.suppressed],
    [t.forecastPaused, forecast.atSendTime.paused],
  ];
  return (
    <dl className="figures forecast">
      {rows.map(([label, value]) => (
        <div className="figure" key={label}>
          <dt>{label}</dt>
          <dd>{n(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
