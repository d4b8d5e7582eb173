import { LedgerService, NewMessage } from '../../src/messaging/delivery/ledger.service';
import { TokensService } from '../../src/platform/tokens/tokens.service';
import { createSubscriber, topicInput, uniqueEmail } from '../factories';
import { eventually, ReceivedMail, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const NOTICE_DATA = {
  heading: 'Your car insurance renews on 15 January',
  intro: 'Your policy renews automatically.',
  reason: 'You get this because your policy renews on 15 January.',
};
const DIGEST_DATA = {
  topic: { name: 'Product news' },
  frequencyLabel: 'monthly',
  items: [
    {
      title: 'Exports now include your consent history',
      summary: 'Download everything we keep about you.',
      url: 'https://www.example.com/news/export',
      publishedAt: '2025-11-12',
    },
  ],
};

describe('"Was this useful?" feedback (links in real emails, landing page, votes)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let ledger: LedgerService;
  let topicKey: string;
  let topicId: string;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({ env: { SMTP_URL: smtp.url, PUBLIC_URL: 'https://tidings.test' } });
    ledger = t.app.get(LedgerService);
    const topic = topicInput({ kind: 'notice', name: 'Renewal reminders' });
    topicKey = topic.key;
    topicId = (await t.api().post('/v1/topics').send(topic).expect(201)).body.id;
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const subscriber = (locale = 'en') =>
    createSubscriber(t, { email: uniqueEmail('f'), locale, topics: [{ topic: topicKey }] });

  /** Sends one message through the real pipeline and returns its ledger id and the email. */
  async function send(
    s: { id: string; email: string },
    message: Omit<NewMessage, 'dedupeKey' | 'subscriberId'>,
  ): Promise<{ id: string; mail: ReceivedMail }> {
    const [id] = await ledger.send([
      { dedupeKey: `test:fb:${message.template}:${s.id}`, subscriberId: s.id, ...message },
    ]);
    const mail = await smtp.waitFor((m) => m.header('X-Tidings-Message') === id);
    return { id, mail };
  }

  const notice = { topicId: '', template: 'notice', kind: 'notice' as const, data: NOTICE_DATA };

  function feedbackLinks(mail: ReceivedMail): { yes?: string; no?: string } {
    const all = `${mail.parsed.text ?? ''}\n${mail.parsed.html || ''}`;
    return {
      yes: /https:\/\/tidings\.test\/f\/[A-Za-z0-9_-]+\/yes/.exec(all)?.[0],
      no: /https:\/\/tidings\.test\/f\/[A-Za-z0-9_-]+\/no/.exec(all)?.[0],
    };
  }

  const path = (url: string) => url.replace('https://tidings.test', '');
  const formToken = (page: string) => /name="form" value="([^"]+)"/.exec(page)?.[1];

  async function votes(messageId: string) {
    return t.dataSource.query<
      Array<{
        helpful: boolean;
        comment: string | null;
        changes: number;
        topic_id: string | null;
        template: string;
        subscriber_id: string;
      }>
    >(
      `SELECT helpful, comment, changes, topic_id, template, subscriber_id FROM feedback_votes WHERE message_id = $1`,
      [messageId],
    );
  }

  it('puts yes/no links in notice and editorial emails (text and HTML), none in transactional ones', async () => {
    const s = await subscriber();
    const n = await send(s, { ...notice, topicId });
    const d = await send(s, { topicId, template: 'digest', kind: 'editorial', data: DIGEST_DATA });
    // The welcome belongs to no topic (one editorial per topic and period is the frequency rule).
    const w = await send(s, {
      topicId: null,
      template: 'welcome',
      kind: 'editorial',
      data: { topics: [] },
    });
    const c = await send(s, {
      template: 'confirm-subscription',
      kind: 'transactional',
      data: {
        links: { confirm: 'https://tidings.test/confirm/x' },
        topics: [{ name: 'Renewal reminders', frequencyLabel: 'Monthly' }],
        expiresInHours: 72,
      },
    });
    for (const { mail } of [n, d, w]) {
      const links = feedbackLinks(mail);
      expect(links.yes).toBeDefined();
      expect(links.no).toBeDefined();
      expect(mail.parsed.text).toContain('Was this useful?');
      expect(mail.parsed.html).toContain(links.yes);
    }
    // One token per message: the link is about that message only.
    expect(feedbackLinks(n.mail).yes).not.toBe(feedbackLinks(d.mail).yes);
    expect(feedbackLinks(c.mail)).toEqual({ yes: undefined, no: undefined });
    expect(c.mail.raw).not.toContain('/f/');
    expect(c.mail.parsed.text).not.toContain('Was this useful?');
  });

  it('opening the links (as a mail scanner does, both of them) records nothing; the page pre-selects the answer', async () => {
    const s = await subscriber();
    const { id, mail } = await send(s, { ...notice, topicId });
    const links = feedbackLinks(mail);
    const yesPage = await t.http().get(path(links.yes!)).expect(200);
    expect(yesPage.headers['cache-control']).toBe('no-store');
    expect(yesPage.text).toMatch(/value="yes"\s+checked/);
    expect(yesPage.text).not.toMatch(/value="no"\s+checked/);
    // The email by its subject (issue 15; it named the topic before).
    expect(yesPage.text).toContain(NOTICE_DATA.heading);
    expect(mail.parsed.subject).toBe(NOTICE_DATA.heading);
    const noPage = await t.http().get(path(links.no!)).expect(200);
    expect(noPage.text).toMatch(/value="no"\s+checked/);
    await t.http().head(path(links.yes!)).expect(200);
    expect(await votes(id)).toEqual([]);
  });

  it('records one vote per message on the button, changeable, with an optional comment', async () => {
    const s = await subscriber();
    const { id, mail } = await send(s, { ...notice, topicId });
    const base = path(feedbackLinks(mail).yes!).replace(/\/yes$/, '');
    const page = await t.http().get(`${base}/yes`).expect(200);
    const form = formToken(page.text);
    expect(form).toBeDefined();

    const voted = await t
      .http()
      .post(base)
      .type('form')
      .send({ answer: 'yes', comment: '', form })
      .expect(200);
    expect(voted.text).toContain('We recorded your answer: useful.');
    expect(await votes(id)).toEqual([
      {
        helpful: true,
        comment: null,
        changes: 0,
        topic_id: topicId,
        template: 'notice',
        subscriber_id: s.id,
      },
    ]);

    // Changing the answer (from the fresh form on the thank-you page) keeps one row.
    await t
      .http()
      .post(base)
      .type('form')
      .send({
        answer: 'no',
        comment: '  Too early, I renew in March.  ',
        form: formToken(voted.text),
      })
      .expect(200);
    expect(await votes(id)).toEqual([
      expect.objectContaining({
        helpful: false,
        comment: 'Too early, I renew in March.',
        changes: 1,
      }),
    ]);
    // The page shows the current answer and the comment to edit.
    const again = await t.http().get(base).expect(200);
    expect(again.text).toMatch(/value="no"\s+checked/);
    expect(again.text).toContain('Too early, I renew in March.');
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM feedback_votes WHERE message_id = $1`,
      [id],
    );
    expect(n).toBe(1);
  });

  it('refuses a POST without the form value from the page (403), and a bad answer or comment (400)', async () => {
    const s = await subscriber();
    const { id, mail } = await send(s, { ...notice, topicId });
    const base = path(feedbackLinks(mail).yes!).replace(/\/yes$/, '');
    const forged = await t.http().post(base).type('form').send({ answer: 'yes' }).expect(403);
    expect(forged.text).toContain('did not come from this page');
    // A form value made for another message's link does not work here either.
    const other = await send(s, {
      topicId,
      template: 'digest',
      kind: 'editorial',
      data: DIGEST_DATA,
    });
    const otherBase = path(feedbackLinks(other.mail).yes!).replace(/\/yes$/, '');
    const otherForm = formToken((await t.http().get(otherBase).expect(200)).text);
    await t.http().post(base).type('form').send({ answer: 'yes', form: otherForm }).expect(403);

    const form = formToken((await t.http().get(base).expect(200)).text);
    const bad = await t.http().post(base).type('form').send({ answer: 'maybe', form }).expect(400);
    expect(bad.text).toContain('answer must be');
    const long = await t
      .http()
      .post(base)
      .type('form')
      .send({ answer: 'yes', comment: 'x'.repeat(2001), form })
      .expect(400);
    expect(long.text).toContain('comment must be at most 2000 characters');
    expect(await votes(id)).toEqual([]);
  });

  it('refuses bad tokens: tampered 401, expired 410, another subscriber’s message 404', async () => {
    const s = await subscriber();
    const other = await subscriber();
    const { id, mail } = await send(s, { ...notice, topicId });
    const base = path(feedbackLinks(mail).yes!).replace(/\/yes$/, '');
    const token = base.slice('/f/'.length);
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const bad = await t.http().get(`/f/${tampered}/yes`).expect(401);
    expect(bad.text).toContain('This link is not valid');
    await t.http().post(`/f/${tampered}`).type('form').send({ answer: 'yes' }).expect(401);

    const tokens = t.app.get(TokensService);
    const expired = tokens.sign('feedback', s.id, {
      ref: id,
      now: new Date(Date.now() - 200 * 86400_000),
    });
    const gone = await t.http().get(`/f/${expired}/yes`).expect(410);
    expect(gone.text).toContain('This link has expired');

    const foreign = tokens.sign('feedback', other.id, { ref: id });
    await t.http().get(`/f/${foreign}`).expect(404);
    // A valid token of another purpose is not a feedback token.
    const manage = tokens.sign('manage', s.id);
    await t.http().get(`/f/${manage}`).expect(401);
    expect(await votes(id)).toEqual([]);
  });

  it('speaks the subscriber’s language', async () => {
    const s = await subscriber('nl');
    const { mail } = await send(s, { ...notice, topicId });
    expect(mail.parsed.text).toContain('Had je hier iets aan?');
    const page = await t
      .http()
      .get(path(feedbackLinks(mail).no!))
      .expect(200);
    expect(page.text).toContain('lang="nl"');
    expect(page.text).toContain('Had je hier iets aan?');
  });

  it('names the email by its subject, never by its template key', async () => {
    const s = await subscriber('nl');
    const w = await send(s, {
      topicId: null,
      template: 'welcome',
      kind: 'editorial',
      data: { topics: [] },
    });
    const subject = w.mail.parsed.subject!;
    expect(subject).toContain('Welkom');
    const page = await t
      .http()
      .get(path(feedbackLinks(w.mail).yes!))
      .expect(200);
    expect(page.text).toMatch(/Over de e-mail (&quot;|&#34;|")Welkom/);
    expect(page.text).toContain(subject);
    expect(page.text).not.toMatch(/(&quot;|&#34;|")welcome(&quot;|&#34;|")/);
  });

  it('keeps the vote but clears the comment when the subscriber is erased', async () => {
    const s = await subscriber();
    const { id, mail } = await send(s, { ...notice, topicId });
    const base = path(feedbackLinks(mail).yes!).replace(/\/yes$/, '');
    const form = formToken((await t.http().get(base).expect(200)).text);
    await t
      .http()
      .post(base)
      .type('form')
      .send({ answer: 'yes', comment: 'Signed, Ada from Leiden', form })
      .expect(200);
    await t.api().delete(`/v1/subscribers/${s.id}`).expect(204);
    expect(await votes(id)).toEqual([expect.objectContaining({ helpful: true, comment: null })]);
    // The link no longer opens anything for an erased subscriber.
    await t.http().get(base).expect(404);
  });

  it('counts votes in /metrics', async () => {
    await eventually(async () => {
      const text = (await t.http().get('/metrics').expect(200)).text;
      return (
        /tidings_feedback_votes_total\{answer="helpful",change="new"[^}]*\} [1-9]/.test(text) &&
        /tidings_feedback_votes_total\{answer="unhelpful",change="changed"[^}]*\} [1-9]/.test(text)
      );
    });
  });
});
