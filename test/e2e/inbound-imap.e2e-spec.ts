import { SuppressionsService } from '../../src/audience/suppressions/suppressions.service';
import { ImapPoller } from '../../src/surfaces/inbound-mail/imap-poller';
import { topicInput } from '../factories';
import { ImapTestServer } from '../support/imap-server';
import { mailedSubscriber } from '../support/inbound-mail';
import { reportFixture } from '../support/report-fixtures';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const DOMAIN = 'news.tidings.test';
const MAX_BYTES = 20_000;
const SEEN = '\\Seen';

/**
 * The IMAP poller against a real IMAP server in-process over TCP (hoodiecrow-imap): the app is
 * started with INBOUND_IMAP_URL pointing at it, and `ImapPoller.pollNow()` runs one poll the way
 * the timer does (connect, search unseen, fetch, handle, store `\Seen`, log out).
 */
describe('Inbound mail: the IMAP poller against an IMAP server', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let imap: ImapTestServer;
  let poller: ImapPoller;
  let suppressions: SuppressionsService;
  let topicId: string;
  let topicKey: string;
  let atStart: number;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    imap = new ImapTestServer();
    // One message is waiting before Tidings starts; the poll at start reads it.
    await imap.start([unrelated('waiting')]);
    atStart = imap.unseen()[0];
    t = await createTestApp({
      env: {
        SMTP_URL: sink.url,
        PUBLIC_URL: 'https://tidings.test',
        MAIL_FROM: `"Tidings" <no-reply@${DOMAIN}>`,
        INBOUND_BOUNCE_ADDRESS: `bounces@${DOMAIN}`,
        INBOUND_MAX_MESSAGE_BYTES: String(MAX_BYTES),
        INBOUND_IMAP_URL: imap.url,
        // Only the poll at start runs by the timer; the tests poll with pollNow().
        INBOUND_IMAP_INTERVAL_SECONDS: '86400',
      },
    });
    poller = t.app.get(ImapPoller);
    suppressions = t.app.get(SuppressionsService);
    const topic = topicInput();
    topicKey = topic.key;
    topicId = (await t.api().post('/v1/topics').send(topic).expect(201)).body.id;
  });
  afterAll(async () => {
    await t?.close();
    await imap?.stop();
    await sink?.stop();
  });

  /** Mail from someone, to the bounce mailbox, that is neither an unsubscribe nor a report. */
  function unrelated(tag: string): Buffer {
    return Buffer.from(
      [
        'From: <reader@elsewhere.test>',
        `To: <bounces@${DOMAIN}>`,
        'Subject: Thanks for the newsletter',
        `Message-ID: <unrelated-${tag}-${Date.now()}@elsewhere.test>`,
        'Content-Type: text/plain',
        '',
        'Just wanted to say thanks.',
        '',
      ].join('\r\n'),
    );
  }

  /** A subscriber of the topic who received one marketing email; its List-Unsubscribe mailto:. */
  const mailed = () => mailedSubscriber(t, sink, { id: topicId, key: topicKey }, 'imap');

  /** What a mail client sends to the List-Unsubscribe mailto: of that email. */
  function unsubscribeMail(s: Awaited<ReturnType<typeof mailed>>, tag = 'a'): Buffer {
    return Buffer.from(
      [
        `From: <${s.email}>`,
        `To: <${s.mailto.to}>`,
        `Subject: ${s.mailto.subject}`,
        `Message-ID: <imap-${tag}-${s.id}@client.test>`,
        'Content-Type: text/plain',
        '',
        'unsubscribe',
        '',
      ].join('\r\n'),
    );
  }

  async function subscriptionStatus(subscriberId: string): Promise<string> {
    const [row] = await t.dataSource.query(
      `SELECT status FROM subscriptions WHERE subscriber_id = $1 AND topic_id = $2`,
      [subscriberId, topicId],
    );
    return row.status as string;
  }

  const optOuts = (subscriberId: string): Promise<unknown[]> =>
    t.dataSource.query(
      `SELECT id FROM consent_events WHERE subscriber_id = $1 AND action = 'opt_out'`,
      [subscriberId],
    );

  const suppressed = async (email: string) =>
    (
      await t.dataSource.query(`SELECT reason FROM suppressions WHERE address_hash = $1`, [
        suppressions.hash(email),
      ])
    )[0]?.reason as string | undefined;

  /** The messages read over IMAP, as `kind/outcome` (sorted: one poll's order is not kept). */
  async function imapRows(): Promise<string[]> {
    const rows: Array<{ kind: string; outcome: string }> = await t.dataSource.query(
      `SELECT kind, outcome FROM inbound_messages WHERE via = 'imap'`,
    );
    return rows.map((r) => `${r.kind}/${r.outcome}`).sort();
  }

  /** What `after` has more than `before` (both sorted). */
  function added(before: string[], after: string[]): string[] {
    const rest = [...after];
    for (const row of before) rest.splice(rest.indexOf(row), 1);
    return rest;
  }

  it('the poll at start reads what is waiting, marks it \\Seen on the server and logs out', async () => {
    await eventually(async () => imap.flags(atStart).includes(SEEN));
    await eventually(async () => imap.connections === 0);
    expect(await imapRows()).toEqual(['report/processed']);
  });

  it('unsubscribes, suppresses a bounce and ignores other mail; marks each \\Seen; a second poll changes nothing', async () => {
    const s = await mailed();
    const b = await mailed();
    const before = await imapRows();
    const unsubscribe = imap.deliver(unsubscribeMail(s));
    const dsn = imap.deliver(
      reportFixture('dsn-hard-postfix.eml', {
        ledgerId: b.messageId,
        recipient: b.email,
        domain: DOMAIN,
      }),
    );
    const other = imap.deliver(unrelated('other'));
    const big = imap.deliver(
      Buffer.concat([unsubscribeMail(b, 'big'), Buffer.alloc(MAX_BYTES, 'x')]),
    );

    expect(await poller.pollNow()).toEqual({ handled: 3, tooLarge: 1, failed: 0 });
    for (const uid of [unsubscribe, dsn, other, big]) expect(imap.flags(uid)).toContain(SEEN);
    expect(imap.unseen()).toEqual([]);
    expect(await subscriptionStatus(s.id)).toBe('unsubscribed');
    expect(await optOuts(s.id)).toHaveLength(1);
    expect(await suppressed(b.email)).toBe('hard_bounce');
    expect((await t.api().get(`/v1/subscribers/${b.id}`).expect(200)).body.status).toBe('bounced');
    // The message over the limit was not read: b, whose token it carries, is still subscribed.
    expect(await subscriptionStatus(b.id)).toBe('active');
    expect(added(before, await imapRows())).toEqual([
      'report/processed', // the DSN
      'report/processed', // the unrelated message: no report in it, nothing changes
      'unsubscribe/unsubscribed',
    ]);
    // The poll logged out: no connection is left open.
    await eventually(async () => imap.connections === 0);

    expect(await poller.pollNow()).toEqual({ handled: 0, tooLarge: 0, failed: 0 });
    expect(added(before, await imapRows())).toHaveLength(3);
    expect(await optOuts(s.id)).toHaveLength(1);
  });

  it('a message whose handling fails on our side stays unseen, the poll stops there, and the next poll handles it', async () => {
    const s = await mailed();
    const first = imap.deliver(unsubscribeMail(s));
    const second = imap.deliver(unrelated('after-failure'));
    // The database refuses the handling: the table it records messages in is gone for a moment.
    await t.dataSource.query(`ALTER TABLE inbound_messages RENAME TO inbound_messages_away`);
    let result;
    try {
      result = await poller.pollNow();
    } finally {
      await t.dataSource.query(`ALTER TABLE inbound_messages_away RENAME TO inbound_messages`);
    }
    expect(result).toEqual({ handled: 0, tooLarge: 0, failed: 1 });
    // Reading the message (BODY.PEEK) did not mark it either.
    expect(imap.unseen()).toEqual([first, second]);
    expect(await subscriptionStatus(s.id)).toBe('active');

    expect(await poller.pollNow()).toEqual({ handled: 2, tooLarge: 0, failed: 0 });
    expect(imap.unseen()).toEqual([]);
    expect(await subscriptionStatus(s.id)).toBe('unsubscribed');
  });

  it('a connection lost while \\Seen is stored leaves the message unseen; reading it again is a replay', async () => {
    const s = await mailed();
    const uid = imap.deliver(unsubscribeMail(s));
    imap.failNext('UID STORE', 'drop');
    expect(await poller.pollNow()).toEqual({ handled: 0, tooLarge: 0, failed: 1 });
    expect(imap.unseen()).toEqual([uid]);
    // Handled and committed before the flag was lost.
    expect(await subscriptionStatus(s.id)).toBe('unsubscribed');

    expect(await poller.pollNow()).toEqual({ handled: 1, tooLarge: 0, failed: 0 });
    expect(imap.unseen()).toEqual([]);
    expect(await optOuts(s.id)).toHaveLength(1);
  });

  it('a \\Seen the server refuses is not counted as handled', async () => {
    const s = await mailed();
    const uid = imap.deliver(unsubscribeMail(s));
    const next = imap.deliver(unrelated('after-refused-store'));
    imap.failNext('UID STORE', 'refuse');
    expect(await poller.pollNow()).toEqual({ handled: 0, tooLarge: 0, failed: 1 });
    expect(imap.unseen()).toEqual([uid, next]);

    expect(await poller.pollNow()).toEqual({ handled: 2, tooLarge: 0, failed: 0 });
    expect(imap.unseen()).toEqual([]);
    expect(await optOuts(s.id)).toHaveLength(1);
  });

  it('a search the server refuses fails the poll instead of reading as an empty mailbox', async () => {
    const s = await mailed();
    const uid = imap.deliver(unsubscribeMail(s));
    imap.failNext('UID SEARCH', 'refuse');
    await expect(poller.pollNow()).rejects.toThrow(/search/i);
    expect(imap.unseen()).toEqual([uid]);
    expect(await subscriptionStatus(s.id)).toBe('active');

    expect(await poller.pollNow()).toEqual({ handled: 1, tooLarge: 0, failed: 0 });
    expect(await subscriptionStatus(s.id)).toBe('unsubscribed');
  });

  it('a refused login or a connection lost while fetching fails the poll and reads nothing; the next poll does', async () => {
    const s = await mailed();
    const uid = imap.deliver(unsubscribeMail(s));

    imap.acceptLogins(false);
    await expect(poller.pollNow()).rejects.toThrow();
    imap.acceptLogins(true);
    expect(imap.unseen()).toEqual([uid]);

    imap.failNext('UID FETCH', 'drop');
    await expect(poller.pollNow()).rejects.toThrow();
    expect(imap.unseen()).toEqual([uid]);
    expect(await subscriptionStatus(s.id)).toBe('active');
    await eventually(async () => imap.connections === 0);

    expect(await poller.pollNow()).toEqual({ handled: 1, tooLarge: 0, failed: 0 });
    expect(await subscriptionStatus(s.id)).toBe('unsubscribed');
  });
});
