import { useEffect, useState } from 'react';
import type { components } from '../../../../clients/typescript/tidings-api';
import { useLocale } from '../../i18n';

export type Campaign = components['schemas']['CampaignDto'];
export type ContentItem = components['schemas']['ContentItemDto'];
export type ContentPreview = components['schemas']['ContentItemPreviewDto'];
export type Forecast = components['schemas']['CampaignForecastDto'];
export type Segment = components['schemas']['SegmentDto'];
export type Topic = components['schemas']['TopicDto'];

/** `value`, once it has stopped changing for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Numbers and dates in the user's locale. */
export function useFormat() {
  const locale = useLocale();
  const number = new Intl.NumberFormat(locale);
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  return {
    n: (v: number | null | undefined) => (v === null || v === undefined ? '–' : number.format(v)),
    date: (v: string | null | undefined) => (v ? dateTime.format(new Date(v)) : '–'),
  };
}
