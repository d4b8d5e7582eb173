import { Logger } from '@nestjs/common';
import { configureLocales, SHIPPED_LOCALES } from './locale';
import { LocalesCheck } from './locales-check';
import { defineTexts, loadTranslations } from './translations';

defineTexts<{ title: string }>('check-spec', { nl: { title: 'Titel' }, en: { title: 'Title' } });

describe(LocalesCheck.name, () => {
  afterEach(() => {
    configureLocales(SHIPPED_LOCALES);
    loadTranslations(undefined);
    jest.restoreAllMocks();
  });

  it('warns once per locale that lacks translations, naming what falls back', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    configureLocales(['nl', 'en', 'de', 'fr']);
    loadTranslations(undefined);
    new LocalesCheck().onApplicationBootstrap();
    expect(warn).toHaveBeenCalledTimes(2);
    const lines = warn.mock.calls.map((c) => String(c[1]));
    expect(lines[0]).toMatch(
      /^Locale de has no translation for .*check-spec.*; nl texts are shown there/,
    );
    expect(lines[1]).toMatch(/^Locale fr has no translation for /);
  });

  it('says nothing when every configured locale has its texts', () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    new LocalesCheck().onApplicationBootstrap();
    expect(warn).not.toHaveBeenCalled();
  });
});
