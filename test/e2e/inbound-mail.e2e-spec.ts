import { createTransport, Transporter } from 'nodemailer';
import { SuppressionsService } from '../../src/audience/suppressions/suppressions.service';
import {
  ImapPoller,
  InboundMailbox,
  MailboxMessage,
} from '../../src/surfaces/inbound-mail/imap-poller';
import { SmtpListener } from '../../src/surfaces/inbound-mail/smtp-listener';
import { topicInput } from '../factories';
import { mailedSubscriber } from '../support/inbound-mail';
import { reportFixture } from '../support/report-fixtures';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const DOMAIN = 'news.tidings.test';
const MAX_BYTES = 20_000;

/**
 * A mailbox at the poller's seam, as an IMAP server would present it (the poller against a real
 * IMAP server: inbound-imap.e2e-spec.ts).
 */
class FakeMailbox implements InboundMailbox {
  readonly seen = new Set<number>();
  constructor(private readonly messages: Array<{ uid: number; raw: Buffer }>) {}
  async *unread(): AsyncIterable<MailboxMessage> {
    for (const m of this.messages) {
      if (this.seen.has(m.uid)) continue;
      yield { uid: m.uid, size: m.raw.length, source: () => Promise.resolve(m.raw) };
    }
  }
  markHandled(uid: number): Promise<void> {
    this.seen.add(uid);
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

describe('Inbound mail: the built-in SMTP listener and the IMAP poller', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let client: Transporter;
  let suppressions: SuppressionsService;
  let topicId: string;
  let topicKey: string;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        SMTP_URL: sink.url,
        PUBLIC_URL: 'https://tidings.test',
        MAIL_FROM: `"Tidings" <no-reply@${DOMAIN}>`,
        INBOUND_SMTP_PORT: '0',
        INBOUND_SMTP_HOST: '127.0.0.1',
        INBOUND_BOUNCE_ADDRESS: `bounces@${DOMAIN}`,
        INBOUND_MAX_MESSAGE_BYTES: String(MAX_BYTES),
      },
    });
    const port = t.app.get(SmtpListener).port;
    expect(port).toBeGreaterThan(0);
    client = createTransport({ host: '127.0.0.1', port: port!, secure: false, ignoreTLS: true });
    suppressions = t.app.get(SuppressionsService);
    const topic = topicInput();
    topicKey = topic.key;
    topicId = (await t.api().post('/v1/topics').send(topic).expect(201)).body.id;
  });
  afterAll(async () => {
    client.close();
    await t.close();
    await sink.stop();
  });

  /** A subscriber of the topic who received one marketing email; its List-Unsubscribe mailto:. */
  const mailed = () => mailedSubscriber(t, sink, { id: topicId, key: topicKey }, 'inbound');

  async function subscriptionStatus(subscriberId: string): Promise<string> {
    const [row] = await t.dataSource.query(
      `SELECT status FROM subscriptions WHERE subscriber_id = $1 AND topic_id = $2`,
      [subscriberId, topicId],
    );
    return row.status as string;
  }

  async function optOuts(subscriberId: string): Promise<Array<{ source: string }>> {
    return t.dataSource.query(
      `SELECT source FROM consent_events WHERE subscriber_id = $1 AND action = 'opt_out'`,
      [subscriberId],
    );
  }

  const suppressed = async (email: string) =>
    (
      await t.dataSource.query(`SELECT reason FROM suppressions WHERE address_hash = $1`, [
        suppressions.hash(email),
      ])
    )[0]?.reason as string | undefined;

  describe('SMTP listener', () => {
    it('a message to the mailto: unsubscribe address unsubscribes that subscriber, once', async () => {
      const s = await mailed();
      const other = await mailed();
      expect(s.mailto.to).toBe(`unsubscribe@${DOMAIN}`);
      const message = {
        from: s.email,
        to: s.mailto.to,
        subject: s.mailto.subject,
        text: 'unsubscribe',
        messageId: `<mailto-${s.id}@client.test>`,
      };
      const info = await client.sendMail(message);
      expect(info.accepted).toEqual([s.mailto.to]);
      expect(await subscriptionStatus(s.id)).toBe('unsubscribed');
      expect(await optOuts(s.id)).toEqual([{ source: 'one_click' }]);
      expect(await subscriptionStatus(other.id)).toBe('active');

      // They join again; the same message delivered a second time must not undo that.
      await t
        .api()
        .post(`/v1/subscribers/${s.id}/subscriptions`)
        .send({ topic: topicKey })
        .expect((res) => expect([200, 201]).toContain(res.status));
      expect(await subscriptionStatus(s.id)).toBe('active');
      await client.sendMail(message);
      expect(await subscriptionStatus(s.id)).toBe('active');
      expect(await optOuts(s.id)).toHaveLength(1);
      const rows = await t.dataSource.query(
        `SELECT kind, outcome, subscriber_id FROM inbound_messages WHERE subscriber_id = $1`,
        [s.id],
      );
      expect(rows).toEqual([{ kind: 'unsubscribe', outcome: 'unsubscribed', subscriber_id: s.id }]);
    });

    it('a message without a valid token changes nothing', async () => {
      const s = await mailed();
      const forged = `${s.mailto.subject.slice(0, -4)}AAAA`;
      await client.sendMail({ from: s.email, to: s.mailto.to, subject: forged, text: 'x' });
      await client.sendMail({ from: s.email, to: s.mailto.to, subject: 'please stop', text: 'x' });
      expect(await subscriptionStatus(s.id)).toBe('active');
      const outcomes = await t.dataSource.query(
        `SELECT outcome FROM inbound_messages WHERE kind = 'unsubscribe' AND outcome <> 'unsubscribed' ORDER BY received_at`,
      );
      expect(outcomes.map((r: { outcome: string }) => r.outcome)).toEqual(
        expect.arrayContaining(['invalid_token', 'no_token']),
      );
    });

    it('a DSN to the bounce address suppresses the address', async () => {
      const s = await mailed();
      const raw = reportFixture('dsn-hard-postfix.eml', {
        ledgerId: s.messageId,
        recipient: s.email,
        domain: DOMAIN,
      });
      await client.sendMail({ envelope: { from: '', to: [`bounces@${DOMAIN}`] }, raw });
      expect(await suppressed(s.email)).toBe('hard_bounce');
      const status = (await t.api().get(`/v1/subscribers/${s.id}`).expect(200)).body.status;
      expect(status).toBe('bounced');
    });

    it('an ARF complaint to the bounce address unsubscribes and suppresses', async () => {
      const s = await mailed();
      const raw = reportFixture('arf-complaint.eml', {
        ledgerId: s.messageId,
        recipient: s.email,
        domain: DOMAIN,
      });
      await client.sendMail({ envelope: { from: '', to: [`bounces@${DOMAIN}`] }, raw });
      expect(await suppressed(s.email)).toBe('complaint');
    });

    it('refuses other recipients at RCPT (no relay) and messages over the size limit', async () => {
      await expect(
        client.sendMail({ from: 'a@client.test', to: 'someone@elsewhere.test', text: 'relay?' }),
      ).rejects.toMatchObject({ responseCode: 550 });
      await expect(
        client.sendMail({ from: 'a@client.test', to: `postmaster@${DOMAIN}`, text: 'x' }),
      ).rejects.toMatchObject({ responseCode: 550 });
      await expect(
        client.sendMail({
          from: 'a@client.test',
          to: `bounces@${DOMAIN}`,
          text: 'x'.repeat(MAX_BYTES + 1000),
        }),
      ).rejects.toMatchObject({ responseCode: 552 });
    });
  });

  describe('IMAP poller (its message handling at the mailbox seam)', () => {
    it('handles an unsubscribe and a DSN from the mailbox, marks them, and a second read changes nothing', async () => {
      const s = await mailed();
      const b = await mailed();
      const unsubscribe = Buffer.from(
        [
          `From: <${s.email}>`,
          `To: <${s.mailto.to}>`,
          `Subject: ${s.mailto.subject}`,
          `Message-ID: <imap-${s.id}@client.test>`,
          'Content-Type: text/plain',
          '',
          'unsubscribe',
          '',
        ].join('\r\n'),
      );
      const dsn = reportFixture('dsn-hard-postfix.eml', {
        ledgerId: b.messageId,
        recipient: b.email,
        domain: DOMAIN,
      });
      const big = Buffer.concat([unsubscribe, Buffer.alloc(MAX_BYTES, 'x')]);
      const poller = t.app.get(ImapPoller);
      const box = new FakeMailbox([
        { uid: 1, raw: unsubscribe },
        { uid: 2, raw: dsn },
        { uid: 3, raw: big },
      ]);
      expect(await poller.poll(box)).toEqual({ handled: 2, tooLarge: 1, failed: 0 });
      expect([...box.seen].sort()).toEqual([1, 2, 3]);
      expect(await subscriptionStatus(s.id)).toBe('unsubscribed');
      expect(await suppressed(b.email)).toBe('hard_bounce');

      // The same messages again (a crash before \Seen was stored): nothing more happens.
      const again = new FakeMailbox([
        { uid: 1, raw: unsubscribe },
        { uid: 2, raw: dsn },
      ]);
      expect(await poller.poll(again)).toEqual({ handled: 2, tooLarge: 0, failed: 0 });
      expect(await optOuts(s.id)).toHaveLength(1);
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM inbound_messages WHERE via = 'imap'`,
      );
      expect(n).toBe(2);
    });
  });
});
