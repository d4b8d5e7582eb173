import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLocales, SHIPPED_LOCALES } from './locale';
import { defineTexts, loadTranslations, missingTranslations, parameterNames } from './translations';

interface Texts {
  title: string;
  greet: (name: string) => string;
  days: (n: number) => string;
  done: { saved: (f: { topic: string }) => string };
  list: string[];
}

const texts = defineTexts<Texts>('spec', {
  en: {
    title: 'Title',
    greet: (name) => `Hello ${name}`,
    days: (n) => `${n} days`,
    done: { saved: (f) => `Saved ${f.topic}` },
    list: ['a', 'b'],
  },
  nl: {
    title: 'Titel',
    greet: (name) => `Hallo ${name}`,
    days: (n) => `${n} dagen`,
    done: { saved: (f) => `Opgeslagen ${f.topic}` },
    list: ['x', 'y'],
  },
});

function withTranslations(files: Record<string, unknown>): void {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-locales-'));
  for (const [locale, body] of Object.entries(files)) {
    writeFileSync(join(dir, `${locale}.json`), JSON.stringify(body));
  }
  loadTranslations(dir);
}

describe('defineTexts', () => {
  afterEach(() => {
    configureLocales(SHIPPED_LOCALES);
    loadTranslations(undefined);
  });

  it('uses the built-in texts of a shipped locale', () => {
    expect(texts('nl').greet('Ada')).toBe('Hallo Ada');
  });

  it('reads a configured locale from LOCALE_DIR, placeholders named like the parameters', () => {
    configureLocales(['nl', 'en', 'de']);
    withTranslations({
      de: {
        spec: {
          title: 'Titel DE',
          greet: 'Hallo {name}!',
          days: { one: '{n} Tag', other: '{n} Tage' },
          done: { saved: 'Gespeichert: {topic}' },
        },
      },
    });
    const de = texts('de');
    expect(de.title).toBe('Titel DE');
    expect(de.greet('Ada')).toBe('Hallo Ada!');
    expect(de.days(1)).toBe('1 Tag');
    expect(de.days(3)).toBe('3 Tage');
    expect(de.done.saved({ topic: 'News' })).toBe('Gespeichert: News');
    // Missing: the default locale's (nl) text, and the start-up report names it.
    expect(de.list).toEqual(['x', 'y']);
    expect(missingTranslations().get('de')).toContain('spec.list');
    expect(missingTranslations().get('de')).not.toContain('spec.title');
  });

  it('falls back to the default locale entirely without a translation file, and says so', () => {
    configureLocales(['en', 'nl', 'fr']);
    loadTranslations(undefined);
    expect(texts('fr').greet('Ada')).toBe('Hello Ada');
    expect(missingTranslations().get('fr')).toContain('spec');
    expect(missingTranslations().has('nl')).toBe(false);
  });

  it('refuses an unusable translation value by falling back, not by breaking', () => {
    configureLocales(['nl', 'de']);
    withTranslations({ de: { spec: { greet: 42, title: ['no'] } } });
    expect(texts('de').greet('Ada')).toBe('Hallo Ada');
    expect(texts('de').title).toBe('Titel');
    expect(missingTranslations().get('de')).toEqual(
      expect.arrayContaining(['spec.greet', 'spec.title']),
    );
  });

  it('reads parameter names of arrow functions', () => {
    expect(parameterNames((topic: string) => topic)).toEqual(['topic']);
    expect(parameterNames((what: string, date: string | null) => what + date)).toEqual([
      'what',
      'date',
    ]);
    expect(parameterNames(() => '')).toEqual([]);
  });
});

describe('fallbackLocale', () => {
  afterEach(() => configureLocales(SHIPPED_LOCALES));

  it('is the default locale when Tidings ships its texts, else the first shipped one configured', () => {
    configureLocales(['de', 'en', 'nl']);
    expect(texts('de').greet('Ada')).toBe('Hello Ada');
    configureLocales(['nl', 'de']);
    expect(texts('de').greet('Ada')).toBe('Hallo Ada');
  });
});
