import { readDefault } from './template-content';
import { MemoryTemplateStore } from '../../../test/support/memory-template-store';
import { Logger } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  renderingConfig,
  SHIPPED_TEMPLATES_DIR,
  TEST_POSTAL_ADDRESS,
} from '../../../test/support/rendering-config';
import { MjmlCompiler } from './mjml-compiler';
import { RenderingService, TemplateError } from './rendering.service';
import { SHIPPED_LOCALES as LOCALES } from '../../platform/locale';

const SHIPPED = [
  'apology',
  'campaign',
  'confirm-subscription',
  'digest',
  'evergreen',
  'fresh-link',
  'notice',
  'welcome',
];
const TRANSACTIONAL = ['confirm-subscription', 'fresh-link'];
const MARKETING = SHIPPED.filter((k) => !TRANSACTIONAL.includes(k));
const POSTAL_ADDRESS = TEST_POSTAL_ADDRESS;
const EVIL_NAME = '<script>alert(1)</script> & "Bob"';

/** How a value appears inside the HTML part (Handlebars escapes `=` and `&` in URLs too). */
const inHtml = (value: string) => Handlebars.escapeExpression(value);

describe(RenderingService.name, () => {
  let service: RenderingService;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    service = new RenderingService(
      renderingConfig(),
      new MjmlCompiler(),
      new MemoryTemplateStore().asStore(),
    );
    await service.onModuleInit();
  });

  it('loads every shipped template in both locales', () => {
    expect(service.keys().sort()).toEqual(SHIPPED);
    for (const t of service.list()) {
      expect(t.locales.sort()).toEqual(['en', 'nl']);
      // Imported as version 1 on first start; later versions are numbered as published.
      expect(t.version).toBe(1);
    }
    expect(service.has('welcome')).toBe(true);
    expect(service.has('nope')).toBe(false);
  });

  describe.each(SHIPPED.flatMap((key) => LOCALES.map((locale) => [key, locale] as const)))(
    '%s (%s) from its sample',
    (key, locale) => {
      const render = () => service.render(key, locale, service.sample(key, locale));

      it('hides no text: no preheader made to vanish (spam filters score hidden text)', async () => {
        const html = render().html;
        expect(html).not.toMatch(/display\s*:\s*none/i);
        expect(html).not.toMatch(/opacity\s*:\s*0[;"]/i);
        expect(html).not.toMatch(/max-height\s*:\s*0/i);
        expect(html).not.toMatch(/color:#ffffff;line-height:1px/);
        const { warnings } = await service.validator().validate(key, readDefault('templates', key));
        expect(warnings.filter((w) => w.code === 'hidden_text')).toEqual([]);
      });

      it('matches the subject, text and HTML snapshots', () => {
        const email = render();
        expect({ subject: email.subject, text: email.text }).toMatchSnapshot();
        expect(email.html).toMatchSnapshot();
      });

      it('has a one-line subject, a tag-free text part and an HTML part in the locale', () => {
        const email = render();
        expect(email.subject.length).toBeGreaterThan(5);
        expect(email.subject).not.toMatch(/[\r\n]/);
        expect(email.text.length).toBeGreaterThan(100);
        expect(email.text).not.toMatch(/<\/?[a-z][a-z0-9-]*(\s[^>]*)?>/i);
        expect(email.text).not.toMatch(/&[a-z]+;|&#/);
        expect(email.html).toMatch(new RegExp(`^<!doctype html>\\s*<html lang="${locale}"`));
        expect(email.html).toContain(`<title>${inHtml(email.subject)}</title>`);
        expect(email.html).not.toContain('{{');
      });

      it('carries the postal address and brand in the footer of both parts', () => {
        const email = render();
        expect(email.html).toContain(inHtml(POSTAL_ADDRESS));
        expect(email.text).toContain(POSTAL_ADDRESS);
        expect(email.text).toMatch(/Tidings/);
      });

      it('escapes subscriber data in the HTML part and never emits it as markup', () => {
        const sample = service.sample(key, locale);
        const email = service.render(key, locale, {
          ...sample,
          subscriber: { name: EVIL_NAME, email: 'bob@example.com' },
        });
        expect(email.html).not.toContain('<script>');
        expect(email.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Bob&quot;');
        // Plain text is not HTML: escaping there would show "&amp;" to the reader.
        expect(email.text).toContain(EVIL_NAME);
      });
    },
  );

  describe.each(MARKETING)('%s (a marketing email)', (key) => {
    it.each(LOCALES)(
      'shows visible unsubscribe and preference links in both parts (%s)',
      (locale) => {
        const links = {
          unsubscribe: `https://mail.example.com/p/${key}-tok/unsubscribe?l=${locale}&x=1`,
          preferences: `https://mail.example.com/p/${key}-tok?l=${locale}`,
        };
        const sample = service.sample(key, locale);
        const email = service.render(key, locale, {
          ...sample,
          links: { ...(sample.links as object), ...links },
        });
        const label =
          locale === 'nl'
            ? ['Afmelden', 'Voorkeuren beheren']
            : ['Unsubscribe', 'Manage preferences'];
        expect(email.html).toMatch(
          new RegExp(`<a href="${escapeRegExp(inHtml(links.unsubscribe))}"[^>]*>${label[0]}</a>`),
        );
        expect(email.html).toMatch(
          new RegExp(`<a href="${escapeRegExp(inHtml(links.preferences))}"[^>]*>${label[1]}</a>`),
        );
        expect(email.text).toContain(`${label[0]}: ${links.unsubscribe}`);
        expect(email.text).toContain(`${label[1]}: ${links.preferences}`);
      },
    );

    it('refuses to render without an unsubscribe link', () => {
      const sample = service.sample(key, 'en');
      const links = { ...(sample.links as Record<string, string>) };
      delete links.unsubscribe;
      expect(() => service.render(key, 'en', { ...sample, links })).toThrow(
        /missing variable "links\.unsubscribe"/,
      );
    });
  });

  describe('confirm-subscription (transactional)', () => {
    it.each(LOCALES)(
      'has the confirm link and no unsubscribe or preference link (%s)',
      (locale) => {
        const sample = service.sample('confirm-subscription', locale);
        const email = service.render('confirm-subscription', locale, {
          ...sample,
          // Even when a caller passes them, a transactional email does not show them.
          links: {
            confirm: 'https://mail.example.com/confirm/abc?t=1',
            unsubscribe: 'https://mail.example.com/p/abc/unsubscribe',
            preferences: 'https://mail.example.com/p/abc',
          },
        });
        expect(email.html).toContain(
          `href="${inHtml('https://mail.example.com/confirm/abc?t=1')}"`,
        );
        expect(email.text).toContain('https://mail.example.com/confirm/abc?t=1');
        for (const part of [email.html, email.text]) {
          expect(part).not.toContain('https://mail.example.com/p/abc');
          expect(part).not.toMatch(/Unsubscribe|Afmelden|Manage preferences|Voorkeuren beheren/);
        }
        expect(email.text).toMatch(
          locale === 'nl'
            ? /Was jij dat niet\? Dan kun je deze e-mail negeren/
            : /If that wasn't you, just ignore it/,
        );
      },
    );

    it('puts no advertising in: no feedback links, no other links than confirm', () => {
      const email = service.preview('confirm-subscription', 'en');
      const hrefs = [...email.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
      expect(new Set(hrefs)).toEqual(
        new Set([inHtml('https://mail.example.com/confirm/sample-token')]),
      );
    });
  });

  describe('optional parts', () => {
    it('shows feedback links only when both are given', () => {
      const sample = service.sample('notice', 'en');
      const withFeedback = service.render('notice', 'en', sample);
      expect(withFeedback.html).toContain('Was this useful?');
      expect(withFeedback.text).toContain('Yes: https://mail.example.com/f/sample-token/yes');

      const links = { unsubscribe: 'https://x.example/u', preferences: 'https://x.example/p' };
      const without = service.render('notice', 'en', { ...sample, links });
      expect(without.html).not.toContain('Was this useful?');
      expect(without.text).not.toContain('Was this useful?');
    });

    it('leaves out details, deadline and button of a notice when they are not given', () => {
      const { details: _d, deadline: _dl, cta: _c, ...rest } = service.sample('notice', 'nl');
      const email = service.render('notice', 'nl', rest);
      expect(email.html).not.toContain('Uiterste datum');
      expect(email.html).not.toContain('www.example.com/polissen');
      expect(email.text).not.toContain('Uiterste datum');
    });

    it('greets without a name when the subscriber has none', () => {
      const sample = service.sample('welcome', 'nl');
      const email = service.render('welcome', 'nl', {
        ...sample,
        subscriber: { name: null, email: 'x@example.com' },
      });
      expect(email.text).toMatch(/^Hallo,$/m);
    });
  });

  describe('render errors', () => {
    it('names the template, locale, file, line and variable when data lacks a variable', () => {
      const sample = service.sample('welcome', 'en');
      let error: unknown;
      try {
        service.render('welcome', 'en', {
          ...sample,
          links: { unsubscribe: 'https://x.example/u' },
        });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TemplateError);
      const e = error as TemplateError;
      expect(e.status).toBe(422);
      expect(e.code).toBe('template_missing_variable');
      expect(e.field).toBe('data.links.preferences');
      expect(e.message).toMatch(
        /^Template "welcome" \(en\), (welcome\/index\.mjml|_shared\/partials\/footer\.mjml) line \d+: missing variable "links\.preferences"/,
      );
    });

    it('maps a missing variable in the HTML back to the line of the author’s file', () => {
      const { topics: _t, ...rest } = service.sample('welcome', 'nl');
      let error: TemplateError | undefined;
      try {
        service.render('welcome', 'nl', { ...rest, topics: [{ name: 'Nieuws' }] });
      } catch (e) {
        error = e as TemplateError;
      }
      const source = readFileSync(join(SHIPPED_TEMPLATES_DIR, 'welcome/index.mjml'), 'utf8');
      const line = source.split('\n').findIndex((l) => l.includes('{{description}}')) + 1;
      expect(line).toBeGreaterThan(1);
      expect(error?.file).toBe('welcome/index.mjml');
      expect(error?.line).toBe(line);
      expect(error?.message).toBe(
        `Template "welcome" (nl), welcome/index.mjml line ${line}: missing variable "description"`,
      );
    });

    it('requires data.marketing to be a boolean', () => {
      const { marketing: _m, ...rest } = service.sample('welcome', 'en');
      expect(() => service.render('welcome', 'en', rest)).toThrow(
        /data\.marketing must be true or false/,
      );
    });

    it('refuses unknown templates and locales with a TemplateError', () => {
      expect(() => service.render('nope', 'en', {})).toThrow(TemplateError);
      expect(() => service.render('welcome', 'de', { marketing: true })).toThrow(
        /unsupported locale "de"/,
      );
    });
  });

  it('keeps the subject on one line whatever the data holds', () => {
    const sample = service.sample('notice', 'en');
    const email = service.render('notice', 'en', {
      ...sample,
      heading: 'Renewal\r\nBcc: victim@example.com\n  soon',
    });
    expect(email.subject).toBe('Renewal Bcc: victim@example.com soon');
  });

  it('formats digest dates in the locale', () => {
    expect(service.preview('digest', 'nl').text).toContain('12 januari 2027');
    expect(service.preview('digest', 'en').text).toContain('12 January 2027');
  });

  it('merges configuration globals over caller data', () => {
    const email = service.render('welcome', 'en', {
      ...service.sample('welcome', 'en'),
      sender: { postalAddress: 'Somewhere else' },
      brand: { name: 'Not us', color: '#000000' },
    });
    expect(email.text).toContain(POSTAL_ADDRESS);
    expect(email.text).not.toContain('Somewhere else');
    expect(email.subject).toBe("Welcome to Tidings: here's what to expect");
  });

  it('applies brand settings from configuration', async () => {
    const branded = new RenderingService(
      renderingConfig({
        BRAND_NAME: 'Acme & Sons',
        BRAND_COLOR: '#aa3300',
        BRAND_LOGO_URL: 'https://cdn.example.com/logo.png',
      }),
      new MjmlCompiler(),
      new MemoryTemplateStore().asStore(),
    );
    await branded.onModuleInit();
    const email = branded.preview('welcome', 'nl');
    expect(email.subject).toBe('Welkom bij Acme & Sons: dit kun je van ons verwachten');
    expect(email.html).toContain('src="https://cdn.example.com/logo.png"');
    expect(email.html).toContain('alt="Acme &amp; Sons"');
    expect(email.html).toContain('#aa3300');
    expect(email.html).not.toContain('#0f766e');
    expect(email.text).toContain('Verstuurd door Acme & Sons');
  });

  it('refresh: a call made after a publish sees it; concurrent calls share the runs', async () => {
    const store = new MemoryTemplateStore();
    const live = new RenderingService(renderingConfig(), new MjmlCompiler(), store.asStore());
    await live.onModuleInit();
    live.onModuleDestroy();
    const looks = jest.spyOn(store, 'publishedVersions');
    const before = live.refresh(); // starts a look that cannot see the publish below
    const content = (await store.version('welcome', 1))!.content;
    content.locales.en!.subject = 'Changed for {{subscriber.name}}';
    store.publish('welcome', content);
    const after = Promise.all(Array.from({ length: 10 }, () => live.refresh()));
    await Promise.all([before, after]);
    expect(looks).toHaveBeenCalledTimes(2);
    expect(live.versions().get('welcome')).toBe(2);
    expect(live.preview('welcome', 'en').subject).toBe('Changed for Anna de Vries');
    // The version a batch was claimed with stays renderable after the next publish.
    expect(live.renderVersion('welcome', 1, 'en', live.sample('welcome', 'en')).subject).toBe(
      "Welcome to Tidings: here's what to expect",
    );
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
