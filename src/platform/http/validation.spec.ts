import { validateSync } from 'class-validator';
import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import { CreateCampaignDto } from '../../programmes/campaigns/campaign.dto';
import { CreateContentItemDto, UpdateContentItemDto } from '../../programmes/content/content.dto';
import { TestSendDto } from '../../messaging/delivery/test-send.controller';
import { IngestEventDto } from '../../programmes/lifecycle/event.dto';
import { noticeContent } from '../../../test/factories';
import {
  CreateLifecycleRuleDto,
  UpdateLifecycleRuleDto,
} from '../../programmes/lifecycle/lifecycle-rule.dto';
import { PreviewTemplateDto } from '../../messaging/rendering/template.dto';
import {
  CreateSubscriberDto,
  UpdateSubscriberDto,
} from '../../audience/subscribers/subscriber.dto';
import { CreateTopicDto, UpdateTopicDto } from '../../audience/topics/topic.dto';
import {
  createValidationPipe,
  IsSmallJsonObject,
  normaliseLineEndings,
  normaliseLineEndingsIn,
} from './validation';

describe('normaliseLineEndings', () => {
  it('turns CRLF and a lone CR into LF, and leaves LF and everything else alone', () => {
    expect(normaliseLineEndings('a\r\nb\rc\nd')).toBe('a\nb\nc\nd');
    expect(normaliseLineEndings('a\r\r\nb')).toBe('a\n\nb');
    expect(normaliseLineEndings('a\n\rb')).toBe('a\n\nb');
    expect(normaliseLineEndings('\r')).toBe('\n');
    expect(normaliseLineEndings('Zoë € 🎉\tx')).toBe('Zoë € 🎉\tx');
  });

  it('leaves no CR and keeps one line break for each CRLF, lone CR or lone LF', () => {
    const text = fc
      .array(fc.oneof(fc.constantFrom('\r', '\n', '\r\n', 'é', ' '), fc.string()), {
        maxLength: 30,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (s) => {
        const out = normaliseLineEndings(s);
        expect(out).not.toContain('\r');
        expect(out.split('\n')).toEqual(s.split(/\r\n|\r|\n/));
      }),
      { numRuns: 300 },
    );
  });
});

