import { InvalidInputError } from '../../platform/errors/domain-errors';

export interface Period {
  from: Date;
  to: Date;
}

export const DEFAULT_PERIOD_DAYS = 30;
export const MAX_PERIOD_DAYS = 366;
const DAY_MS = 86_400_000;

function parse(value: string, field: 'from' | 'to'): Date {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const date = new Date(dateOnly ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(date.getTime())) {
    throw new InvalidInputError(`${field} must be an ISO 8601 date or date-time`, field);
  }
  // A date as `to` means "up to and including that day".
  return field === 'to' && dateOnly ? new Date(date.getTime() + DAY_MS) : date;
}

/** `from` inclusive, `to` exclusive; defaults to the last 30 days; at most a year. */
export function resolvePeriod(query: { from?: string; to?: string }, now: Date): Period {
  const to = query.to ? parse(query.to, 'to') : now;
  const from = query.from
    ? parse(query.from, 'from')
    : new Date(to.getTime() - DEFAULT_PERIOD_DAYS * DAY_MS);
  if (from.getTime() >= to.getTime()) {
    throw new InvalidInputError('from must be before to', 'from');
  }
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
    throw new InvalidInputError(`The period may span at most ${MAX_PERIOD_DAYS} days`, 'to');
  }
  return { from, to };
}
