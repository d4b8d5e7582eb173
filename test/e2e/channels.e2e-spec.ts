import { Injectable } from '@nestjs/common';
import { DeliversChannel, RendersChannel } from '../../src/messaging/delivery/channels';
import type { ClaimedMessage } from '../../src/messaging/delivery/claimed-message';
import { DeliveryProcessor } from '../../src/messaging/delivery/delivery.processor';
import { LedgerService, NewMessage } from '../../src/messaging/delivery/ledger.service';
import type {
  HandOverHooks,
  MessageTransport,
  TransportOutcome,
} from '../../src/messaging/delivery/message-transport';
import type { PendingBuild, TemplateKind } from '../../src/messaging/delivery/template-kind';
import { createSubscriber, topicInput, uniqueEmail } from '../factories';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

/** A made-up channel: a note per message, for a loft known by subscriber id. */
interface PigeonNote {
  messageId: string;
  subscriberId: string;
  address: string | null;
  text: string;
}

@Injectable()
@RendersChannel('pigeon')
class PigeonNotes implements TemplateKind<PigeonNote> {
  readonly channel = 'pigeon';
  build(messages: ClaimedMessage[]): PendingBuild<PigeonNote>[] {
    return messages.map((m) => async () => ({
      messageId: m.id,
      subscriberId: m.subscriberId,
      address: m.address,
      text: `${m.template} for ${m.name}`,
    }));
  }
}

@Injectable()
@DeliversChannel('pigeon')
class PigeonTransport implements MessageTransport<PigeonNote> {
  readonly channel = 'pigeon';
  readonly concurrency = 2;
  readonly flown: PigeonNote[] = [];
  /** Lofts that refuse for good (a hard bounce on this channel). */
  readonly closedLofts = new Set<string>();

  async deliver(note: PigeonNote, hooks: HandOverHooks): Promise<TransportOutcome> {
    if (!(await hooks.beforeSend(undefined))) return { status: 'withheld' };
    if (this.closedLofts.has(note.subscriberId)) {
      return { status: 'failed', permanent: true, hardBounce: true, message: 'loft closed' };
    }
    this.flown.push(note);
    const accepted = { providerMessageId: `pigeon-${note.messageId}` };
    await hooks.afterSend(accepted).flush();
    return { status: 'accepted', ...accepted };
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
  describe(): string {
    return 'pigeon loft';
  }
}

describe('Channels: each message goes through the transport of its channel', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let ledger: LedgerService;
  let pigeons: PigeonTransport;
  let topicKey: string;
  let topicId: string;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      workers: false,
      env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://tidings.test' },
      providers: [PigeonTransport, PigeonNotes],
    });
    ledger = t.app.get(LedgerService);
    pigeons = t.app.get(PigeonTransport);
    // What the migration adding these channels would do: the ledger accepts them.
    await t.dataSource.query(
      `ALTER TABLE outbound_messages DROP CONSTRAINT outbound_messages_channel,
         ADD CONSTRAINT outbound_messages_channel CHECK (channel IN ('email', 'pigeon', 'carrier'))`,
    );
    const topic = topicInput();
    topicKey = topic.key;
    topicId = (await t.api().post('/v1/topics').send(topic).expect(201)).body.id;
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const subscriber = () =>
    createSubscriber(t, { email: uniqueEmail('ch'), topics: [{ topic: topicKey }] });

  function message(subscriberId: string, key: string): NewMessage {
    return {
      dedupeKey: key,
      subscriberId,
      topicId,
      template: 'welcome',
      kind: 'editorial',
      data: { topics: [] },
    };
  }

  /** Written by the ledger as a producer writes them, each naming its channel. */
  async function write(messages: Array<[NewMessage, string]>): Promise<string[]> {
    return t.dataSource.transaction((m) =>
      ledger.insert(
        m,
        messages.map(([msg, channel]) => ({ ...msg, channel })),
      ),
    );
  }

  async function rows(ids: string[]) {
    const found = await t.dataSource.query(
      `SELECT id, channel, status, provider_message_id, last_error FROM outbound_messages
        WHERE id = ANY($1)`,
      [ids],
    );
    return ids.map((id) => found.find((r: { id: string }) => r.id === id)) as Array<{
      channel: string;
      status: string;
      provider_message_id: string | null;
      last_error: string | null;
    }>;
  }

  it('writes email when the producer names no channel', async () => {
    const s = await subscriber();
    const ids = await t.dataSource.transaction((m) =>
      ledger.insert(m, [message(s.id, `test:channel-default:${s.id}`)]),
    );
    expect((await rows(ids))[0].channel).toBe('email');
  });

  it('sends one mixed batch: email over SMTP, pigeon notes by pigeon, an unknown channel failed with its reason', async () => {
    const [a, b, c, d, e] = await Promise.all([1, 2, 3, 4, 5].map(() => subscriber()));
    const ids = await write([
      [message(a.id, `test:mixed:${a.id}`), 'email'],
      [message(b.id, `test:mixed:${b.id}`), 'pigeon'],
      [message(c.id, `test:mixed:${c.id}`), 'carrier'],
      [message(d.id, `test:mixed:${d.id}`), 'email'],
      [message(e.id, `test:mixed:${e.id}`), 'pigeon'],
    ]);
    const result = await t.app.get(DeliveryProcessor).deliverBatch(ids);
    expect(result).toEqual({ claimed: 5 });
    await t.app.get(DeliveryProcessor).afterWorkersStopped();

    expect(pigeons.flown.map((n) => n.messageId).sort()).toEqual([ids[1], ids[4]].sort());
    // Not an email channel: no email address is read for it.
    expect(pigeons.flown.every((n) => n.address === null)).toBe(true);
    await smtp.waitFor((m) => m.to.includes(a.email));
    await smtp.waitFor((m) => m.to.includes(d.email));
    const others = [b, c, e].map((s) => s.email);
    expect(smtp.messages.filter((m) => m.to.some((to) => others.includes(to)))).toEqual([]);

    const [ra, rb, rc, rd, re] = await rows(ids);
    expect([ra.status, rd.status]).toEqual(['sent', 'sent']);
    expect(rb).toMatchObject({ status: 'sent', provider_message_id: `pigeon-${ids[1]}` });
    expect(re).toMatchObject({ status: 'sent', provider_message_id: `pigeon-${ids[4]}` });
    expect(rc).toMatchObject({
      channel: 'carrier',
      status: 'failed',
      last_error: 'no transport for channel "carrier"',
    });
  });

  it("a permanent refusal on another channel fails its message without suppressing the subscriber's email", async () => {
    const s = await subscriber();
    pigeons.closedLofts.add(s.id);
    const ids = await write([[message(s.id, `test:loft:${s.id}`), 'pigeon']]);
    await t.app.get(DeliveryProcessor).deliverBatch(ids);
    expect((await rows(ids))[0]).toMatchObject({ status: 'failed', last_error: 'loft closed' });
    const [sub] = await t.dataSource.query(`SELECT status FROM subscribers WHERE id = $1`, [s.id]);
    expect(sub.status).toBe('active');
    const [{ count }] = await t.dataSource.query(`SELECT count(*)::int AS count FROM suppressions`);
    expect(count).toBe(0);
  });
});