describe('normaliseLineEndingsIn', () => {
  it('normalises every string value inside a JSON value, in place, keys and non-strings as they are', () => {
    const value = {
      note: 'one\r\ntwo',
      'key\r': 'x',
      n: 5,
      flag: true,
      none: null,
      list: ['a\rb', 3, { deep: [['c\r\nd']] }],
    };
    expect(normaliseLineEndingsIn(value)).toBe(value);
    expect(value).toEqual({
      note: 'one\ntwo',
      'key\r': 'x',
      n: 5,
      flag: true,
      none: null,
      list: ['a\nb', 3, { deep: [['c\nd']] }],
    });
    expect(normaliseLineEndingsIn('a\rb')).toBe('a\nb');
    expect(normaliseLineEndingsIn(42)).toBe(42);
    expect(normaliseLineEndingsIn(undefined)).toBeUndefined();
  });

  it('keeps a __proto__ key an own property, and copes with deep nesting', () => {
    const value = JSON.parse('{"__proto__":"a\\r\\nb","x":{"__proto__":{"y":"c\\rd"}}}');
    normaliseLineEndingsIn(value);
    expect(JSON.stringify(value)).toBe('{"__proto__":"a\\nb","x":{"__proto__":{"y":"c\\nd"}}}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);

    let deep: unknown = 'end\r';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    normaliseLineEndingsIn(deep);
    let inner = deep;
    while (Array.isArray(inner)) inner = inner[0];
    expect(inner).toBe('end\n');
  });
});

describe('NormaliseLineEndings on the DTOs (through the global ValidationPipe)', () => {
  const pipe = createValidationPipe();
  const body = (metatype: ArgumentMetadata['metatype'], value: unknown) =>
    pipe.transform(value, { type: 'body', metatype }) as Promise<Record<string, unknown>>;
  const pasted = 'First line\r\nsecond line\rthird é\n';
  const clean = 'First line\nsecond line\nthird é\n';

  it('content items: summary and body, in the main wording and the variants, on create and update', async () => {
    const created = await body(CreateContentItemDto, {
      topic: 'news',
      kind: 'editorial',
      title: 'Title',
      summary: pasted,
      body: pasted,
      variants: { nl: { title: 'Titel', summary: pasted, body: pasted } },
    });
    expect(created).toMatchObject({
      summary: clean,
      body: clean,
      variants: { nl: { summary: clean, body: clean } },
    });
    const updated = await body(UpdateContentItemDto, { summary: pasted, body: pasted });
    expect(updated).toMatchObject({ summary: clean, body: clean });
  });

  it('subscriber attributes, on create and update', async () => {
    const attributes = { note: pasted, nested: { list: [pasted] }, seats: 3 };
    const expected = { note: clean, nested: { list: [clean] }, seats: 3 };
    const created = await body(CreateSubscriberDto, { email: 'a@example.test', attributes });
    expect(created.attributes).toEqual(expected);
    const updated = await body(UpdateSubscriberDto, { attributes: { note: pasted } });
    expect(updated.attributes).toEqual({ note: clean });
  });

  it('event data, campaign data and template data (test send, preview)', async () => {
    const event = await body(IngestEventDto, {
      subscriber: 'a@example.test',
      type: 'usage.threshold',
      idempotencyKey: 'k1',
      data: { note: pasted, percentUsed: 91 },
    });
    expect(event.data).toEqual({ note: clean, percentUsed: 91 });
    const campaign = await body(CreateCampaignDto, {
      topic: 'news',
      template: 'notice',
      kind: 'editorial',
      data: { intro: pasted },
    });
    expect(campaign.data).toEqual({ intro: clean });
    const test = await body(TestSendDto, {
      to: 'me@example.test',
      locale: 'en',
      data: { a: pasted },
    });
    expect(test.data).toEqual({ a: clean });
    const preview = await body(PreviewTemplateDto, { locale: 'en', data: { a: pasted } });
    expect(preview.data).toEqual({ a: clean });
  });

  it('topic name and description; lifecycle rule description and texts, on create and update', async () => {
    const topic = await body(CreateTopicDto, {
      key: 'news',
      name: 'News\r\nletter',
      description: pasted,
      kind: 'editorial',
      allowedFrequencies: ['monthly'],
    });
    expect(topic).toMatchObject({ name: 'News\nletter', description: clean });
    expect(await body(UpdateTopicDto, { description: pasted })).toMatchObject({
      description: clean,
    });

    const content = noticeContent();
    content.en.intro = pasted;
    const rule = await body(CreateLifecycleRuleDto, {
      key: 'renewal-ahead',
      name: 'Renewal',
      description: pasted,
      topic: 'renewals',
      template: 'notice',
      trigger: { type: 'date', date: 'renewal_date', offsetDays: -30 },
      deadlineDays: -14,
      content,
      apologyContent: { en: { intro: pasted } },
    });
    expect(rule).toMatchObject({
      description: clean,
      content: { en: { intro: clean } },
      apologyContent: { en: { intro: clean } },
    });
    const updated = await body(UpdateLifecycleRuleDto, { content: { ...content } });
    expect(updated).toMatchObject({ content: { en: { intro: clean } } });
  });

  it('still refuses line breaks where a field is one line (a content title)', async () => {
    await expect(
      body(CreateContentItemDto, { topic: 'news', kind: 'editorial', title: 'a\r\nb' }),
    ).rejects.toBeInstanceOf(BadRequestException);
  });
});

class Holder {
  @IsSmallJsonObject(1024)
  data!: unknown;
}

const valid = (data: unknown) => validateSync(Object.assign(new Holder(), { data })).length === 0;

describe(IsSmallJsonObject.name, () => {
  it('takes a plain, small object', () => {
    expect(valid({ plan: 'family', age: 9, nested: { ok: [1, 'two', null] } })).toBe(true);
  });

  it('refuses arrays, null, large or deep objects', () => {
    expect(valid([])).toBe(false);
    expect(valid(null)).toBe(false);
    expect(valid({ big: 'x'.repeat(2000) })).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(valid(deep)).toBe(false);
  });

  it('refuses text jsonb cannot store: NUL and unpaired surrogates, in values and keys', () => {
    expect(valid({ plan: 'a\u0000' })).toBe(false);
    expect(valid({ 'p\u0000': 1 })).toBe(false);
    expect(valid({ plan: ['\ud800'] })).toBe(false);
    expect(valid({ plan: '\ud83d\ude00' })).toBe(true);
  });
});
