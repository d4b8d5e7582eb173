import { useLocale, type Locale } from '../i18n';

/** An area's texts: `useTexts()` in components, `of(locale)` outside them (page titles). */
export interface TextsHook<T> {
  (): T;
  of(locale: Locale): T;
}

/**
 * Each area keeps its own texts beside its pages:
 *
 *   const en = { title: 'Topics', count: (n: number) => `${n} topics` };
 *   const nl: typeof en = { title: 'Onderwerpen', count: (n) => `${n} onderwerpen` };
 *   export const useTopicTexts = textsHook({ en, nl });
 *
 * `nl: typeof en` makes a missing or extra Dutch text a compile error.
 */
export function textsHook<T>(texts: Record<Locale, T>): TextsHook<T> {
  const hook = function useAreaTexts(): T {
    return texts[useLocale()];
  };
  return Object.assign(hook, { of: (locale: Locale) => texts[locale] });
}
