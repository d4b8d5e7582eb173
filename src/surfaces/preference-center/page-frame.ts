import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { html, renderPage, SafeHtml } from '../../platform/http/page';
import { AppConfig } from '../../platform/config/configuration';
import { PageTexts, TEXTS } from './texts/texts';
import { Locale, LOCALES } from '../../platform/locale';

export interface FrameOptions {
  /** The page's own path: the language switch links to it with `?lang=`. */
  path?: string;
  /** Show the "this is a personal link" note under the page. */
  personal?: boolean;
}

/** Picks the page language: an explicit `?lang=`, else the subscriber's, else the browser's. */
export function pickLocale(lang: unknown, fallback?: Locale, acceptLanguage?: string): Locale {
  if (typeof lang === 'string' && (LOCALES as readonly string[]).includes(lang))
    return lang as Locale;
  if (fallback) return fallback;
  return /^\s*nl\b/i.test(acceptLanguage ?? '') ? 'nl' : 'en';
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
    return TEXTS[locale];
  }

  render(locale: Locale, title: string, body: SafeHtml, options: FrameOptions = {}): string {
    const t = TEXTS[locale];
    return renderPage({
      title,
      lang: locale,
      body,
      brandName: this.brand.name,
      brandColor: this.brand.color,
      brandLogoUrl: this.brand.logoUrl,
      languagesLabel: t.languagesLabel,
      languages: options.path
        ? LOCALES.map((l) => ({
            lang: l,
            label: TEXTS[l].languageName,
            href: `${options.path}?lang=${l}`,
            current: l === locale,
          }))
        : undefined,
      footer: options.personal ? html`${t.privateLink}` : undefined,
    });
  }
}
