import type { components } from '../../../../clients/typescript/tidings-api';

export type TemplateSummary = components['schemas']['TemplateSummaryDto'];
export type TemplateDetail = components['schemas']['TemplateDetailDto'];
export type TemplateContent = components['schemas']['TemplateContentDto'];
export type LocaleContent = components['schemas']['LocaleContentDto'];
export type TemplateVersion = components['schemas']['TemplateVersionDto'];
export type Problem = components['schemas']['TemplateProblemDto'];
export type ActivityEntry = components['schemas']['ActivityEntryDto'];

/** The parts of one locale the editor changes. */
export const PARTS = ['subject', 'mjml', 'text'] as const;
export type Part = (typeof PARTS)[number];

/** The locales of a content, keyed by locale (the API's type names only nl and en). */
export function localesOf(content: TemplateContent): Record<string, LocaleContent> {
  return content.locales;
}

/** `locales.en.mjml` → { locale: 'en', part: 'mjml' }; null for any other field. */
export function partOf(field: string): { locale: string; part: Part } | null {
  const m = /^locales\.([^.]+)\.(subject|mjml|text)$/.exec(field);
  return m ? { locale: m[1], part: m[2] as Part } : null;
}
