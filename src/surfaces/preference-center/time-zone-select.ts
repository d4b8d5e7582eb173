import { DateTime } from 'luxon';
import { html, SafeHtml } from '../../platform/http/page';
import { locales, Locale } from '../../platform/locale';
import { languageName } from './texts/texts';

/** Every IANA zone this runtime knows (what the server's IsTimeZone accepts), plus UTC. */
const ZONES: readonly string[] = ['UTC', ...Intl.supportedValuesOf('timeZone')];

/** The zones grouped by region ("Australia" → "Sydney (UTC+11:00)"), with the offset of `now`. */
function groups(now: Date, extra: string | undefined) {
  const byRegion = new Map<string, Array<{ value: string; label: string }>>();
  const zones = extra && !ZONES.includes(extra) ? [...ZONES, extra] : ZONES;
  for (const zone of zones) {
    const slash = zone.indexOf('/');
    const region = slash > 0 ? zone.slice(0, slash) : '';
    const place = (slash > 0 ? zone.slice(slash + 1) : zone)
      .replace(/_/g, ' ')
      .replace(/\//g, ' / ');
    const local = DateTime.fromJSDate(now, { zone });
    const offset = local.isValid ? ` (UTC${local.toFormat('ZZ')})` : '';
    const list = byRegion.get(region) ?? [];
    list.push({ value: zone, label: `${place}${offset}` });
    byRegion.set(region, list);
  }
  return [...byRegion.entries()];
}

/**
 * The time zone select of the subscribe form and the preference page: every zone, grouped by
 * region, `selected` chosen. The subscribe form's script sets the browser's zone; without
 * JavaScript the person picks it here.
 */
export function timeZoneSelect(
  id: string,
  selected: string,
  now: Date,
  attributes: SafeHtml = html``,
): SafeHtml {
  const option = (o: { value: string; label: string }) =>
    html`<option value="${o.value}" ${new SafeHtml(o.value === selected ? 'selected' : '')}>
      ${o.label}
    </option>`;
  return html`<select id="${id}" name="timezone" ${attributes}>
    ${groups(now, selected).map(([region, zones]) =>
      region
        ? html`<optgroup label="${region}">${zones.map(option)}</optgroup>`
        : html`${zones.map(option)}`,
    )}
  </select>`;
}

/** The language select: each language named in itself. */
export function languageSelect(
  id: string,
  selected: Locale,
  attributes: SafeHtml = html``,
): SafeHtml {
  return html`<select id="${id}" name="locale" ${attributes}>
    ${locales().map(
      (l) =>
        html`<option value="${l}" lang="${l}" ${new SafeHtml(l === selected ? 'selected' : '')}>
          ${languageName(l)}
        </option>`,
    )}
  </select>`;
}
