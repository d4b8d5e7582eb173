import { configureLocales, SHIPPED_LOCALES } from '../../../platform/locale';
import { languageName, pageTexts } from './texts';

describe('page texts', () => {
  afterEach(() => configureLocales(SHIPPED_LOCALES));

  it('names every language in itself, also one without a translation', () => {
    configureLocales(['nl', 'en', 'fr']);
    expect(languageName('nl')).toBe('Nederlands');
    expect(languageName('en')).toBe('English');
    expect(languageName('fr')).toBe('Français');
  });

  it('shows the default locale’s texts for a locale without a translation', () => {
    configureLocales(['nl', 'en', 'fr']);
    expect(pageTexts('fr').title).toBe(pageTexts('nl').title);
    expect(pageTexts('fr').days(3)).toBe(pageTexts('nl').days(3));
  });
});
