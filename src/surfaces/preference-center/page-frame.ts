import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { html, renderPage, SafeHtml } from '../../platform/http/page';
import { AppConfig } from '../../platform/config/configuration';
import { PageTexts, languageName, pageTexts } from './texts/texts';
import { isLocale, Locale, localeOr, locales } from '../../platform/locale';

export interface FrameOptions {
  /** The page's own path: the language switch links to it with `?lang=`. */
  path?: string;
  /** Show the "this is a personal link" note under the page. */
  personal?: boolean;
}

/** Picks the page language: an explicit `?lang=`, else the subscriber's, else the browser's. */
export function pickLocale(lang: unknown, fallback?: Locale, acceptLanguage?: string): Locale {
  if (isLocale(lang)) return lang;
  if (fallback) return localeOr(fallback);
  // The browser's first language Tidings speaks; else English where configured.
  for (const part of (acceptLanguage ?? '').split(',')) {
    const language = part.split(';')[0].trim().toLowerCase();
    const found = [language, language.split('-')[0]].find((l) => locales().includes(l));
    if (found) return found;
  }
  return localeOr('en');
}

/** The branded frame (brand name, colour, logo from config) around the subscriber pages. */
@Injectable()
export class PageFrame {
  private readonly brand: AppConfig['rendering']['brand'];

  constructor(config: ConfigService<AppConfig, true>) {
    this.brand = config.get('rendering', { infer: true }).brand;
  }

  get brandName(): string {
    return this.brand.name;
  }

  texts(locale: Locale): PageTexts {
    return pageTexts(locale);
  }

  render(locale: Locale, title: string, body: SafeHtml, options: FrameOptions = {}): string {
    const t = pageTexts(locale);
    return renderPage({
      title,
      lang: locale,
      body,
      brandName: this.brand.name,
      brandColor: this.brand.color,
      brandLogoUrl: this.brand.logoUrl,
      languagesLabel: t.languagesLabel,
      languages: options.path
        ? locales().map((l) => ({
            lang: l,
            label: languageName(l),
            href: `${options.path}?lang=${l}`,
            current: l === locale,
          }))
        : undefined,
      footer: options.personal ? html`${t.privateLink}` : undefined,
    });
  }
}
