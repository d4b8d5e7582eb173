import {
  createSubscriber,
  lifecycleRuleInput,
  noticeContent,
  topicInput,
  uniqueEmail,
} from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { LifecycleDriver } from '../support/lifecycle-driver';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

describe('Lifecycle rules API', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let notices: string;
  let editorial: string;
  const clock = new ControllableClock('2027-01-11T07:00:00Z'); // 08:00 in Amsterdam
  const post = (body: Record<string, unknown>) => t.api().post('/v1/lifecycle-rules').send(body);

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      clock,
      env: { SMTP_URL: smtp.url, DISPATCH_INTERVAL_MS: '60000', DELIVERY_RETRY_BASE_MS: '100' },
    });
    const n = topicInput({ kind: 'notice', allowedFrequencies: ['monthly'] });
    const e = topicInput();
    notices = n.key;
    editorial = e.key;
    await t.api().post('/v1/topics').send(n).expect(201);
    await t.api().post('/v1/topics').send(e).expect(201);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('creates, reads, lists, updates and deletes a rule', async () => {
    const created = await post(
      lifecycleRuleInput(notices, {
        key: 'warranty-ahead',
        trigger: { type: 'date', date: 'warranty_expires_on', offsetDays: -30 },
        sendWindow: { start: '10:00', end: '16:30' },
      }),
    ).expect(201);
    expect(created.body).toMatchObject({
      id: expect.any(String),
      key: 'warranty-ahead',
      topic: notices,
      template: 'notice',
      apologyTemplate: 'apology',
      trigger: { type: 'date', date: 'warranty_expires_on', offsetDays: -30, cooldownDays: 0 },
      deadlineDays: -14,
      sendWindow: { start: '10:00', end: '16:30' },
      enabled: true,
    });
    const byKey = await t.api().get('/v1/lifecycle-rules/warranty-ahead').expect(200);
    const byId = await t.api().get(`/v1/lifecycle-rules/${created.body.id}`).expect(200);
    expect(byId.body).toEqual(byKey.body);
    const list = await t.api().get('/v1/lifecycle-rules').expect(200);
    expect(list.body.map((r: { key: string }) => r.key)).toContain('warranty-ahead');

    const patched = await t
      .api()
      .patch('/v1/lifecycle-rules/warranty-ahead')
      .send({ name: 'Warranty reminder', deadlineDays: -7, enabled: false })
      .expect(200);
    expect(patched.body).toMatchObject({
      name: 'Warranty reminder',
      deadlineDays: -7,
      enabled: false,
    });

    await post(lifecycleRuleInput(notices, { key: 'warranty-ahead' })).expect(409);
    // Never used: removed for good, and the key is free again.
    await t.api().delete('/v1/lifecycle-rules/warranty-ahead').expect(204);
    await t.api().get('/v1/lifecycle-rules/warranty-ahead').expect(404);
    await t.api().delete('/v1/lifecycle-rules/warranty-ahead').expect(404);
    await post(lifecycleRuleInput(notices, { key: 'warranty-ahead' })).expect(201);
    await t.api().delete('/v1/lifecycle-rules/warranty-ahead').expect(204);
  });

  it('refuses invalid rules with 400 naming the field, 404 for an unknown topic, 422 for a topic that is not a notice topic', async () => {
    const field = async (body: Record<string, unknown>, status = 400) =>
      ((await post(body).expect(status)).body as { field: string }).field;
    const base = lifecycleRuleInput(notices);
    expect(await field({ ...base, key: 'Not A Key' })).toBe('key');
    expect(await field({ ...base, trigger: { type: 'birthday' } })).toBe('trigger.type');
    expect(await field({ ...base, trigger: { type: 'date', offsetDays: -30 } })).toBe(
      'trigger.date',
    );
    expect(await field({ ...base, trigger: { type: 'event' } })).toBe('trigger.event');
    expect(await field({ ...base, trigger: { type: 'attribute' } })).toBe('trigger.condition');
    const badCondition = await post({
      ...base,
      trigger: { type: 'attribute', condition: { all: [{ path: 'age', op: 'like', value: 1 }] } },
    }).expect(400);
    expect(badCondition.body).toMatchObject({ field: 'trigger.condition' });
    expect(badCondition.body.message).toContain('condition.all.0.op must be one of');
    expect(
      await field({ ...base, trigger: { type: 'event', event: 'x.y', date: 'renewal_date' } }),
    ).toBe('trigger.date');
    expect(
      await field({ ...base, trigger: { type: 'date', date: 'renewal_date', extra: 1 } }),
    ).toBe('trigger.extra');
    expect(await field({ ...base, deadlineDays: undefined })).toBe('deadlineDays');
    expect(await field({ ...base, deadlineDays: -40 })).toBe('deadlineDays');
    expect(
      await field({
        ...base,
        trigger: { type: 'confirmed', offsetDays: 0 },
        deadlineDays: undefined,
      }),
    ).toBe('trigger.offsetDays');
    expect(await field({ ...base, sendWindow: { start: '17:00', end: '09:00' } })).toBe(
      'sendWindow.end',
    );
    expect(await field({ ...base, sendWindow: { start: '9am', end: '17:00' } })).toBe(
      'sendWindow.start',
    );
    expect(await field({ ...base, template: 'no-such-template' })).toBe('template');
    const content = noticeContent();
    expect(await field({ ...base, content: { en: content.en } })).toBe('content');
    expect(
      await field({ ...base, content: { en: { heading: 'x', intro: 'y' }, nl: content.nl } }),
    ).toBe('content.en.reason');
    expect(await field({ ...base, apologyTemplate: null, apologyContent: { en: {} } })).toBe(
      'apologyContent',
    );
    expect(await field({ ...base, unknown: true })).toBe('unknown');
    expect(await field({ ...base, topic: 'no-such-topic' }, 404)).toBe('topic');
    const wrongKind = await post({ ...base, topic: editorial }).expect(422);
    expect(wrongKind.body).toMatchObject({ field: 'topic', code: 'topic_not_notice' });
    await t.api().get('/v1/lifecycle-rules/nope').expect(404);
    await t.api().patch('/v1/lifecycle-rules/nope').send({ name: 'x' }).expect(404);
  });

  it('needs lifecycle:read to read and lifecycle:write to change rules; both are in the OpenAPI document', async () => {
    const reader = await t.keyWith('lifecycle:read');
    await t
      .http()
      .get('/v1/lifecycle-rules')
      .set({ Authorization: `Bearer ${reader}` })
      .expect(200);
    await t
      .http()
      .post('/v1/lifecycle-rules')
      .set({ Authorization: `Bearer ${reader}` })
      .send(lifecycleRuleInput(notices))
      .expect(403);
    const doc = await t.http().get('/docs/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/lifecycle-rules',
        '/v1/lifecycle-rules/{idOrKey}',
        '/v1/events',
      ]),
    );
    expect(doc.body.components.schemas.CreateLifecycleRuleDto.properties.trigger).toBeDefined();
  });

  it('editing a rule rewrites its queued notices from the new version; disabling cancels them, enabling brings them back', async () => {
    const rule = (await post(lifecycleRuleInput(notices, { key: 'renewal-edited' })).expect(201))
      .body as { id: string };
    const s = await createSubscriber(t, {
      email: uniqueEmail('edit'),
      dates: { renewal_date: '2027-02-11' }, // send day: 12 January
      topics: [{ topic: notices }],
    });
    const drive = new LifecycleDriver(t, clock);
    const row = async () =>
      (
        await t.dataSource.query(
          `SELECT status, skip_reason, data->>'heading' AS heading FROM outbound_messages
            WHERE rule_id = $1 AND subscriber_id = $2`,
          [rule.id, s.id],
        )
      )[0] as { status: string; skip_reason: string | null; heading: string };
    await drive.step('2027-01-11T07:00:00Z');
    expect(await row()).toMatchObject({
      status: 'queued',
      heading: 'Your policy renews on 11 February 2027',
    });

    const content = noticeContent('car insurance');
    await t.api().patch('/v1/lifecycle-rules/renewal-edited').send({ content }).expect(200);
    expect(await row()).toMatchObject({ status: 'skipped', skip_reason: 'rule_changed' });
    await drive.step('2027-01-11T07:01:00Z');
    expect(await row()).toMatchObject({
      status: 'queued',
      heading: 'Your car insurance renews on 11 February 2027',
    });

    await t.api().patch('/v1/lifecycle-rules/renewal-edited').send({ enabled: false }).expect(200);
    expect(await row()).toMatchObject({ status: 'skipped', skip_reason: 'rule_disabled' });
    await drive.step('2027-01-11T07:02:00Z');
    expect((await row()).status).toBe('skipped');
    await t.api().patch('/v1/lifecycle-rules/renewal-edited').send({ enabled: true }).expect(200);
    await drive.step('2027-01-12T08:00:00Z');
    expect(await row()).toMatchObject({ status: 'sent' });
    expect(smtp.to(s.email).map((m) => m.parsed.subject)).toEqual([
      'Your car insurance renews on 11 February 2027',
    ]);
    // Deleting a rule with history keeps it for reports and cancels nothing already sent.
    await t.api().delete('/v1/lifecycle-rules/renewal-edited').expect(204);
    expect((await row()).status).toBe('sent');
    await post(lifecycleRuleInput(notices, { key: 'renewal-edited' })).expect(201);
  });
});
