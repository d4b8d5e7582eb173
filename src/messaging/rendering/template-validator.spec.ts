import { Logger } from '@nestjs/common';
import { MemoryTemplateStore } from '../../../test/support/memory-template-store';
import { renderingConfig } from '../../../test/support/rendering-config';
import { MjmlCompiler } from './mjml-compiler';
import { RenderingService } from './rendering.service';
import { readDefault, TemplateContent } from './template-content';
import { TemplateInvalidError, TemplateValidator } from './template-validator';

describe(TemplateValidator.name, () => {
  let validator: TemplateValidator;
  const notice = () => readDefault('templates', 'notice');

  beforeAll(() => {
    Logger.overrideLogger(false);
    const service = new RenderingService(
      renderingConfig(),
      new MjmlCompiler(),
      new MemoryTemplateStore().asStore(),
    );
    validator = service.validator();
  });

  async function errorsOf(content: TemplateContent) {
    try {
      await validator.validate('notice', content);
    } catch (e) {
      if (e instanceof TemplateInvalidError) return e.errors;
      throw e;
    }
    return [];
  }

  it('accepts every shipped default without warnings', async () => {
    for (const key of ['apology', 'campaign', 'digest', 'notice', 'welcome']) {
      const { warnings } = await validator.validate(key, readDefault('templates', key));
      expect(warnings).toEqual([]);
    }
  });

  it('flags undeclared top-level variables, not helpers, item fields inside #each or #with, or @data', async () => {
    const content = notice();
    content.locales.en!.subject =
      '{{formatDate renewsOn}} {{#each details}}{{label}}{{/each}}{{#with cta}}{{url}}{{/with}} {{@subject}}';
    const errors = await errorsOf(content);
    expect(errors).toEqual([
      expect.objectContaining({
        field: 'locales.en.subject',
        line: 1,
        column: 14,
        code: 'template_unknown_variable',
      }),
    ]);
    expect(errors[0].message).toContain('"renewsOn"');
  });

  it('names the line and column of an unknown variable in the MJML, past the shared partials', async () => {
    const content = notice();
    const lines = content.locales.nl!.mjml.split('\n');
    const at = lines.findIndex((l) => l.includes('{{intro}}'));
    lines[at] = lines[at].replace('{{intro}}', '{{intro}} {{oops}}');
    content.locales.nl!.mjml = lines.join('\n');
    const [error] = await errorsOf(content);
    expect(error).toMatchObject({ field: 'locales.nl.mjml', line: at + 1 });
    // The column of the variable's name.
    expect(error.column).toBe(lines[at].indexOf('oops') + 1);
  });

  it('refuses a marketing template without the footer, and accepts a transactional one', async () => {
    const content = notice();
    content.locales.en!.text = content.locales.en!.text.replace('{{> footer}}', '');
    expect(await errorsOf(content)).toEqual([
      expect.objectContaining({ field: 'locales.en.text', code: 'template_footer_missing' }),
    ]);
    content.marketing = false;
    for (const l of Object.values(content.locales)) l!.sample.marketing = false;
    expect(await errorsOf(content)).toEqual([]);
  });

  it('refuses a missing locale and a variable the sample lacks', async () => {
    const content = notice();
    delete content.locales.nl;
    expect(await errorsOf(content)).toEqual([
      expect.objectContaining({ field: 'locales.nl', code: 'template_locale_missing' }),
    ]);
    const lacking = notice();
    delete lacking.locales.en!.sample.reason;
    expect(await errorsOf(lacking)).toEqual([
      expect.objectContaining({
        field: 'locales.en.mjml',
        code: 'template_missing_variable',
        line: expect.any(Number),
      }),
    ]);
  });

  it('warns about spammy subjects, and not about plain ones', async () => {
    const subjects: Array<[string, string[]]> = [
      ['Act now: 100% off!!', ['repeated exclamation marks', 'a phrase spam filters score']],
      ['HUGE SALE today', ['words in capitals']],
      ['Win $$ today', ['repeated currency signs']],
      ['Your policy renews on 15 January (100 km included)', []],
      ['NL news: what changed in May', []],
    ];
    for (const [subject, reasons] of subjects) {
      const content = notice();
      content.locales.en!.subject = subject;
      const { warnings } = await validator.validate('notice', content);
      const found = warnings.filter((w) => w.code === 'spammy_subject').map((w) => w.message);
      expect(found).toHaveLength(reasons.length);
      reasons.forEach((r, i) => expect(found[i]).toContain(r));
    }
  });
});
