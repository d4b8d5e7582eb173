import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SubscriberStatusService } from '../../src/audience/subscribers/subscriber-status.service';
import { SubscriptionsService } from '../../src/audience/subscribers/subscriptions.service';
import { LedgerService } from '../../src/messaging/delivery/ledger.service';
import { EventOutbox } from '../../src/platform/events/event-outbox';
import type { EventType } from '../../src/platform/events/event-types';
import { WebhookDispatcher } from '../../src/surfaces/webhook-endpoints/webhook-dispatcher.service';
import { createSubscriber, topicInput, unique, uniqueEmail } from '../factories';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const PUBLIC_URL = 'https://tidings.test';
const COMPLAINT_SECRET = 'complaint-secret-0123456789abcdef';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; occurredAt: string; data: Record<string, unknown> };
}

/**
 * The receiver's side, as docs/webhooks-out.md shows it: the signature over `<t>.<body>` with the
 * endpoint's secret, and the timestamp within five minutes.
 */
function verify(secret: string, header: string | undefined, raw: string): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2)));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${raw}`).digest();
  const given = Buffer.from(String(parts.v1 ?? ''), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A webhook receiver in this process; `kill()` drops the request in flight and stops listening. */
class Receiver {
  readonly received: Received[] = [];
  private server!: Server;
  private port = 0;
  /** The next request kills the receiver: its connection is cut and nothing listens any more. */
  killOnNext = false;
  private down = false;

  async start(): Promise<this> {
    this.down = false;
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        if (this.killOnNext || this.down) {
          this.killOnNext = false;
          this.down = true;
          req.socket.destroy();
          this.server.close();
          this.server.closeAllConnections();
          return;
        }
        this.received.push({
          path: req.url ?? '',
          headers: req.headers,
          raw,
          body: JSON.parse(raw) as Received['body'],
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => this.server.listen(this.port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

describe('Webhooks out (a real HTTP receiver in this process)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let receiver: Receiver;
  let topic: { id: string; key: string };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    receiver = await new Receiver().start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        MAIL_FROM: '"Acme" <news@acme.test>',
        COMPLAINT_WEBHOOK_SECRET: COMPLAINT_SECRET,
        DELIVERY_RETRY_BASE_MS: '100',
        DISPATCH_INTERVAL_MS: '500',
        WEBHOOK_INTERVAL_MS: '200',
        WEBHOOK_RETRY_BASE_MS: '200',
      },
    });
    topic = (
      await t
        .api()
        .post('/v1/topics')
        .send(topicInput({ allowedFrequencies: ['weekly', 'monthly'] }))
        .expect(201)
    ).body;
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
    await receiver.stop().catch(() => undefined);
  });

  async function endpoint(path: string, body: Record<string, unknown> = {}) {
    const res = await t
      .api()
      .post('/v1/webhook-endpoints')
      .send({ url: receiver.url(path), ...body })
      .expect(201);
    return res.body as { id: string; secret: string; events: string[] };
  }

  /** Sends one ledger message to the subscriber and waits for its outcome. */
  async function send(subscriberId: string) {
    const [id] = await t.app.get(LedgerService).send([
      {
        dedupeKey: unique('test:webhooks-out'),
        subscriberId,
        topicId: topic.id,
        template: 'welcome',
        kind: 'editorial',
        data: { topics: [] },
      },
    ]);
    await eventually(async () => {
      const [row] = await t.dataSource.query(`SELECT status FROM outbound_messages WHERE id = $1`, [
        id,
      ]);
      return ['sent', 'failed'].includes(row.status);
    }, 30_000);
    return id;
  }

  describe('endpoints', () => {
    /** Whether an event of this type is recorded now (looked at inside its own transaction). */
    async function recorded(type: EventType): Promise<boolean> {
      const subscriberId = randomUUID();
      let rows = -1;
      await t.dataSource
        .transaction(async (m) => {
          await t.app
            .get(EventOutbox)
            .record(m, [{ type, subscriberId, data: {}, occurredAt: new Date() }]);
          [{ rows }] = await m.query(
            `SELECT count(*)::int AS rows FROM event_outbox WHERE subscriber_id = $1`,
            [subscriberId],
          );
          throw new Error('roll back');
        })
        .catch(() => undefined);
      return rows === 1;
    }

    it('the outbox records only the event types an enabled endpoint wants', async () => {
      expect(await recorded('subscriber.created')).toBe(false);
      const hook = await endpoint('/interest', { events: ['subscriber.erased'] });
      expect(await recorded('subscriber.created')).toBe(false);
      expect(await recorded('subscriber.erased')).toBe(true);
      await t.api().patch(`/v1/webhook-endpoints/${hook.id}`).send({ enabled: false }).expect(200);
      expect(await recorded('subscriber.erased')).toBe(false);
      await t
        .api()
        .patch(`/v1/webhook-endpoints/${hook.id}`)
        .send({ enabled: true, events: ['*'] })
        .expect(200);
      expect(await recorded('subscriber.created')).toBe(true);
      await t.api().delete(`/v1/webhook-endpoints/${hook.id}`).expect(200);
      expect(await recorded('subscriber.erased')).toBe(false);
    });

    it('refuses a bad URL or an unknown event type with a 400 naming the field', async () => {
      for (const url of ['ftp://crm.example.com/hook', 'not a url', 'javascript:alert(1)']) {
        const res = await t.api().post('/v1/webhook-endpoints').send({ url }).expect(400);
        expect(res.body.field).toBe('url');
      }
      const events = await t
        .api()
        .post('/v1/webhook-endpoints')
        .send({ url: 'https://crm.example.com/hook', events: ['subscriber.deleted'] })
        .expect(400);
      expect(events.body.field).toMatch(/^events/);
      const short = await t
        .api()
        .post('/v1/webhook-endpoints')
        .send({ url: 'https://crm.example.com/hook', secret: 'short' })
        .expect(400);
      expect(short.body.field).toBe('secret');
      const patched = await endpoint('/patched');
      const patch = await t
        .api()
        .patch(`/v1/webhook-endpoints/${patched.id}`)
        .send({ url: 'mailto:someone@example.com' })
        .expect(400);
      expect(patch.body.field).toBe('url');
      await t.api().delete(`/v1/webhook-endpoints/${patched.id}`).expect(200);
      expect(
        (await t.api().get('/v1/webhook-endpoints').expect(200)).body.filter(
          (e: { url: string }) => !e.url.startsWith(receiver.url('')),
        ),
      ).toEqual([]);
    });

    it('documents every operation with its success and error responses', async () => {
      const doc = (await t.http().get('/docs/openapi.json').expect(200)).body as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, { properties: Record<string, unknown> }> };
      };
      const ops = {
        // 413 and 415 on every operation with a body, 503 on every /v1 operation (the contract's
        // request-wide answers).
        '/v1/webhook-endpoints': { post: ['201', '400', '413', '415'], get: ['200'] },
        '/v1/webhook-endpoints/{id}': {
          get: ['200', '400', '404'],
          patch: ['200', '400', '404', '413', '415'],
          delete: ['200', '400', '404'],
        },
        '/v1/webhook-endpoints/{id}/deliveries': { get: ['200', '400', '404'] },
        '/v1/webhook-endpoints/{id}/deliveries/{deliveryId}/replay': {
          post: ['202', '400', '404'],
        },
      };
      for (const [path, methods] of Object.entries(ops)) {
        for (const [method, statuses] of Object.entries(methods)) {
          expect(Object.keys(doc.paths[path][method].responses).sort()).toEqual(
            [...statuses, '401', '403', '503'].sort(),
          );
        }
      }
      expect(doc.components.schemas.CreatedWebhookEndpointDto.properties).toHaveProperty('secret');
      expect(doc.components.schemas.WebhookEndpointDto.properties).not.toHaveProperty('secret');
      expect(doc.components.schemas.WebhookDeliveryDto.properties.lastResponseCode).toMatchObject({
        type: 'integer',
        nullable: true,
      });
    });

    it('shows the secret once, keeps scopes, and can be changed and deleted', async () => {
      const created = await endpoint('/crud', { events: ['subscriber.erased', 'message.sent'] });
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      expect(created.events).toEqual(['message.sent', 'subscriber.erased']);
      const got = await t.api().get(`/v1/webhook-endpoints/${created.id}`).expect(200);
      expect(got.body).not.toHaveProperty('secret');
      expect(JSON.stringify((await t.api().get('/v1/webhook-endpoints')).body)).not.toContain(
        created.secret,
      );
      const [row] = await t.dataSource.query(`SELECT secret FROM webhook_endpoints WHERE id = $1`, [
        created.id,
      ]);
      expect(row.secret).not.toContain(created.secret);

      const reader = await t.keyWith('webhooks:read');
      await t
        .http()
        .get('/v1/webhook-endpoints')
        .set('Authorization', `Bearer ${reader}`)
        .expect(200);
      await t
        .http()
        .post('/v1/webhook-endpoints')
        .set('Authorization', `Bearer ${reader}`)
        .send({ url: 'https://crm.example.com/hook' })
        .expect(403);

      const patched = await t
        .api()
        .patch(`/v1/webhook-endpoints/${created.id}`)
        .send({ enabled: false, events: ['*'], description: 'CRM' })
        .expect(200);
      expect(patched.body).toMatchObject({ enabled: false, events: ['*'], description: 'CRM' });
      await t.api().delete(`/v1/webhook-endpoints/${created.id}`).expect(200);
      await t.api().get(`/v1/webhook-endpoints/${created.id}`).expect(404);
      await t.api().get('/v1/webhook-endpoints/not-an-id/deliveries').expect(404);
    });
  });

  it('a receiver gets each event once, signed, with the address only where the event needs it', async () => {
    const hook = await endpoint('/all');
    // Sign-up and confirmation: created (pending), confirmed, the topic joined, two emails sent.
    const email = uniqueEmail('ada');
    await t
      .http()
      .post('/subscribe')
      .send({ email, name: 'Ada', locale: 'en', topics: [`${topic.key}:weekly`] })
      .expect(202);
    const confirmation = await smtp.waitFor((m) => m.to.includes(email));
    const confirmPath = new RegExp(
      `${PUBLIC_URL.replace(/\./g, '\\.')}(/confirm/[A-Za-z0-9_-]+)`,
    ).exec(confirmation.parsed.text!)![1];
    await t.http().get(confirmPath).expect(200);
    await smtp.waitFor((m) => m.to.includes(email) && m !== confirmation, 30_000);
    const ada = (await t.api().get(`/v1/subscribers/${encodeURIComponent(email)}`)).body as {
      id: string;
    };
    // A new frequency, then leaving everything.
    await t
      .api()
      .patch(`/v1/subscribers/${ada.id}/subscriptions/${topic.key}`)
      .send({ frequency: 'monthly' })
      .expect(200);
    await t.app
      .get(SubscriptionsService)
      .inTransaction(ada.id, (m, s) =>
        t.app
          .get(SubscriberStatusService)
          .leaveAll(m, s, { source: 'api', via: 'a test' }, new Date()),
      );

    // A hard bounce: the message fails and the subscriber is bounced.
    const bob = await createSubscriber(t, {
      email: uniqueEmail('bob'),
      topics: [{ topic: topic.key }],
    });
    smtp.failNext('rcpt', 550, '5.1.1 No such user', 1, (rcpt) => rcpt === bob.email);
    const failed = await send(bob.id);
    // A spam complaint.
    const cy = await createSubscriber(t, {
      email: uniqueEmail('cy'),
      topics: [{ topic: topic.key }],
    });
    await t
      .http()
      .post('/v1/webhooks/complaints')
      .set('Authorization', `Bearer ${COMPLAINT_SECRET}`)
      .send({ recipient: cy.email })
      .expect(200);

    const expected: Array<[string, string | null, Record<string, unknown>]> = [
      ['subscriber.created', ada.id, { email, status: 'pending', source: 'form' }],
      ['subscriber.confirmed', ada.id, { email }],
      [
        'subscription.changed',
        ada.id,
        { email, topic: topic.key, change: 'opt_in', frequency: 'weekly' },
      ],
      [
        'subscription.changed',
        ada.id,
        {
          topic: topic.key,
          change: 'frequency_change',
          frequency: 'monthly',
          previousFrequency: 'weekly',
        },
      ],
      ['subscriber.unsubscribed', ada.id, { email, topicsLeft: [topic.key] }],
      ['subscriber.created', bob.id, { email: bob.email, status: 'active', source: 'api' }],
      ['message.failed', bob.id, { messageId: failed, template: 'welcome', kind: 'editorial' }],
      ['subscriber.bounced', bob.id, { email: bob.email, reason: 'hard_bounce' }],
      ['subscriber.complained', cy.id, { email: cy.email }],
    ];
    await eventually(async () => {
      const got = receiver.at('/all');
      return expected.every(([type, id, data]) =>
        got.some(
          (r) =>
            r.body.type === type &&
            r.body.data.subscriberId === id &&
            Object.entries(data).every(
              ([k, v]) => JSON.stringify(r.body.data[k]) === JSON.stringify(v),
            ),
        ),
      );
    }, 30_000);
    // The welcome and the confirmation were sent.
    await eventually(
      async () =>
        receiver
          .at('/all')
          .filter((r) => r.body.type === 'message.sent' && r.body.data.subscriberId === ada.id)
          .length === 2,
      30_000,
    );
    // Another pass hands on nothing twice.
    await t.app.get(WebhookDispatcher).run();
    const got = receiver.at('/all');
    const ids = got.map((r) => r.body.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of got) {
      expect(verify(hook.secret, r.headers['tidings-signature'] as string, r.raw)).toBe(true);
      expect(
        verify('whsec_another-secret-entirely', r.headers['tidings-signature'] as string, r.raw),
      ).toBe(false);
      expect(r.headers['tidings-event-id']).toBe(r.body.id);
      expect(r.headers['tidings-event-type']).toBe(r.body.type);
      expect(r.headers['content-type']).toBe('application/json');
      // A message event carries ids, never the address.
      if (r.body.type.startsWith('message.')) expect(r.raw).not.toContain('@');
    }
    const deliveries = await t.api().get(`/v1/webhook-endpoints/${hook.id}/deliveries`).expect(200);
    expect(deliveries.body.items.length).toBe(got.length);
    expect(deliveries.body.items[0]).toMatchObject({
      status: 'delivered',
      attempts: 1,
      lastResponseCode: 204,
      nextAttemptAt: null,
    });
    await t.api().delete(`/v1/webhook-endpoints/${hook.id}`).expect(200);
  });

  it('killed mid-delivery, the receiver gets the delivery on a retry; a replay is sent again', async () => {
    const hook = await endpoint('/killed', { events: ['subscriber.created'] });
    receiver.killOnNext = true;
    const dora = await createSubscriber(t, { email: uniqueEmail('dora') });
    // The first attempt was dropped and the receiver stopped listening: the next ones fail.
    await eventually(async () => {
      const res = await t.api().get(`/v1/webhook-endpoints/${hook.id}/deliveries`);
      return res.body.items[0]?.attempts >= 2;
    }, 30_000);
    expect(receiver.at('/killed')).toEqual([]);
    const waiting = (await t.api().get(`/v1/webhook-endpoints/${hook.id}/deliveries`)).body
      .items[0];
    expect(waiting).toMatchObject({ status: 'pending', lastResponseCode: null });
    expect(waiting.lastError).toBeTruthy();
    expect(Date.parse(waiting.nextAttemptAt)).toBeGreaterThan(Date.parse(waiting.lastAttemptAt));

    await receiver.start();
    await eventually(async () => receiver.at('/killed').length === 1, 30_000);
    const [first] = receiver.at('/killed');
    expect(first.body).toMatchObject({
      type: 'subscriber.created',
      data: { subscriberId: dora.id },
    });
    expect(verify(hook.secret, first.headers['tidings-signature'] as string, first.raw)).toBe(true);
    const list = await t
      .api()
      .get(`/v1/webhook-endpoints/${hook.id}/deliveries`)
      .query({ status: 'delivered' })
      .expect(200);
    expect(list.body.items).toHaveLength(1);
    const delivered = list.body.items[0];
    expect(delivered).toMatchObject({
      lastResponseCode: 204,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(delivered.attempts).toBeGreaterThanOrEqual(3);

    const replay = await t
      .api()
      .post(`/v1/webhook-endpoints/${hook.id}/deliveries/${delivered.id}/replay`)
      .expect(202);
    expect(replay.body).toMatchObject({
      eventId: first.body.id,
      replayOf: delivered.id,
      status: 'pending',
      attempts: 0,
    });
    await eventually(async () => receiver.at('/killed').length === 2, 30_000);
    const second = receiver.at('/killed')[1];
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers['tidings-delivery-id']).toBe(replay.body.id);
    expect(first.headers['tidings-delivery-id']).toBe(delivered.id);
    expect(verify(hook.secret, second.headers['tidings-signature'] as string, second.raw)).toBe(
      true,
    );
    await t.api().post(`/v1/webhook-endpoints/${hook.id}/deliveries/${hook.id}/replay`).expect(404);
    const metrics = await t.http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(
      /tidings_webhook_attempts_total\{[^}]*outcome="retry"[^}]*\} [1-9]/,
    );
    expect(metrics.text).toMatch(
      /tidings_webhook_attempts_total\{[^}]*outcome="delivered"[^}]*\} [1-9]/,
    );
    await t.api().delete(`/v1/webhook-endpoints/${hook.id}`).expect(200);
  });

  it('a campaign whose fan-out finished is told once, with its figures', async () => {
    const hook = await endpoint('/campaigns', { events: ['campaign.finished'] });
    const people = [
      await createSubscriber(t, { email: uniqueEmail('c1'), topics: [{ topic: topic.key }] }),
      await createSubscriber(t, { email: uniqueEmail('c2'), topics: [{ topic: topic.key }] }),
    ];
    const item = await t
      .api()
      .post('/v1/content-items')
      .send({ topic: topic.key, kind: 'editorial', title: unique('Item'), summary: 'News.' })
      .expect(201);
    const campaign = await t
      .api()
      .post('/v1/campaigns')
      .send({ topic: topic.key, contentItem: item.body.id })
      .expect(201);
    await eventually(async () => receiver.at('/campaigns').length > 0, 30_000);
    await t.app.get(WebhookDispatcher).run();
    const got = receiver.at('/campaigns');
    expect(got).toHaveLength(1);
    expect(got[0].body).toMatchObject({
      type: 'campaign.finished',
      data: {
        campaignId: campaign.body.id,
        topicId: topic.id,
        kind: 'editorial',
        audienceSize: expect.any(Number),
        fannedOut: expect.any(Number),
      },
    });
    expect(got[0].body.data.audienceSize).toBeGreaterThanOrEqual(people.length);
    expect(verify(hook.secret, got[0].headers['tidings-signature'] as string, got[0].raw)).toBe(
      true,
    );
    await t.api().delete(`/v1/webhook-endpoints/${hook.id}`).expect(200);
  });

  it("an erased subscriber's events carry no address, also those recorded before the erasure", async () => {
    const hook = await endpoint('/erased', {
      events: ['subscriber.created', 'subscription.changed', 'subscriber.erased'],
    });
    // The receiver is down while the subscriber is created and erased.
    receiver.killOnNext = true;
    const email = uniqueEmail('eve');
    const eve = await createSubscriber(t, { email, topics: [{ topic: topic.key }] });
    await eventually(async () => {
      const res = await t.api().get(`/v1/webhook-endpoints/${hook.id}/deliveries`);
      return res.body.items.some((d: { attempts: number }) => d.attempts >= 1);
    }, 30_000);
    await t.api().delete(`/v1/subscribers/${eve.id}`).expect(204);
    await receiver.start();

    await eventually(async () => receiver.at('/erased').length === 3, 30_000);
    const got = receiver.at('/erased');
    expect(got.map((r) => r.body.type).sort()).toEqual([
      'subscriber.created',
      'subscriber.erased',
      'subscription.changed',
    ]);
    for (const r of got) {
      expect(r.body.data.subscriberId).toBe(eve.id);
      expect(r.raw).not.toContain(email);
      expect(r.raw).not.toContain('@');
    }
    expect(got.find((r) => r.body.type === 'subscriber.created')!.body.data.email).toBeNull();
    await t.api().delete(`/v1/webhook-endpoints/${hook.id}`).expect(200);
  });
});
