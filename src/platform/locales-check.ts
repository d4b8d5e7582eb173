import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { fallbackLocale } from './locale';
import { missingTranslations } from './translations';

/** How many missing texts one log line names before it counts the rest. */
const NAMED = 12;

/**
 * Says once at start which configured locale lacks which translations (one warning line per
 * locale). Those texts show in the default locale: a page or email never breaks over it.
 */
@Injectable()
export class LocalesCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Locales');

  onApplicationBootstrap(): void {
    for (const [locale, missing] of missingTranslations()) {
      const named = missing.slice(0, NAMED).join(', ');
      const more = missing.length > NAMED ? ` and ${missing.length - NAMED} more` : '';
      this.logger.warn(
        { locale, missing },
        `Locale ${locale} has no translation for ${named}${more}; ${fallbackLocale()} texts are shown there (add them to LOCALE_DIR/${locale}.json, see docs/locales.md)`,
      );
    }
  }
}
