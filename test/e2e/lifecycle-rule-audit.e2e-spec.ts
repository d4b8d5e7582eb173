import { SuppressionsService } from '../../src/audience/suppressions/suppressions.service';
import { createSubscriber, lifecycleRuleInput, topicInput, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { LifecycleDriver } from '../support/lifecycle-driver';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

interface Item {
  subscriberId: string;
  date: string;
  status: string;
  reason: string | null;
}

/**
 * GET /v1/lifecycle-rules/{idOrKey}/audit: a disabled rule's audit says what enabling it would
 * promise (classified by the trust audit's own rules), and after enabling the engine does what it
 * said. GET /v1/locales. The activity log records a rule's creation, change, enabling,
 * disabling and deletion.
 */
describe('A lifecycle rule’s audit before enabling it', () => {
  // Every subscriber lives in UTC; the rule sends 30 days before renewal_date at 09:00 and must
  // arrive by 14 days before (17:00). It is 08:00 on 4 January 2027.
  const clock = new ControllableClock('2027-01-04T08:00:00Z');
  let t: TestApp;
  let smtp: SmtpSink;
  let drive: LifecycleDriver;
  let topicKey: string;
  const ruleKey = 'renewal-console';
  const sub: Record<string, { id: string; email: string }> = {};

  async function subscriber(name: string, dates: Record<string, string>, topics = true) {
    sub[name] = await createSubscriber(t, {
      email: uniqueEmail(name),
      timezone: 'UTC',
      dates,
      topics: topics ? [{ topic: topicKey }] : [],
    });
  }
  const audit = (query = '', key?: string) => {
    const req = t.http().get(`/v1/lifecycle-rules/${ruleKey}/audit${query}`);
    return key
      ? req.set('Authorization', `Bearer ${key}`)
      : req.set('Authorization', `Bearer ${t.adminKey}`);
  };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      clock,
      env: {
        SMTP_URL: smtp.url,
        SCHEDULER_INTERVAL_MS: '3600000',
        DISPATCH_INTERVAL_MS: '3600000',
      },
    });
    drive = new LifecycleDriver(t, clock);
    const topic = topicInput({ kind: 'notice', allowedFrequencies: ['monthly'] });
    topicKey = topic.key;
    await t.api().post('/v1/topics').send(topic).expect(201);
    await t
      .api()
      .post('/v1/lifecycle-rules')
      .send(lifecycleRuleInput(topicKey, { key: ruleKey, enabled: false }))
      .expect(201);

    // Send day 21 January and 26 January: the forward scan writes them then.
    await subscriber('ahead1', { renewal_date: '2027-02-20' });
    await subscriber('ahead2', { renewal_date: '2027-02-25' });
    // Send day 27 December has passed, deadline 12 January 17:00 has not: sent at once (09:00).
    await subscriber('late', { renewal_date: '2027-01-26' });
    // Deadline 27 December 2026: too late, and never promised.
    await subscriber('tooLate', { renewal_date: '2027-01-10' });
    // On the topic without a renewal date.
    await subscriber('noDate', {});
    // Left the notice topic.
    await subscriber('left', { renewal_date: '2027-02-20' });
    await t.api().delete(`/v1/subscribers/${sub.left.id}/subscriptions/${topicKey}`).expect(200);
    // Suppressed address.
    await subscriber('suppressed', { renewal_date: '2027-02-20' });
    await t.app.get(SuppressionsService).suppress(sub.suppressed.email, 'manual');
    // Never joined the notice topic.
    await subscriber('notJoined', { renewal_date: '2027-02-20' }, false);
    // After the 60-day window (to 5 March).
    await subscriber('later', { renewal_date: '2027-06-01' });
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const reasons = (items: Item[]) =>
    Object.fromEntries(
      Object.entries(sub)
        .map(([name, s]) => [name, items.find((i) => i.subscriberId === s.id)] as const)
        .filter(([, i]) => i)
        .map(([name, i]) => [name, `${i!.status}:${i!.reason ?? ''}`]),
    );
  const expected = {
    ahead1: 'scheduled:',
    ahead2: 'scheduled:',
    late: 'scheduled:',
    tooLate: 'none:deadline_passed',
    left: 'none:left_topic',
    suppressed: 'none:suppressed',
    notJoined: 'none:not_subscribed',
  };

  it('classifies a disabled rule as if it were enabled now, with who has no date', async () => {
    const res = await audit().expect(200);
    expect(res.body).toMatchObject({
      asOf: '2027-01-04T08:00:00.000Z',
      days: 60,
      window: { from: '2027-01-04', to: '2027-03-05' },
      asIfEnabled: true,
      withoutDate: 1,
      afterWindow: 1,
      nextCursor: null,
      counts: {
        rule: { key: ruleKey, enabled: false },
        applicable: true,
        dates: 7,
        sent: 0,
        scheduled: 3,
        none: 4,
        byReason: { deadline_passed: 1, left_topic: 1, suppressed: 1, not_subscribed: 1 },
      },
    });
    expect(reasons(res.body.items)).toEqual(expected);
    const late = res.body.items.find((i: Item) => i.subscriberId === sub.late.id);
    expect(late.sendAt).toBe('2027-01-04T09:00:00.000Z');

    // The trust audit of the disabled rule, as it is: nothing will go out.
    const report = await t.api().get(`/v1/reports/audit?rule=${ruleKey}`).expect(200);
    expect(report.body.rules[0]).toMatchObject({
      dates: 7,
      none: 7,
      byReason: { rule_disabled: 7 },
    });
  });

  it('filters and pages like the trust audit; refuses bad input', async () => {
    const none = await audit('?status=none&limit=2').expect(200);
    expect(none.body.items).toHaveLength(2);
    expect(none.body.items.every((i: Item) => i.status === 'none')).toBe(true);
    const rest = await audit(`?status=none&limit=2&cursor=${none.body.nextCursor}`).expect(200);
    expect(rest.body).toMatchObject({ counts: null, withoutDate: null, afterWindow: null });
    expect([...none.body.items, ...rest.body.items].map((i: Item) => i.reason).sort()).toEqual([
      'deadline_passed',
      'left_topic',
      'not_subscribed',
      'suppressed',
    ]);
    const suppressed = await audit('?reason=suppressed').expect(200);
    expect(suppressed.body.items.map((i: Item) => i.subscriberId)).toEqual([sub.suppressed.id]);
    // The counts do not follow the filter.
    expect(suppressed.body.counts.dates).toBe(7);

    expect((await audit('?days=0').expect(400)).body.field).toBe('days');
    expect((await audit('?reason=bored').expect(400)).body.field).toBe('reason');
    await t.api().get('/v1/lifecycle-rules/no-such-rule/audit').expect(404);
  });

  it('needs lifecycle:read and reports:read', async () => {
    await audit('', await t.keyWith('lifecycle:read')).expect(403);
    await audit('', await t.keyWith('reports:read')).expect(403);
    await audit('', await t.keyWith('lifecycle:read', 'reports:read')).expect(200);
    await t.http().get(`/v1/lifecycle-rules/${ruleKey}/audit`).expect(401);
  });

  it('after enabling, the audit of the enabled rule says the same, and the engine does it', async () => {
    await t.api().patch(`/v1/lifecycle-rules/${ruleKey}`).send({ enabled: true }).expect(200);
    const res = await audit().expect(200);
    expect(res.body.asIfEnabled).toBe(false);
    expect(res.body.counts).toMatchObject({ dates: 7, scheduled: 3, none: 4 });
    expect(reasons(res.body.items)).toEqual(expected);

    await drive.step('2027-01-04T09:00:00Z');
    const after = await audit().expect(200);
    expect(reasons(after.body.items)).toEqual({ ...expected, late: 'sent:' });
    expect(smtp.messages.map((m) => m.to)).toEqual([[sub.late.email]]);
  });

  it('records creating, changing, disabling, enabling and deleting a rule in the activity log', async () => {
    const key = 'activity-rule';
    const created = await t
      .api()
      .post('/v1/lifecycle-rules')
      .send(lifecycleRuleInput(topicKey, { key, enabled: false }))
      .expect(201);
    await t.api().patch(`/v1/lifecycle-rules/${key}`).send({ enabled: true }).expect(200);
    await t.api().patch(`/v1/lifecycle-rules/${key}`).send({ enabled: false }).expect(200);
    await t
      .api()
      .patch(`/v1/lifecycle-rules/${key}`)
      .send({ name: 'Renamed', sendWindow: { start: '10:00', end: '16:00' } })
      .expect(200);
    // A refused change is not recorded.
    await t.api().patch(`/v1/lifecycle-rules/${key}`).send({ deadlineDays: -40 }).expect(400);
    await t.api().delete(`/v1/lifecycle-rules/${key}`).expect(204);

    const log = await t.api().get('/v1/activity?limit=100').expect(200);
    const mine = (log.body.items as Array<Record<string, unknown>>)
      .filter((e) => e.targetId === created.body.id || e.targetId === key)
      .reverse();
    expect(mine.map((e) => [e.action, e.details])).toEqual([
      ['lifecycle_rule.created', { key, enabled: false }],
      ['lifecycle_rule.enabled', { key, enabled: true, fields: ['enabled'] }],
      ['lifecycle_rule.disabled', { key, enabled: false, fields: ['enabled'] }],
      ['lifecycle_rule.changed', { key, enabled: false, fields: ['name', 'sendWindow'] }],
      ['lifecycle_rule.deleted', {}],
    ]);
    expect(mine.every((e) => e.actorType === 'api_key')).toBe(true);
  });

  it('GET /v1/locales names the configured locales, the default first', async () => {
    const res = await t.api().get('/v1/locales').expect(200);
    expect(res.body).toEqual({ locales: ['nl', 'en'], default: 'nl' });
    await t.http().get('/v1/locales').expect(401);
    await t
      .http()
      .get('/v1/locales')
      .set('Authorization', `Bearer ${await t.keyWith('topics:read')}`)
      .expect(200);
  });
});
