import { join } from 'node:path';
import { missingTranslations } from '../../src/platform/translations';
import { TokensService } from '../../src/platform/tokens/tokens.service';
import {
  createSubscriber,
  lifecycleRuleInput,
  noticeContent,
  topicInput,
  uniqueEmail,
} from '../factories';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const PUBLIC_URL = 'https://tidings.test';

function linkPath(text: string, prefix: string): string {
  const match = new RegExp(`${PUBLIC_URL.replace(/\./g, '\\.')}(${prefix}[A-Za-z0-9_-]+)`).exec(
    text,
  );
  if (!match) throw new Error(`No ${prefix} link in: ${text.slice(0, 500)}`);
  return match[1];
}

/**
 * Texts per language: topics with names and descriptions per locale, and a third language (de)
 * added by configuration alone (LOCALES and a LOCALE_DIR with a partial translation).
 */
describe('Locales (LOCALES=nl,en,de with LOCALE_DIR, real SMTP server in-process)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  const names = { nl: 'Productnieuws', en: 'Product news', de: 'Produktneuigkeiten' };
  const descriptions = {
    nl: 'Wat er in het product veranderde',
    en: 'What changed in the product',
    de: 'Was sich im Produkt geändert hat',
  };
  const both = topicInput({ name: undefined, names, description: undefined, descriptions });
  const englishOnly = topicInput({
    name: undefined,
    names: { en: 'Engineering blog' },
    description: undefined,
    descriptions: { en: 'How we build it' },
  });

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        BRAND_NAME: 'Acme',
        LOCALES: 'nl,en,de',
        LOCALE_DIR: join(__dirname, '../fixtures/locales'),
        DISPATCH_INTERVAL_MS: '500',
      },
    });
    await t.api().post('/v1/topics').send(both).expect(201);
    await t.api().post('/v1/topics').send(englishOnly).expect(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  /** Subscribes through the public form, confirms, and returns both emails and the confirmed page. */
  async function signUp(locale: string) {
    const email = uniqueEmail(`loc-${locale}`);
    await t
      .http()
      .post('/subscribe')
      .send({ email, name: 'Ada', locale, topics: [`${both.key}:weekly`, englishOnly.key] })
      .expect(202);
    const confirmation = await smtp.waitFor((m) => m.to.includes(email));
    const confirmed = await t
      .http()
      .get(linkPath(confirmation.parsed.text!, '/confirm/'))
      .expect(200);
    const welcome = await smtp.waitFor((m) => m.to.includes(email) && m !== confirmation, 30_000);
    const preferences = await t.http().get(linkPath(welcome.parsed.text!, '/p/')).expect(200);
    return { confirmation, confirmed, welcome, preferences: preferences.text };
  }

  it('returns names and descriptions per locale, and name holds the default locale’s', async () => {
    const got = await t.api().get(`/v1/topics/${both.key}`).expect(200);
    expect(got.body).toMatchObject({
      name: 'Productnieuws',
      names,
      description: 'Wat er in het product veranderde',
      descriptions,
    });
    const english = await t.api().get(`/v1/topics/${englishOnly.key}`).expect(200);
    expect(english.body).toMatchObject({
      name: 'Engineering blog',
      names: { en: 'Engineering blog' },
    });
  });

  it('refuses a text for a locale that is not configured, naming the field', async () => {
    const res = await t
      .api()
      .post('/v1/topics')
      .send(topicInput({ names: { nl: 'Nieuws', fr: 'Nouvelles' } }))
      .expect(400);
    expect(res.body.field).toBe('names.fr');
    const empty = await t
      .api()
      .patch(`/v1/topics/${both.key}`)
      .send({ names: { de: '' } })
      .expect(400);
    expect(empty.body.field).toBe('names.de');
    const none = await t
      .api()
      .post('/v1/topics')
      .send(topicInput({ name: undefined }))
      .expect(400);
    expect(none.body.field).toBe('name');
  });

  it('a Dutch subscriber sees Dutch topic texts in the confirmation, the welcome and the preference page; an English-only topic in English', async () => {
    const { confirmation, confirmed, welcome, preferences } = await signUp('nl');
    expect(confirmation.parsed.text).toContain('Productnieuws');
    expect(confirmation.parsed.text).not.toContain('Product news');
    expect(confirmation.parsed.text).toContain('Engineering blog');
    expect(confirmed.text).toContain('Productnieuws');
    expect(welcome.parsed.text).toContain('Productnieuws');
    expect(welcome.parsed.text).toContain('Wat er in het product veranderde');
    expect(welcome.parsed.text).not.toContain('What changed in the product');
    expect(welcome.parsed.text).toContain('Engineering blog');
    expect(welcome.parsed.text).toContain('How we build it');
    expect(preferences).toContain('Productnieuws');
    expect(preferences).toContain('Wat er in het product veranderde');
    expect(preferences).toContain('Engineering blog');
    expect(preferences).not.toContain('Product news');
  });

  it('an English subscriber sees the English texts', async () => {
    const { confirmation, welcome, preferences } = await signUp('en');
    expect(confirmation.parsed.text).toContain('Product news');
    expect(welcome.parsed.text).toContain('What changed in the product');
    expect(preferences).toContain('Product news');
    expect(preferences).not.toContain('Productnieuws');
  });

  it('a German subscriber (a locale added by configuration) gets German pages and emails, the default locale where a translation is missing', async () => {
    const form = await t.http().get('/subscribe?lang=de').expect(200);
    expect(form.text).toContain('Produktneuigkeiten');
    expect(form.text).toContain('nicht öfter als gewählt');

    const { confirmation, confirmed, welcome, preferences } = await signUp('de');
    expect(confirmation.parsed.subject).toBe('Bitte bestätige dein Abonnement bei Acme');
    expect(confirmation.parsed.text).toContain('Produktneuigkeiten');
    expect(confirmation.parsed.text).toContain('wöchentlich');
    expect(confirmed.text).toContain('Du bist angemeldet');
    expect(welcome.parsed.subject).toBe('Willkommen bei Acme');
    expect(welcome.parsed.text).toContain('Hallo Ada,');
    expect(welcome.parsed.text).toContain('Was sich im Produkt geändert hat');
    // Strings the translation leaves out come from the default locale (nl), never a broken mail.
    expect(welcome.parsed.text).toContain('Voorkeuren beheren');
    // The one date format for German ("12. Dezember 2026").
    expect(welcome.parsed.text).toMatch(
      /\d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4}/,
    );
    expect(preferences).toContain('Deine E-Mail-Einstellungen');
    expect(preferences).toContain('Produktneuigkeiten');
    expect(preferences).toContain('<html lang="de"');

    const sub = await t
      .api()
      .get(`/v1/subscribers/${encodeURIComponent(confirmation.to[0])}`)
      .expect(200);
    expect(sub.body.locale).toBe('de');
    const consent = (await t.api().get(`/v1/subscribers/${sub.body.id}/consent`)).body as Array<{
      action: string;
      wording: string;
    }>;
    expect(consent.find((e) => e.action === 'opt_in')?.wording).toContain(
      'nicht öfter als gewählt',
    );
  });

  it('a notice speaks the subscriber’s locale with its date in that locale’s format; a locale without content gets the default locale’s', async () => {
    const topic = topicInput({
      kind: 'notice',
      allowedFrequencies: ['monthly'],
      name: undefined,
      names: { nl: 'Verlengingen', en: 'Renewals', de: 'Verlängerungen' },
    });
    await t.api().post('/v1/topics').send(topic).expect(201);
    const content = {
      nl: noticeContent().nl,
      de: {
        heading: 'Deine Police wird am {date} verlängert',
        intro: 'Deine Police wird automatisch verlängert. Ändern kannst du sie bis {deadline}.',
        reason: 'Du bekommst diese Nachricht, weil deine Police am {date} verlängert wird.',
        summary: 'Eine Erinnerung {days} Tage vor deiner Verlängerung am {date}',
      },
    };
    const onlyEnglish = await t
      .api()
      .post('/v1/lifecycle-rules')
      .send(lifecycleRuleInput(topic.key, { content: { en: noticeContent().en } }))
      .expect(400);
    expect(onlyEnglish.body.field).toBe('content');
    const unknown = await t
      .api()
      .post('/v1/lifecycle-rules')
      .send(lifecycleRuleInput(topic.key, { content: { ...content, fr: content.de } }))
      .expect(400);
    expect(unknown.body.field).toBe('content');
    expect(unknown.body.message).toContain('content.fr');
    await t
      .api()
      .post('/v1/lifecycle-rules')
      .send(lifecycleRuleInput(topic.key, { content }))
      .expect(201);

    const tokens = t.app.get(TokensService);
    const page = async (locale: string) => {
      const s = await createSubscriber(t, {
        email: uniqueEmail(`notice-${locale}`),
        locale,
        dates: { renewal_date: '2030-03-15' },
        topics: [{ topic: topic.key }],
      });
      return (
        await t
          .http()
          .get(`/p/${tokens.sign('manage', s.id)}`)
          .expect(200)
      ).text;
    };
    const de = await page('de');
    expect(de).toContain('Eine Erinnerung 30 Tage vor deiner Verlängerung am 15. März 2030');
    expect(de).toContain('Verlängerungen');
    const nl = await page('nl');
    expect(nl).toContain('Een herinnering 30 dagen voor je verlenging op 15 maart 2030');
    // English has no content of its own: the default locale's (nl), the date in English.
    const en = await page('en');
    expect(en).toContain('Een herinnering 30 dagen voor je verlenging op 15 March 2030');
    expect(en).toContain('Renewals');
  });

  it('names at start what de has no translation for', () => {
    const missing = missingTranslations();
    expect(missing.has('nl')).toBe(false);
    expect(missing.has('en')).toBe(false);
    const de = missing.get('de')!;
    expect(de).toEqual(expect.arrayContaining(['pages.toc', 'feedback', 'apology', 'notices']));
    expect(de).not.toContain('pages.title');
    expect(de.some((m) => m.startsWith('templates.digest'))).toBe(true);
    expect(de.some((m) => m.startsWith('templates.welcome ('))).toBe(true);
  });
});
