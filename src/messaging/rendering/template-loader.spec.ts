import { MemoryTemplateStore } from '../../../test/support/memory-template-store';
import { Logger } from '@nestjs/common';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RenderingGlobals } from './compiled-template';
import { createHandlebars } from './handlebars-env';
import { MjmlCompiler } from './mjml-compiler';
import { RenderingService } from './rendering.service';
import { renderingConfig, SHIPPED_TEMPLATES_DIR } from '../../../test/support/rendering-config';
import { TemplateError } from './template-error';
import { TemplateLoader } from './template-loader';

const GLOBALS: RenderingGlobals = {
  brand: { name: 'Tidings', color: '#0f766e', logoUrl: undefined },
  sender: { postalAddress: 'Example Street 1, Example City' },
  publicUrl: 'https://mail.example.com',
};

const GOOD_MJML = `<mjml lang="{{locale}}">
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>{{t "hello"}}</mj-text>
        <mj-button href="{{links.confirm}}" background-color="{{brand.color}}">Go</mj-button>
        {{> footer}}
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>
`;
const FOOTER_MJML = `<mj-text>
  {{sender.postalAddress}}
  <a href="{{links.unsubscribe}}">{{t "unsubscribe"}}</a>
</mj-text>
`;

/** A small, valid templates directory; `files` overrides or adds files (relative paths). */
function writeTemplates(root: string, files: Record<string, string> = {}): void {
  const all: Record<string, string> = {
    '_shared/partials/footer.mjml': FOOTER_MJML,
    '_shared/partials/footer.text.hbs': '{{sender.postalAddress}}\n{{links.unsubscribe}}\n',
    '_shared/locales/en.json': '{ "unsubscribe": "Unsubscribe" }',
    '_shared/locales/nl.json': '{ "unsubscribe": "Afmelden" }',
    'basic/index.mjml': GOOD_MJML,
    'basic/subject.hbs': '{{t "subject"}}\n',
    'basic/text.hbs': '{{t "hello"}}\n{{links.confirm}}\n{{> footer}}\n',
    'basic/locales/en.json': '{ "subject": "Hello", "hello": "Hi {{subscriber.name}}" }',
    'basic/locales/nl.json': '{ "subject": "Hallo", "hello": "Hoi {{subscriber.name}}" }',
    'basic/sample.json': JSON.stringify({
      subscriber: { name: 'Anna', email: 'anna@example.com' },
      marketing: true,
      links: { confirm: 'https://x.example/c', unsubscribe: 'https://x.example/u' },
    }),
    ...files,
  };
  for (const [file, content] of Object.entries(all)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content);
  }
}

/** The 1-based line of `needle` in `text`. */
function lineOf(text: string, needle: string): number {
  const line = text.split('\n').findIndex((l) => l.includes(needle)) + 1;
  if (line < 1) throw new Error(`"${needle}" not in text`);
  return line;
}

