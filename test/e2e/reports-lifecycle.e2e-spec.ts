import { SuppressionsService } from '../../src/audience/suppressions/suppressions.service';
import { createSubscriber, lifecycleRuleInput, topicInput, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { LifecycleDriver } from '../support/lifecycle-driver';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

interface AuditItem {
  rule: { key: string };
  subscriberId: string;
  date: string;
  status: string;
  reason: string | null;
  sendAt: string | null;
  deadlineAt: string;
  messageId: string | null;
  ledgerStatus: string | null;
}

/**
 * The engine is driven through simulated time (ControllableClock, LifecycleDriver, a real SMTP
 * server in-process) with subscribers in every situation the trust audit distinguishes; every
 * subscriber lives in UTC and the rule sends at 09:00, so the figures can be worked out by hand
 * (see the comments). The audit's predictions are then checked against what the engine does
 * when time moves on.
 */
describe('Reports on lifecycle rules: the trust audit, missed deadlines, per-rule figures and lead times', () => {
  // The rules are created at 08:00 on 4 January 2027.
  const clock = new ControllableClock('2027-01-04T08:00:00Z');
  let t: TestApp;
  let smtp: SmtpSink;
  let drive: LifecycleDriver;
  let readKey: string;
  let topicKey: string;
  const refused = new Set<string>();
  const sub: Record<string, { id: string; email: string }> = {};
  const rule: Record<'renewal' | 'warranty' | 'usage', { id: string; key: string }> = {
    renewal: { id: '', key: 'audit-renewal' },
    warranty: { id: '', key: 'audit-warranty' },
    usage: { id: '', key: 'audit-usage' },
  };
  const get = (path: string, key = readKey) =>
    t.http().get(path).set('Authorization', `Bearer ${key}`);

  async function subscriber(name: string, dates: Record<string, string>, topics = true) {
    const { id, email } = await createSubscriber(t, {
      email: uniqueEmail(name),
      timezone: 'UTC',
      dates,
      topics: topics ? [{ topic: topicKey }] : [],
    });
    sub[name] = { id, email };
  }

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    // A permanent refusal that is no hard bounce: the notice fails and waits for the sweep.
    smtp.failNext('data', 554, '5.7.1 Message refused by policy', 1e9, (r) => refused.has(r));
    t = await createTestApp({
      clock,
      env: {
        SMTP_URL: smtp.url,
        // Only the driver ticks and dispatches, at the simulated moments this test chooses.
        SCHEDULER_INTERVAL_MS: '3600000',
        DISPATCH_INTERVAL_MS: '3600000',
        DELIVERY_RETRY_BASE_MS: '60000',
        DELIVERY_MAX_ATTEMPTS: '50',
      },
    });
    drive = new LifecycleDriver(t, clock);
    readKey = await t.keyWith('reports:read');
    const topic = topicInput({ kind: 'notice', allowedFrequencies: ['monthly'] });
    topicKey = topic.key;
    await t.api().post('/v1/topics').send(topic).expect(201);
    // 30 days before renewal_date at 09:00, deadline 14 days before at 17:00 (local = UTC here).
    rule.renewal.id = (
      await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(lifecycleRuleInput(topicKey, { key: rule.renewal.key }))
        .expect(201)
    ).body.id;
    rule.warranty.id = (
      await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(
          lifecycleRuleInput(topicKey, {
            key: rule.warranty.key,
            trigger: { type: 'date', date: 'warranty_expires_on', offsetDays: -30 },
            deadlineDays: -7,
            enabled: false,
          }),
        )
        .expect(201)
    ).body.id;
    rule.usage.id = (
      await t
        .api()
        .post('/v1/lifecycle-rules')
        .send(
          lifecycleRuleInput(topicKey, {
            key: rule.usage.key,
            trigger: { type: 'event', event: 'usage.threshold', offsetDays: 0 },
            deadlineDays: 2,
          }),
        )
        .expect(201)
    ).body.id;

    // Sent on 4 January at 09:00: renewals on 26 January and 1 February.
    await subscriber('sent1', { renewal_date: '2027-01-26' });
    await subscriber('sent2', { renewal_date: '2027-02-01' });
    // Send day 5 January: sent then, at 09:00.
    await subscriber('sent3', { renewal_date: '2027-02-04' });
    // A renewal in 20 days (seen from the audit on 6 January), but they left the notice topic.
    await subscriber('left', { renewal_date: '2027-01-26' });
    await t.api().delete(`/v1/subscribers/${sub.left.id}/subscriptions/${topicKey}`).expect(200);
    // A renewal in 20 days, address suppressed: the notice is written and delivery suppresses it.
    await subscriber('suppressed', { renewal_date: '2027-01-26' });
    // Suppressed, with the notice not written yet (send day 21 January): the hash check decides.
    await subscriber('suppressed2', { renewal_date: '2027-02-20' });
    for (const name of ['suppressed', 'suppressed2'])
      await t.app.get(SuppressionsService).suppress(sub[name].email, 'manual');
    // Send day 21 January, deadline 6 February 17:00; paused until 1 March: past the deadline.
    await subscriber('pausedPast', { renewal_date: '2027-02-20' });
    // Same dates, paused until 25 January 00:00: the notice waits for 25 January 09:00.
    await subscriber('pausedShort', { renewal_date: '2027-02-20' });
    await t.dataSource.query(
      `UPDATE subscribers SET paused_until = CASE id WHEN $1 THEN '2027-03-01T00:00:00Z'::timestamptz
                                                      ELSE '2027-01-25T00:00:00Z'::timestamptz END
        WHERE id IN ($1, $2)`,
      [sub.pausedPast.id, sub.pausedShort.id],
    );
    // The address bounced.
    await subscriber('bounced', { renewal_date: '2027-02-20' });
    await t.dataSource.query(`UPDATE subscribers SET status = 'bounced' WHERE id = $1`, [
      sub.bounced.id,
    ]);
    // Send day 26 January: nothing written yet, the forward scan will write it.
    await subscriber('scheduled', { renewal_date: '2027-02-25' });
    // The warranty rule is disabled.
    await subscriber('warranty', { warranty_expires_on: '2027-02-10' });
    // Deadline 5 January 17:00; the mail server refuses the notice for good.
    await subscriber('late', { renewal_date: '2027-01-19' });
    refused.add(sub.late.email);
    // Deadline 27 December 2026, before the rule existed: never promised.
    await subscriber('tooLate', { renewal_date: '2027-01-10' });

    await drive.step('2027-01-04T09:00:00Z');
    await drive.step('2027-01-05T09:00:00Z');
    // The deadline sweep after 17:00 records the miss and writes the apology for 6 January 09:00.
    await drive.step('2027-01-05T18:00:00Z');
    refused.delete(sub.late.email);
    await drive.step('2027-01-06T09:00:00Z');
    await drive.step('2027-01-06T10:00:00Z');
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  async function auditAll(query = ''): Promise<AuditItem[]> {
    const items: AuditItem[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(
        `/v1/reports/audit?limit=4${query}${cursor ? `&cursor=${cursor}` : ''}`,
      ).expect(200);
      items.push(...(res.body.items as AuditItem[]));
      cursor = res.body.nextCursor as string | null;
      if (cursor) expect(res.body.items).toHaveLength(4);
    } while (cursor);
    return items;
  }

  const row = (items: AuditItem[], name: string) => {
    const found = items.filter((i) => i.subscriberId === sub[name].id);
    expect(found).toHaveLength(1);
    return found[0];
  };

  describe('GET /v1/reports/audit', () => {
    it('finds a renewal in 20 days whose subscriber left the notice topic, and one whose address is suppressed, each with its reason', async () => {
      const res = await get('/v1/reports/audit').expect(200);
      expect(res.body.asOf).toBe('2027-01-06T10:00:00.000Z');
      expect(res.body.window).toEqual({ from: '2027-01-06', to: '2027-03-07' });
      const items = res.body.items as AuditItem[];
      expect(row(items, 'left')).toMatchObject({
        rule: { key: rule.renewal.key },
        date: '2027-01-26',
        status: 'none',
        reason: 'left_topic',
        sendAt: null,
        deadlineAt: '2027-01-12T17:00:00.000Z',
        messageId: null,
      });
      // Written on 4 January, then suppressed by delivery: the ledger says so.
      const suppressed = row(items, 'suppressed');
      expect(suppressed).toMatchObject({
        date: '2027-01-26',
        status: 'none',
        reason: 'suppressed',
        ledgerStatus: 'suppressed',
      });
      expect(suppressed.messageId).toEqual(expect.any(String));
      // Not written yet: the keyed hash of the address, computed in SQL, is in suppressions.
      expect(row(items, 'suppressed2')).toMatchObject({
        date: '2027-02-20',
        status: 'none',
        reason: 'suppressed',
        messageId: null,
      });
    });

    it('tells every situation apart, with counts per rule and reason worked out by hand', async () => {
      const res = await get('/v1/reports/audit?limit=100').expect(200);
      const items = res.body.items as AuditItem[];
      expect(row(items, 'sent1')).toMatchObject({
        date: '2027-01-26',
        status: 'sent',
        reason: null,
        sendAt: '2027-01-04T09:00:00.000Z',
        ledgerStatus: 'sent',
      });
      expect(row(items, 'sent3')).toMatchObject({
        status: 'sent',
        sendAt: '2027-01-05T09:00:00.000Z',
      });
      // The engine never lets a pause hide a notice whose deadline would pass: it goes out
      // during the pause, on its send day.
      expect(row(items, 'pausedPast')).toMatchObject({
        date: '2027-02-20',
        status: 'scheduled',
        reason: 'paused_past_deadline',
        sendAt: '2027-01-21T09:00:00.000Z',
        deadlineAt: '2027-02-06T17:00:00.000Z',
      });
      // The pause ends before the deadline: the notice waits for the first window after it.
      expect(row(items, 'pausedShort')).toMatchObject({
        status: 'scheduled',
        reason: 'paused',
        sendAt: '2027-01-25T09:00:00.000Z',
      });
      expect(row(items, 'bounced')).toMatchObject({ status: 'none', reason: 'no_valid_address' });
      expect(row(items, 'scheduled')).toMatchObject({
        date: '2027-02-25',
        status: 'scheduled',
        reason: null,
        sendAt: '2027-01-26T09:00:00.000Z',
        messageId: null,
      });
      expect(row(items, 'warranty')).toMatchObject({
        rule: { key: rule.warranty.key },
        date: '2027-02-10',
        status: 'none',
        reason: 'rule_disabled',
      });
      expect(row(items, 'late')).toMatchObject({
        date: '2027-01-19',
        status: 'none',
        reason: 'deadline_missed',
        ledgerStatus: 'skipped',
      });
      expect(row(items, 'tooLate')).toMatchObject({
        date: '2027-01-10',
        status: 'none',
        reason: 'deadline_passed',
        messageId: null,
      });
      expect(items).toHaveLength(13);
      // By rule key, then date, then subscriber id.
      const order = items.map((i) => `${i.rule.key} ${i.date} ${i.subscriberId}`);
      expect(order).toEqual([...order].sort());
      expect(res.body.nextCursor).toBeNull();

      const byKey = Object.fromEntries(
        (res.body.rules as Array<{ rule: { key: string }; note: string | null }>).map((r) => [
          r.rule.key,
          r,
        ]),
      );
      expect(Object.keys(byKey)).toEqual([rule.renewal.key, rule.usage.key, rule.warranty.key]);
      expect(byKey[rule.renewal.key]).toMatchObject({
        applicable: true,
        note: null,
        dates: 12,
        sent: 3,
        scheduled: 3,
        none: 6,
        byReason: {
          left_topic: 1,
          suppressed: 2,
          no_valid_address: 1,
          deadline_missed: 1,
          deadline_passed: 1,
          paused_past_deadline: 1,
          paused: 1,
        },
      });
      expect(byKey[rule.warranty.key]).toMatchObject({
        applicable: true,
        rule: { enabled: false, triggerType: 'date' },
        dates: 1,
        none: 1,
        byReason: { rule_disabled: 1 },
      });
      expect(byKey[rule.usage.key]).toMatchObject({
        applicable: false,
        dates: 0,
        rule: { triggerType: 'event' },
      });
      expect(byKey[rule.usage.key].note).toContain('cannot be foreseen');
      expect(res.body.totals).toEqual({
        dates: 13,
        sent: 3,
        scheduled: 3,
        none: 7,
        byReason: {
          left_topic: 1,
          suppressed: 2,
          no_valid_address: 1,
          deadline_missed: 1,
          deadline_passed: 1,
          paused_past_deadline: 1,
          paused: 1,
          rule_disabled: 1,
        },
      });
    });

    it('filters by rule, reason and status; keyset pages add up to the whole list', async () => {
      const all = (await get('/v1/reports/audit?limit=100').expect(200)).body.items as AuditItem[];
      expect(await auditAll()).toEqual(all);

      const suppressed = await auditAll('&reason=suppressed');
      expect(suppressed.map((i) => i.subscriberId).sort()).toEqual(
        [sub.suppressed.id, sub.suppressed2.id].sort(),
      );
      const none = await auditAll('&status=none');
      expect(none).toEqual(all.filter((i) => i.status === 'none'));
      expect(none).toHaveLength(7);
      const scheduled = await auditAll(`&status=scheduled&rule=${rule.renewal.key}`);
      expect(scheduled.map((i) => i.subscriberId).sort()).toEqual(
        [sub.pausedPast.id, sub.pausedShort.id, sub.scheduled.id].sort(),
      );

      const warranty = await get(`/v1/reports/audit?rule=${rule.warranty.id}`).expect(200);
      expect(warranty.body.items.map((i: AuditItem) => i.subscriberId)).toEqual([sub.warranty.id]);
      expect(warranty.body.rules.map((r: { rule: { key: string } }) => r.rule.key)).toEqual([
        rule.warranty.key,
      ]);

      // Later pages carry rows only; the counts come with the first page.
      const first = await get('/v1/reports/audit?limit=2&status=none').expect(200);
      expect(first.body.rules).not.toBeNull();
      const second = await get(
        `/v1/reports/audit?limit=2&status=none&cursor=${first.body.nextCursor}`,
      ).expect(200);
      expect(second.body.rules).toBeNull();
      expect(second.body.totals).toBeNull();
      expect(second.body.items).toEqual(none.slice(2, 4));
    });

    it('looks N days ahead', async () => {
      const res = await get('/v1/reports/audit?days=20&limit=100').expect(200);
      expect(res.body.window).toEqual({ from: '2027-01-06', to: '2027-01-26' });
      expect(
        (res.body.items as AuditItem[]).map((i) => i.date).filter((d, i, a) => a.indexOf(d) === i),
      ).toEqual(['2027-01-10', '2027-01-19', '2027-01-26']);
      expect(res.body.totals.dates).toBe(5);
    });

    it('refuses bad input, naming the field; needs reports:read', async () => {
      const bad = async (query: string, field: string, status = 400) => {
        const res = await get(`/v1/reports/audit?${query}`).expect(status);
        expect(res.body.field).toBe(field);
      };
      await bad('days=0', 'days');
      await bad('days=400', 'days');
      await bad('reason=lazy', 'reason');
      await bad('status=maybe', 'status');
      await bad('limit=501', 'limit');
      await bad('cursor=nonsense', 'cursor');
      await bad('rule=no-such-rule', 'rule', 404);
      const other = await t.keyWith('lifecycle:read');
      await get('/v1/reports/audit', other).expect(403);
    });

    it('computes the suppression hash in SQL exactly as SuppressionsService.hash does', async () => {
      const service = t.app.get(SuppressionsService);
      const addresses = ['ada@example.test', 'zoë.ñandú@exämple.test', 'x+tag@example.test'];
      const params: unknown[] = [];
      const sql = service.sqlHash('a', (v) => {
        params.push(v);
        return `$${params.length}`;
      });
      params.push(addresses);
      const rows = await t.dataSource.query<Array<{ h: string }>>(
        `SELECT ${sql} AS h FROM unnest($${params.length}::text[]) WITH ORDINALITY AS x(a, n) ORDER BY n`,
        params,
      );
      expect(rows.map((r) => r.h)).toEqual(addresses.map((a) => service.hash(a)));
    });
  });

  describe('GET /v1/reports/missed-deadlines', () => {
    it('lists the missed promise with its cause and apology, counts per rule', async () => {
      const res = await get('/v1/reports/missed-deadlines?from=2027-01-01&to=2027-01-31').expect(
        200,
      );
      expect(res.body.total).toBe(1);
      expect(res.body.byRule).toEqual([
        {
          rule: { id: rule.renewal.id, key: rule.renewal.key, name: 'Renewal reminder' },
          missed: 1,
          byCause: { failed: 1 },
          apologies: { sent: 1 },
        },
      ]);
      expect(res.body.items).toHaveLength(1);
      expect(res.body.items[0]).toMatchObject({
        rule: { key: rule.renewal.key },
        subscriberId: sub.late.id,
        anchor: '2027-01-19',
        deadlineAt: '2027-01-05T17:00:00.000Z',
        detectedAt: '2027-01-05T18:00:00.000Z',
        cause: 'failed',
        apology: { status: 'sent', sentAt: '2027-01-06T09:00:00.000Z', skipReason: null },
      });
      expect(res.body.items[0].lastError).toContain('554');
      expect(res.body.nextCursor).toBeNull();

      const other = await get('/v1/reports/missed-deadlines?from=2027-01-06&to=2027-01-31').expect(
        200,
      );
      expect(other.body).toMatchObject({ total: 0, byRule: [], items: [] });
      await get('/v1/reports/missed-deadlines?rule=nope').expect(404);
      await get('/v1/reports/missed-deadlines?cursor=bad').expect(400);
    });

    it('is a Prometheus gauge', async () => {
      const res = await t.http().get('/metrics').expect(200);
      expect(res.text).toMatch(
        new RegExp(
          `^tidings_missed_deadlines\\{rule="${rule.renewal.key}",cause="failed"[^}]*\\} 1$`,
          'm',
        ),
      );
    });
  });

  describe('per-rule figures, and lead times and missed deadlines per topic and template', () => {
    it('per rule', async () => {
      const res = await get('/v1/reports/rules?from=2027-01-01&to=2027-01-31').expect(200);
      expect(res.body.rows.map((r: { rule: { key: string } }) => r.rule.key)).toEqual([
        rule.renewal.key,
        rule.usage.key,
        rule.warranty.key,
      ]);
      // Three notices and one apology. Lead times: 26 Jan 00:00 - 4 Jan 09:00 = 21.625 days,
      // 1 Feb - 4 Jan 09:00 = 27.625, 4 Feb - 5 Jan 09:00 = 29.625: median 27.625 (the apology
      // is not a notice ahead of a date).
      expect(res.body.rows[0]).toMatchObject({
        rule: { id: rule.renewal.id, triggerType: 'date', enabled: true, deleted: false },
        sent: 4,
        apologiesSent: 1,
        missedDeadlines: 1,
        medianLeadDays: 27.63,
      });
      expect(res.body.rows[2]).toMatchObject({
        rule: { key: rule.warranty.key, enabled: false },
        sent: 0,
        missedDeadlines: 0,
        medianLeadDays: null,
      });
      expect(res.body.totals).toMatchObject({ sent: 4, missedDeadlines: 1, medianLeadDays: 27.63 });

      // Only 5 January: the third notice (29.625 days ahead) and the miss detected at 18:00.
      const day = await get('/v1/reports/rules?from=2027-01-05&to=2027-01-05').expect(200);
      expect(day.body.rows[0]).toMatchObject({
        sent: 1,
        missedDeadlines: 1,
        medianLeadDays: 29.63,
      });
    });

    it('per topic and per template', async () => {
      const topics = await get('/v1/reports/topics?from=2027-01-01&to=2027-01-31').expect(200);
      expect(topics.body.rows).toHaveLength(1);
      expect(topics.body.rows[0]).toMatchObject({
        topic: { key: topicKey, kind: 'notice' },
        sent: 4,
        missedDeadlines: 1,
        medianLeadDays: 27.63,
      });
      const templates = await get('/v1/reports/templates?from=2027-01-01&to=2027-01-31').expect(
        200,
      );
      const byTemplate = Object.fromEntries(
        templates.body.rows.map((r: { template: string }) => [r.template, r]),
      );
      expect(byTemplate.notice).toMatchObject({
        sent: 3,
        missedDeadlines: 1,
        medianLeadDays: 27.63,
      });
      expect(byTemplate.apology).toMatchObject({
        sent: 1,
        missedDeadlines: 0,
        medianLeadDays: null,
      });
    });

    it('is documented in the OpenAPI document', async () => {
      const doc = (await t.http().get('/docs/openapi.json').expect(200)).body;
      const names = (path: string) =>
        doc.paths[path].get.parameters.map((p: { name: string }) => p.name);
      expect(names('/v1/reports/rules')).toEqual(expect.arrayContaining(['from', 'to']));
      expect(names('/v1/reports/missed-deadlines')).toEqual(
        expect.arrayContaining(['from', 'to', 'rule', 'limit', 'cursor']),
      );
      expect(names('/v1/reports/audit')).toEqual(
        expect.arrayContaining(['days', 'rule', 'reason', 'status', 'limit', 'cursor']),
      );
      expect(doc.components.schemas.AuditReportDto).toBeDefined();
      expect(doc.components.schemas.AuditItemDto.properties.reason.enum).toContain('left_topic');
      expect(doc.paths['/v1/reports/audit'].get.security).toBeDefined();
    });
  });

  describe('what the engine then does matches what the audit said', () => {
    it('a date added behind the scan is scheduled while its recheck is pending, and not_picked_up when nothing would write it', async () => {
      await subscriber('bulk', {});
      // As a bulk load with SQL would: the date's send day (29 December) has passed.
      await t.dataSource.query(
        `INSERT INTO subscriber_dates (subscriber_id, name, value) VALUES ($1, 'renewal_date', '2027-01-28')`,
        [sub.bulk.id],
      );
      let res = await get(`/v1/reports/audit?limit=100`).expect(200);
      expect(row(res.body.items, 'bulk')).toMatchObject({
        status: 'scheduled',
        reason: null,
        sendAt: '2027-01-06T10:00:00.000Z',
      });
      // With the change triggers off (ALTER TABLE ... DISABLE TRIGGER USER) there is no recheck.
      await t.dataSource.query(`DELETE FROM lifecycle_recheck WHERE subscriber_id = $1`, [
        sub.bulk.id,
      ]);
      res = await get(`/v1/reports/audit?limit=100`).expect(200);
      expect(row(res.body.items, 'bulk')).toMatchObject({
        status: 'none',
        reason: 'not_picked_up',
      });
    });

    it('after three more weeks: what was scheduled was sent when the audit said, the rest got nothing', async () => {
      const before = (await get('/v1/reports/audit?limit=100').expect(200)).body
        .items as AuditItem[];
      for (const at of [
        '2027-01-20T09:00:00Z',
        '2027-01-21T09:00:00Z',
        '2027-01-25T09:00:00Z',
        '2027-01-26T09:00:00Z',
      ])
        await drive.step(at);
      const sent = await t.dataSource.query<Array<{ subscriber_id: string; sent_at: Date }>>(
        `SELECT subscriber_id, sent_at FROM outbound_messages
          WHERE rule_id = $1 AND status = 'sent' AND dedupe_key LIKE 'rule:%'`,
        [rule.renewal.id],
      );
      const sentAt = new Map(sent.map((s) => [s.subscriber_id, new Date(s.sent_at).toISOString()]));
      expect(before.filter((i) => i.status === 'scheduled')).toHaveLength(3);
      for (const item of before.filter((i) => i.status === 'scheduled')) {
        expect([item.subscriberId, sentAt.get(item.subscriberId)]).toEqual([
          item.subscriberId,
          item.sendAt,
        ]);
      }
      for (const item of before.filter((i) => i.status === 'none')) {
        expect([item.subscriberId, sentAt.has(item.subscriberId)]).toEqual([
          item.subscriberId,
          false,
        ]);
        // Whoever missed their deadline got the apology instead.
        const mail = smtp.to(sub[nameOf(item.subscriberId)].email);
        expect(mail).toHaveLength(item.reason === 'deadline_missed' ? 1 : 0);
      }
      // The paused subscriber got the notice during the pause, as the audit said.
      expect(smtp.to(sub.pausedPast.email)).toHaveLength(1);
    }, 60_000);
  });

  function nameOf(id: string): string {
    return Object.entries(sub).find(([, s]) => s.id === id)![0];
  }
});
