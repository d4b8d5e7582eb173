import { ArgumentMetadata, BadRequestException } from '@nestjs/common';
import { noticeContent } from '../../../test/factories';
import { CreateTopicDto, UpdateTopicDto } from '../../audience/topics/topic.dto';
import {
  CreateSubscriberDto,
  UpdateSubscriberDto,
} from '../../audience/subscribers/subscriber.dto';
import { TestSendDto } from '../../messaging/delivery/test-send.controller';
import { PreviewTemplateDto } from '../../messaging/rendering/template.dto';
import { createValidationPipe } from '../../platform/http/validation';
import { CreateCampaignDto } from '../../programmes/campaigns/campaign.dto';
import { CreateContentItemDto, UpdateContentItemDto } from '../../programmes/content/content.dto';
import { IngestEventDto } from '../../programmes/lifecycle/event.dto';
import {
  CreateLifecycleRuleDto,
  UpdateLifecycleRuleDto,
} from '../../programmes/lifecycle/lifecycle-rule.dto';

/** The API's request bodies as the global ValidationPipe hands them to controllers. */
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