describe(TemplateLoader.name, () => {
  let root: string;
  let compiler: MjmlCompiler;
  let loader: TemplateLoader;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tidings-templates-'));
    compiler = new MjmlCompiler();
    loader = new TemplateLoader(compiler, createHandlebars());
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const loadError = async (): Promise<TemplateError> => {
    try {
      await loader.loadAll(root, GLOBALS);
    } catch (e) {
      if (e instanceof TemplateError) return e;
      throw e;
    }
    throw new Error('the templates loaded without an error');
  };

  it('loads a valid directory and renders it', async () => {
    writeTemplates(root);
    const templates = await loader.loadAll(root, GLOBALS);
    const email = templates.get('basic')!.render('nl', {
      subscriber: { name: 'Ben', email: 'ben@example.com' },
      marketing: true,
      links: { confirm: 'https://x.example/c?a=1', unsubscribe: 'https://x.example/u' },
    });
    expect(email.subject).toBe('Hallo');
    expect(email.html).toContain('Hoi Ben');
    expect(email.html).toContain('href="https://x.example/c?a&#x3D;1"');
    expect(email.html).toContain('Afmelden');
    expect(email.text).toBe(
      'Hoi Ben\nhttps://x.example/c?a=1\nExample Street 1, Example City\nhttps://x.example/u\n',
    );
  });

  describe('Handlebars placeholders survive MJML compilation', () => {
    it('in hrefs, attributes, text and block helpers of a compiled source', async () => {
      const outcome = await compiler.compile(`<mjml>
  <mj-head><mj-title>{{@subject}}</mj-title><mj-preview>{{preview}}</mj-preview></mj-head>
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-image src="{{brand.logoUrl}}" alt="{{brand.name}}" href="{{links.home}}" />
        <mj-text>Hi {{subscriber.name}}, <a href="{{links.unsubscribe}}">unsubscribe</a></mj-text>
        <mj-raw>{{#each items}}</mj-raw>
        <mj-button href="{{url}}">{{title}}</mj-button>
        <mj-raw>{{/each}}</mj-raw>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`);
      if (!outcome.ok) throw new Error(JSON.stringify(outcome.problems));
      for (const fragment of [
        '<title>{{@subject}}</title>',
        '{{preview}}',
        'src="{{brand.logoUrl}}"',
        'alt="{{brand.name}}"',
        'href="{{links.home}}"',
        'Hi {{subscriber.name}}, <a href="{{links.unsubscribe}}">unsubscribe</a>',
        '{{#each items}}',
        'href="{{url}}"',
        '{{title}}',
        '{{/each}}',
      ]) {
        expect(outcome.html).toContain(fragment);
      }
    });

    it('in every shipped template', async () => {
      const shipped = await loader.loadAll(SHIPPED_TEMPLATES_DIR, GLOBALS);
      for (const template of shipped.values()) {
        for (const [locale, parts] of template.locales) {
          const compiled = parts.html.compiled;
          expect({
            key: template.key,
            locale,
            footer: compiled.includes('{{sender.postalAddress}}'),
          }).toEqual({ key: template.key, locale, footer: true });
          // Every placeholder in the prepared MJML source reaches the compiled HTML unchanged.
          const placeholders = new Set(parts.html.source.text.match(/\{\{[^}]+\}\}/g));
          const missing = [...placeholders].filter((p) => !compiled.includes(p));
          expect({ key: template.key, locale, missing }).toEqual({
            key: template.key,
            locale,
            missing: [],
          });
        }
      }
      const welcome = shipped.get('welcome')!.locales.get('en')!.html.compiled;
      expect(welcome).toContain('href="{{links.unsubscribe}}"');
      expect(welcome).toContain('href="{{links.preferences}}"');
    });
  });

  describe('refuses a broken template with a message naming the template, file and line', () => {
    it('MJML error in the template file', async () => {
      const mjml = GOOD_MJML.replace(
        '<mj-text>{{t "hello"}}</mj-text>',
        '<mj-txt>{{t "hello"}}</mj-txt>',
      );
      writeTemplates(root, { 'basic/index.mjml': mjml });
      const error = await loadError();
      expect(error.message).toBe(
        `Template "basic" (nl), basic/index.mjml line ${lineOf(mjml, '<mj-txt>')}: MJML error: Element mj-txt doesn't exist or is not registered`,
      );
      expect(error.code).toBe('template_mjml_error');
    });

    it('MJML error inside a shared partial', async () => {
      const footer = `<mj-text>ok</mj-text>\n<mj-text padding="lots">{{sender.postalAddress}}</mj-text>\n`;
      writeTemplates(root, { '_shared/partials/footer.mjml': footer });
      const error = await loadError();
      expect(error.file).toBe('_shared/partials/footer.mjml');
      expect(error.line).toBe(2);
      expect(error.message).toMatch(
        /^Template "basic" \(nl\), _shared\/partials\/footer\.mjml line 2: MJML error: Attribute padding has invalid value: lots/,
      );
    });

    it('a variable the sample does not have', async () => {
      const mjml = GOOD_MJML.replace(
        'Go</mj-button>',
        'Go</mj-button>\n        <mj-text>{{topic.name}}</mj-text>',
      );
      writeTemplates(root, { 'basic/index.mjml': mjml });
      const error = await loadError();
      expect(error.message).toBe(
        `Template "basic" (nl), basic/index.mjml line ${lineOf(mjml, '{{topic.name}}')}: missing variable "topic.name"`,
      );
      expect(error.code).toBe('template_missing_variable');
    });

    it('a missing variable inside a partial, after lines the partial added', async () => {
      const footer = `<mj-text>\n  {{sender.postalAddress}}\n  <a href="{{links.unsubscribe}}">x</a>\n  {{links.missing}}\n</mj-text>\n`;
      const mjml = GOOD_MJML.replace(
        '{{> footer}}',
        '{{> footer}}\n        <mj-text>{{ nope }}</mj-text>',
      );
      writeTemplates(root, { '_shared/partials/footer.mjml': footer });
      let error = await loadError();
      expect(error.message).toBe(
        'Template "basic" (nl), _shared/partials/footer.mjml line 4: missing variable "links.missing"',
      );

      writeTemplates(root, {
        '_shared/partials/footer.mjml': FOOTER_MJML,
        'basic/index.mjml': mjml,
      });
      error = await loadError();
      expect(error.message).toBe(
        `Template "basic" (nl), basic/index.mjml line ${lineOf(mjml, '{{ nope }}')}: missing variable "nope"`,
      );
    });

    it('a missing variable in the text part', async () => {
      writeTemplates(root, {
        'basic/text.hbs': '{{t "hello"}}\n\n{{links.confirm}} {{links.gone}}\n',
      });
      const error = await loadError();
      expect(error.message).toBe(
        'Template "basic" (nl), basic/text.hbs line 3: missing variable "links.gone"',
      );
    });

    it('a string missing from one locale', async () => {
      writeTemplates(root, { 'basic/locales/en.json': '{ "subject": "Hello" }' });
      const error = await loadError();
      expect(error.message).toBe(
        `Template "basic" (en), basic/index.mjml line ${lineOf(GOOD_MJML, '{{t "hello"}}')}: no string "hello" in basic/locales/en.json or _shared/locales/en.json`,
      );
    });

    it('a missing locale file, invalid JSON and an HTML string in the text part', async () => {
      writeTemplates(root);
      rmSync(join(root, 'basic/locales/nl.json'));
      expect((await loadError()).message).toBe(
        'Template "basic" (nl), basic/locales/nl.json line 1: the nl strings file is missing',
      );

      writeTemplates(root, {
        'basic/locales/nl.json': '{\n  "subject": "Hallo",\n  "hello": "Hoi"\n  "x": 1\n}',
      });
      expect((await loadError()).message).toMatch(
        /^Template "basic" \(nl\), basic\/locales\/nl\.json line 4: invalid JSON/,
      );

      writeTemplates(root, {
        'basic/locales/nl.json': '{ "subject": "Hallo", "hello": "Hoi", "x_html": "<b>x</b>" }',
        'basic/text.hbs': '{{t "x_html"}}\n',
      });
      expect((await loadError()).message).toBe(
        'Template "basic" (nl), basic/text.hbs line 1: string "x_html" holds HTML and cannot be used in a text part',
      );
    });

    it('a Handlebars syntax error', async () => {
      writeTemplates(root, { 'basic/subject.hbs': 'Hello\n{{subscriber.name}\n' });
      expect((await loadError()).message).toMatch(
        /^Template "basic" \(nl\), basic\/subject\.hbs line 2: Handlebars syntax error: Parse error on line 2/,
      );
      writeTemplates(root, {
        'basic/subject.hbs': 'Hello\n\n{{#if subscriber.name}}{{subscriber.name}}{{/each}}\n',
      });
      expect((await loadError()).message).toMatch(
        /^Template "basic" \(nl\), basic\/subject\.hbs line 3: Handlebars syntax error: if doesn't match each/,
      );
    });

    it('Handlebars inside <mj-style>', async () => {
      const mjml = GOOD_MJML.replace(
        '<mj-body>',
        '<mj-head>\n    <mj-style>\n      a { color: {{linkColor}}; }\n    </mj-style>\n  </mj-head>\n  <mj-body>',
      );
      writeTemplates(root, { 'basic/index.mjml': mjml });
      const error = await loadError();
      expect(error.message).toBe(
        `Template "basic" (nl), basic/index.mjml line ${lineOf(mjml, '{{linkColor}}')}: Handlebars inside <mj-style> is not allowed (MJML rewrites it); use inline styles`,
      );
    });

    it('an unknown partial and missing files', async () => {
      writeTemplates(root, { 'basic/text.hbs': 'x\n{{> signature}}\n' });
      expect((await loadError()).message).toBe(
        'Template "basic" (nl), basic/text.hbs line 2: no partial "signature" (looked for basic/partials/signature.text.hbs and _shared/partials/signature.text.hbs)',
      );
      writeTemplates(root);
      rmSync(join(root, 'basic/sample.json'));
      expect((await loadError()).message).toBe(
        'Template "basic", basic/sample.json: the file is missing',
      );
    });

    it('lists every broken template, not only the first', async () => {
      writeTemplates(root, {
        'other/index.mjml': GOOD_MJML,
        'other/subject.hbs': '{{nope}}',
        'other/text.hbs': 'x',
        'other/locales/en.json': '{ "hello": "Hi" }',
        'other/locales/nl.json': '{ "hello": "Hoi" }',
        'other/sample.json':
          '{ "marketing": false, "links": { "confirm": "https://x.example", "unsubscribe": "u" } }',
        'basic/text.hbs': '{{gone}}',
      });
      const error = await loadError();
      expect(error.message).toContain(
        'Template "basic" (nl), basic/text.hbs line 1: missing variable "gone"',
      );
      expect(error.message).toContain(
        'Template "other" (nl), other/subject.hbs line 1: missing variable "nope"',
      );
    });
  });

  describe('compile cache', () => {
    it('runs MJML once per template, locale and MJML source', async () => {
      writeTemplates(root);
      const compile = jest.spyOn(compiler, 'compile');
      const first = await loader.loadAll(root, GLOBALS);
      expect(compile).toHaveBeenCalledTimes(2);

      const again = await loader.loadAll(root, GLOBALS);
      expect(compile).toHaveBeenCalledTimes(2);
      expect(again.get('basic')!.locales.get('en')!.html.compiled).toBe(
        first.get('basic')!.locales.get('en')!.html.compiled,
      );

      // A changed file is a new version: compiled again, for both locales.
      writeTemplates(root, {
        'basic/locales/nl.json': '{ "subject": "Hallo", "hello": "Dag {{subscriber.name}}" }',
      });
      // Only the Dutch MJML changed: only it is compiled again.
      await loader.loadAll(root, GLOBALS);
      expect(compile).toHaveBeenCalledTimes(3);

      // Brand values are compiled in, so they are part of the version too.
      await loader.loadAll(root, { ...GLOBALS, brand: { ...GLOBALS.brand, color: '#123456' } });
      expect(compile).toHaveBeenCalledTimes(5);
      expect(compiler.size).toBe(5);
    });

    it('renders many recipients without running MJML again', async () => {
      writeTemplates(root);
      const template = (await loader.loadAll(root, GLOBALS)).get('basic')!;
      const compile = jest.spyOn(compiler, 'compile');
      for (let i = 0; i < 50; i++) {
        const email = template.render('en', {
          subscriber: { name: `R${i}`, email: `r${i}@example.com` },
          marketing: true,
          links: { confirm: `https://x.example/c/${i}`, unsubscribe: `https://x.example/u/${i}` },
        });
        expect(email.html).toContain(`Hi R${i}`);
      }
      expect(compile).not.toHaveBeenCalled();
    });
  });

  describe('RenderingService over a directory', () => {
    beforeAll(() => Logger.overrideLogger(false));

    it('refuses to start when a template is broken, and keeps the loaded set when a version does not compile', async () => {
      writeTemplates(root, { 'basic/text.hbs': '{{gone}}' });
      const broken = new RenderingService(
        renderingConfig({ TEMPLATES_DIR: root }),
        compiler,
        new MemoryTemplateStore().asStore(),
      );
      await expect(broken.onModuleInit()).rejects.toThrow(
        'Template "basic" (nl), basic/text.hbs line 1: missing variable "gone"',
      );

      writeTemplates(root);
      const store = new MemoryTemplateStore();
      const service = new RenderingService(
        renderingConfig({ TEMPLATES_DIR: root }),
        compiler,
        store.asStore(),
      );
      await service.onModuleInit();
      service.onModuleDestroy();
      const before = service.list();
      const content = (await store.version('basic', 1))!.content;
      content.locales.en!.mjml = '<mjml><mj-body><mj-txt /></mj-body></mjml>';
      store.publish('basic', content);
      await service.refresh();
      expect(service.list()).toEqual(before);
      expect(service.preview('basic', 'en').subject).toBe('Hello');
    });

    it('says where the templates should be when the directory does not exist', async () => {
      const service = new RenderingService(
        renderingConfig({ TEMPLATES_DIR: join(root, 'missing') }),
        compiler,
        new MemoryTemplateStore().asStore(),
      );
      await expect(service.onModuleInit()).rejects.toThrow(
        /templates directory .* does not exist\. Set TEMPLATES_DIR/,
      );
    });
  });
});
