import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { LedgerService } from '../../src/messaging/delivery/ledger.service';
import { createSubscriber, topicInput, unique, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { LifecycleDriver } from '../support/lifecycle-driver';
import { ReceivedMail, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const DOMAIN = 'acme.test';
const SELECTOR = 'tidings2027';
const LONG = `${'A long line that goes on and on, '.repeat(40)}the end.`;

/**
 * What the issue found: text pasted with CRLF, a lone CR from an attribute or event value, non-ASCII
 * text and long lines. Each message is checked by an independent DKIM verifier (mailauth) on the
 * bytes exactly as the SMTP server received them, after nodemailer's SMTP data stream had its go.
 */
describe('DKIM: every message verifies as received, whatever line endings its content had', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let drive: LifecycleDriver;
  let notices: { id: string; key: string };
  let news: { id: string; key: string };
  const clock = new ControllableClock('2027-04-05T08:00:00Z'); // Monday, 10:00 in Amsterdam
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyRecord = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

  /** DNS as the receiver sees it: our key record, and nothing else. */
  const resolver = async (name: string, type: string): Promise<string[][]> => {
    if (type === 'TXT' && name === `${SELECTOR}._domainkey.${DOMAIN}`) return [[keyRecord]];
    throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  };

  async function expectDkimPass(mail: ReceivedMail): Promise<void> {
    const { results } = await dkimVerify(mail.data, { resolver });
    expect(
      results.map((r) => ({ result: r.status.result, domain: r.signingDomain, info: r.info })),
    ).toEqual([{ result: 'pass', domain: DOMAIN, info: expect.any(String) }]);
  }

  /** The received message holds no CR or LF that is not part of a CRLF. */
  function expectCrlfOnly(mail: ReceivedMail): void {
    expect(mail.data.toString('latin1')).not.toMatch(/\r(?!\n)|(?<!\r)\n/);
  }

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      clock,
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL: 'https://tidings.test',
        MAIL_FROM: `"Acme" <news@${DOMAIN}>`,
        DKIM_DOMAIN: DOMAIN,
        DKIM_SELECTOR: SELECTOR,
        DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        SCHEDULER_INTERVAL_MS: '3600000',
        DISPATCH_INTERVAL_MS: '60000',
        DELIVERY_RETRY_BASE_MS: '100',
      },
    });
    drive = new LifecycleDriver(t, clock);
    const topic = async (overrides: Record<string, unknown>) =>
      (await t.api().post('/v1/topics').send(topicInput(overrides)).expect(201)).body as {
        id: string;
        key: string;
      };
    notices = await topic({
      key: unique('acct'),
      kind: 'notice',
      name: 'Account\r\nnotices',
      allowedFrequencies: ['monthly'],
    });
    news = await topic({
      key: unique('news'),
      name: 'Product news',
      description: 'Pasted\r\ndescription',
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const subscriber = (topic: string, overrides: Record<string, unknown> = {}) =>
    createSubscriber(t, { email: uniqueEmail('dkim'), topics: [{ topic }], ...overrides });

  it('a lifecycle event notice quoting event data and attributes with CR, CRLF and non-ASCII text', async () => {
    await t
      .api()
      .post('/v1/lifecycle-rules')
      .send({
        key: unique('usage'),
        name: 'Bundle nearly used',
        description: 'Pasted from a\r\nWindows editor',
        topic: notices.key,
        template: 'notice',
        trigger: { type: 'event', event: 'usage.pasted' },
        deadlineDays: 2,
        content: {
          en: {
            heading: 'Your {event.bundle} is nearly used up',
            intro: 'Note from support:\r\n{event.note}\r\nYour plan: {attributes.plan}',
            reason: `You get this because\r\nyour usage passed 90%. ${LONG}`,
          },
          nl: { heading: 'Bijna op', intro: '{event.note}', reason: 'Omdat het bijna op is.' },
        },
      })
      .expect(201);
    const s = await subscriber(notices.key, {
      name: 'Zoë',
      attributes: { plan: 'Family\rplan € 🎉' },
    });
    expect(s.attributes).toEqual({ plan: 'Family\nplan € 🎉' });
    const key = unique('evt');
    await t
      .api()
      .post('/v1/events')
      .send({
        subscriber: s.email,
        type: 'usage.pasted',
        data: { bundle: 'mobile\rdata', note: 'Line one\r\nline two\rline three\nl\u00e9 four' },
        idempotencyKey: key,
      })
      .expect(201);
    const [stored] = await t.dataSource.query(
      `SELECT data FROM events WHERE idempotency_key = $1`,
      [key],
    );
    expect(stored.data).toEqual({
      bundle: 'mobile\ndata',
      note: 'Line one\nline two\nline three\nlé four',
    });

    await drive.step(clock.now());
    const [mail] = smtp.to(s.email);
    await expectDkimPass(mail);
    expectCrlfOnly(mail);
    expect(mail.parsed.subject).toBe('Your mobile data is nearly used up');
    expect(mail.parsed.text).toContain(
      'Note from support:\nLine one\nline two\nline three\nlé four\nYour plan: Family\nplan € 🎉\n',
    );
    expect(mail.parsed.text).toContain(`You get this because\nyour usage passed 90%. ${LONG}`);
    expect(mail.header('List-Id')).toMatch(/^Account notices </);
    const signed = /\bh=([^;]+)/.exec(mail.header('DKIM-Signature')!.replace(/\s+/g, ''))![1];
    expect(signed.toLowerCase().split(':')).toEqual(
      expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'subject', 'from']),
    );
  });

  it('a campaign of a content item pasted with CRLF and lone CRs, non-ASCII and long lines', async () => {
    const s = await subscriber(news.key, { name: 'Ana\u00efs' });
    await t.dataSource.query(
      `UPDATE subscriptions SET next_due_at = $2::timestamptz - interval '1 day'
        WHERE subscriber_id = $1`,
      [s.id, clock.now()],
    );
    const item = await t
      .api()
      .post('/v1/content-items')
      .send({
        topic: news.key,
        kind: 'editorial',
        title: 'Line endings, € and é',
        summary: 'Summary line one\rsummary line two 🎉\r\nsummary line three',
        body: `## Pasted\r\n\r\nFrom Windows: caf\u00e9 \u20ac 5.\r\nStill the same paragraph.\r\n\r\n${LONG}\r\n`,
        bodyFormat: 'markdown',
      })
      .expect(201);
    expect(item.body.summary).toBe('Summary line one\nsummary line two 🎉\nsummary line three');
    expect(item.body.body).not.toContain('\r');
    const campaign = await t
      .api()
      .post('/v1/campaigns')
      .send({ topic: news.key, contentItem: item.body.id })
      .expect(201);
    const mail = await smtp.waitFor((m) => m.to.includes(s.email));
    await expectDkimPass(mail);
    expectCrlfOnly(mail);
    expect(mail.parsed.subject).toBe('Line endings, € and é');
    expect(mail.parsed.text).toContain(
      'Summary line one\nsummary line two 🎉\nsummary line three\n\nPasted\n\nFrom Windows: café € 5. Still the same paragraph.',
    );
    expect(mail.parsed.text).toContain(LONG);
    expect(mail.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    await drive.settle();
    const [row] = await t.dataSource.query(
      `SELECT status FROM outbound_messages WHERE campaign_id = $1`,
      [campaign.body.id],
    );
    expect(row.status).toBe('sent');
  });

  it('a test send whose data holds CR, CRLF and emoji (sent from the main thread)', async () => {
    const to = uniqueEmail('test-send');
    await t
      .api()
      .post('/v1/templates/notice/test-send')
      .send({
        to,
        locale: 'en',
        data: {
          heading: 'Test\r\nheading \u00e9',
          intro: 'Intro\rwith a CR\r\nand a CRLF 🎉',
          details: [{ label: 'Note', value: 'one\rtwo' }],
        },
      })
      .expect(200);
    const mail = await smtp.waitFor((m) => m.to.includes(to));
    await expectDkimPass(mail);
    expectCrlfOnly(mail);
    expect(mail.parsed.subject).toBe('[TEST] Test heading é');
    expect(mail.parsed.text).toContain('Intro\nwith a CR\nand a CRLF 🎉\n');
    expect(mail.parsed.text).toContain('Note: one\ntwo\n');
  });

  it('messages whose stored data still holds lone CRs (written before the normalisation), ASCII and not', async () => {
    const ascii = await subscriber(notices.key, { name: 'Ada' });
    const accented = await subscriber(notices.key, { name: 'Zoë' });
    const ids = await t.app.get(LedgerService).send(
      [ascii, accented].map((s, i) => ({
        dedupeKey: `test:legacy-cr:${s.id}`,
        subscriberId: s.id,
        topicId: notices.id,
        template: 'notice',
        kind: 'notice' as const,
        sendAfter: clock.now(),
        data: {
          heading: i === 0 ? 'Plain\rheading' : 'Caf\u00e9\rheading',
          intro: i === 0 ? 'Legacy\rtext\r\r\nwith CR' : `L\u00e9gacy\rtext\r\r\nwith CR ${LONG}`,
          reason: 'Because\ryou asked.',
        },
      })),
    );
    expect(ids).toHaveLength(2);
    await drive.step(clock.now());
    for (const s of [ascii, accented]) {
      const [mail] = smtp.to(s.email);
      await expectDkimPass(mail);
      expectCrlfOnly(mail);
      expect(mail.parsed.text).not.toContain('\r');
      expect(mail.parsed.text).toContain('text\n\nwith CR');
      expect(mail.parsed.text).toContain('Because\nyou asked.');
    }
    expect(smtp.to(ascii.email)[0].parsed.subject).toBe('Plain heading');
  });
});
