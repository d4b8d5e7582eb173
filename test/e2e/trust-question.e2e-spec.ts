import type { ClaimedMessage } from '../../src/messaging/delivery/claimed-message';
import { LedgerService, NewMessage } from '../../src/messaging/delivery/ledger.service';
import { TokensService } from '../../src/platform/tokens/tokens.service';
import { TrustQuestionPreparer } from '../../src/trust/questions/trust-question.preparer';
import { createSubscriber, createTopics, uniqueEmail } from '../factories';
import { ControllableClock } from '../support/controllable-clock';
import { csrfOf } from '../support/preference-center';
import { eventually, ReceivedMail, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';
import { settled } from '../support/ticks';

const DAY = 86_400_000;
const PUBLIC_URL = 'https://tidings.test';
const NOTICE_DATA = {
  heading: 'Your car insurance renews on 15 January',
  intro: 'Your policy renews automatically.',
  reason: 'You get this because your policy renews on 15 January.',
};
const TRUST_LINK = /https:\/\/tidings\.test\/t\/[A-Za-z0-9_-]+\/[1-5]/g;

describe('The trust question: at most once per subscriber per period, never in promotions; answers and expectations reported', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let ledger: LedgerService;
  const clock = new ControllableClock(new Date(Date.now() + 60_000));
  let topics: Record<string, { id: string; key: string }>;
  let seq = 0;

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      clock,
      env: {
        SMTP_URL: smtp.url,
        PUBLIC_URL,
        SCHEDULER_INTERVAL_MS: '3600000',
        DISPATCH_INTERVAL_MS: '500',
        // The content mix is not under test: every promotion may go.
        CONTENT_MIX_MAX_PROMOTIONAL_PERCENT: '100',
        CONTENT_MIX_PROMOTIONAL_GAP_DAYS: '0',
      },
    });
    ledger = t.app.get(LedgerService);
    topics = await createTopics(t, [
      ['offers', 'promotional'],
      ['renewals', 'notice'],
    ] as const);
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const subscriber = (locale = 'en') =>
    createSubscriber(t, {
      email: uniqueEmail('trust'),
      locale,
      timezone: 'UTC',
      topics: [{ topic: topics.offers.key }, { topic: topics.renewals.key }],
    });

  async function send(
    s: { id: string },
    message: Omit<NewMessage, 'dedupeKey' | 'subscriberId'>,
  ): Promise<{ id: string; mail: ReceivedMail }> {
    const [id] = await ledger.send([
      { dedupeKey: `test:trust:${++seq}:${s.id}`, subscriberId: s.id, ...message },
    ]);
    const mail = await smtp.waitFor((m) => m.header('X-Tidings-Message') === id);
    return { id, mail };
  }

  const notice = (s: { id: string }) =>
    send(s, { topicId: topics.renewals.id, template: 'notice', kind: 'notice', data: NOTICE_DATA });
  const editorial = (s: { id: string }) =>
    send(s, {
      topicId: null,
      template: 'evergreen',
      kind: 'editorial',
      data: {
        topic: { name: 'Product news', description: 'What changed.' },
        frequencyLabel: 'monthly',
      },
    });
  const welcome = (s: { id: string }) =>
    send(s, { topicId: null, template: 'welcome', kind: 'editorial', data: { topics: [] } });

  /** A promotional campaign through the API, and the email it sent the subscriber. */
  async function promotion(s: { id: string; email: string }, title: string): Promise<ReceivedMail> {
    const item = (
      await t
        .api()
        .post('/v1/content-items')
        .send({ topic: topics.offers.key, kind: 'promotional', title, summary: 'Only now.' })
        .expect(201)
    ).body;
    const campaign = (
      await t
        .api()
        .post('/v1/campaigns')
        .send({ topic: topics.offers.key, contentItem: item.id })
        .expect(201)
    ).body;
    await eventually(async () => {
      const res = await t.api().get(`/v1/campaigns/${campaign.id}`).expect(200);
      return res.body.status === 'sent';
    });
    const [row] = await t.dataSource.query<Array<{ id: string; kind: string }>>(
      `SELECT id, kind FROM outbound_messages WHERE campaign_id = $1 AND subscriber_id = $2`,
      [campaign.id, s.id],
    );
    expect(row.kind).toBe('promotional');
    return smtp.waitFor((m) => m.header('X-Tidings-Message') === row.id);
  }

  function trustLinks(mail: ReceivedMail): string[] {
    const text = mail.parsed.text ?? '';
    const links = [...text.matchAll(TRUST_LINK)].map((m) => m[0]);
    // The HTML part carries the same five links.
    for (const link of links) expect(mail.parsed.html).toContain(link);
    return links;
  }

  const path = (url: string) => url.replace(PUBLIC_URL, '');
  const formToken = (page: string) => /name="form" value="([^"]+)"/.exec(page)?.[1];
  const asks = async (subscriberId: string) =>
    t.dataSource.query<Array<{ message_id: string; kind: string }>>(
      `SELECT message_id, kind FROM trust_question_asks WHERE subscriber_id = $1 ORDER BY asked_at`,
      [subscriberId],
    );

  it('asks in one email per subscriber per period, never in a promotional one', async () => {
    const s = await subscriber();
    // A promotional campaign first: no question, though the subscriber was never asked.
    const promo = await promotion(s, 'Winter offer');
    expect(trustLinks(promo)).toEqual([]);
    expect(promo.parsed.text).not.toContain('Do we act in your interest?');

    const first = await notice(s);
    const links = trustLinks(first.mail);
    expect(links).toHaveLength(5);
    expect(links.map((l) => l.slice(-1))).toEqual(['1', '2', '3', '4', '5']);
    expect(first.mail.parsed.text).toContain('Do we act in your interest?');

    // The rest of the period: editorial and notices go without it.
    expect(trustLinks((await editorial(s)).mail)).toEqual([]);
    expect(trustLinks((await notice(s)).mail)).toEqual([]);
    clock.advance(100 * DAY);
    expect(trustLinks((await notice(s)).mail)).toEqual([]);
    expect(trustLinks((await editorial(s)).mail)).toEqual([]);

    // 183 days on: a new period, but a promotion still never carries it, nor a welcome (the
    // shipped welcome has no question: a new subscriber cannot yet judge); the next editorial does.
    clock.advance(83 * DAY);
    expect(trustLinks(await promotion(s, 'Spring offer'))).toEqual([]);
    expect(trustLinks((await welcome(s)).mail)).toEqual([]);
    const second = await editorial(s);
    expect(trustLinks(second.mail)).toHaveLength(5);

    expect(await asks(s.id)).toEqual([
      { message_id: first.id, kind: 'notice' },
      { message_id: second.id, kind: 'editorial' },
    ]);
  });

  it('asks in Dutch for a Dutch subscriber', async () => {
    const s = await subscriber('nl');
    const { mail } = await editorial(s);
    expect(trustLinks(mail)).toHaveLength(5);
    expect(mail.parsed.text).toContain('Handelen wij in jouw belang?');
    const page = await t
      .http()
      .get(path(trustLinks(mail)[0]))
      .expect(200);
    expect(page.text).toContain('Handelen wij in jouw belang?');
    expect(page.text).toContain('lang="nl"');
  });

  it('two workers deciding at once for one subscriber ask only once (and a batch with two emails for one subscriber asks in one)', async () => {
    const preparer = t.app.get(TrustQuestionPreparer);
    const claimed = async (s: { id: string }, n: number): Promise<ClaimedMessage[]> => {
      const ids = await t.dataSource.transaction((m) =>
        ledger.insert(
          m,
          Array.from({ length: n }, () => ({
            dedupeKey: `test:trust:race:${++seq}`,
            subscriberId: s.id,
            topicId: topics.renewals.id,
            template: 'notice',
            kind: 'notice' as const,
            data: NOTICE_DATA,
            // Not due: the dispatcher leaves them alone; the preparer is called directly.
            sendAfter: new Date(clock.now().getTime() + 365 * DAY),
          })),
        ),
      );
      return ids.map(
        (id) =>
          ({
            id,
            subscriberId: s.id,
            topicId: topics.renewals.id,
            channel: 'email',
            template: 'notice',
            templateVersion: undefined,
            kind: 'notice',
            locale: 'en',
            data: { ...NOTICE_DATA },
          }) as unknown as ClaimedMessage,
      );
    };
    for (let round = 0; round < 5; round++) {
      const s = await subscriber();
      const batches = await Promise.all(Array.from({ length: 6 }, () => claimed(s, 1)));
      await Promise.all(batches.map((b) => preparer.prepare(b, clock.now())));
      const asked = batches.flat().filter((m) => m.data.trustQuestion);
      expect(asked).toHaveLength(1);
      expect(await asks(s.id)).toHaveLength(1);
    }
    const s = await subscriber();
    const batch = await claimed(s, 3);
    await preparer.prepare(batch, clock.now());
    expect(batch.filter((m) => m.data.trustQuestion)).toHaveLength(1);
    // A retry of the email that asked keeps its question.
    const asked = batch.find((m) => m.data.trustQuestion)!;
    const retried = { ...asked, data: { ...NOTICE_DATA } } as ClaimedMessage;
    await preparer.prepare([retried], clock.now());
    expect(retried.data.trustQuestion).toBeDefined();
    expect(await asks(s.id)).toHaveLength(1);

    // An email that asked but then failed does not count: the next one asks, the one after not.
    const [later] = await claimed(s, 1);
    await preparer.prepare([later], clock.now());
    expect(later.data.trustQuestion).toBeUndefined();
    await t.dataSource.query(`UPDATE outbound_messages SET status = 'failed' WHERE id = $1`, [
      asked.id,
    ]);
    const [next, after] = [...(await claimed(s, 1)), ...(await claimed(s, 1))];
    await preparer.prepare([next], clock.now());
    await preparer.prepare([after], clock.now());
    expect(next.data.trustQuestion).toBeDefined();
    expect(after.data.trustQuestion).toBeUndefined();
  });

  it('records an answer through the link once per email (a second one replaces it) and reports it', async () => {
    const month = clock.now().toISOString().slice(0, 7);
    // Outcomes are recorded after SMTP accepted a message: wait until every earlier one is.
    await settled(t.dataSource, clock.now());
    const before = (await t.api().get(`/v1/reports/trust-score?month=${month}`).expect(200)).body;
    const s = await subscriber();
    const { id, mail } = await notice(s);
    const links = trustLinks(mail);

    // Opening the links (a mail scanner opens all five) records nothing; the page pre-selects.
    for (const link of links) await t.http().get(path(link)).expect(200);
    const page = await t.http().get(path(links[3])).expect(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toMatch(/value="4"\s+checked/);
    expect(page.text).toMatch(/name="showAddress"\s+value="yes"\s*\/>/);
    const answer = () =>
      t.dataSource.query(
        `SELECT score, comment, show_address, changes FROM trust_question_asks WHERE message_id = $1`,
        [id],
      );
    expect(await answer()).toEqual([
      { score: null, comment: null, show_address: false, changes: 0 },
    ]);

    const base = path(links[3]).replace(/\/4$/, '');
    const forged = await t.http().post(base).type('form').send({ score: '4' }).expect(403);
    expect(forged.text).toContain('did not come from this page');
    await t
      .http()
      .post(base)
      .type('form')
      .send({ score: '9', form: formToken(page.text) })
      .expect(400);

    const recorded = await t
      .http()
      .post(base)
      .type('form')
      .send({ score: '4', comment: '  You warned me in time.  ', form: formToken(page.text) })
      .expect(200);
    expect(recorded.text).toContain('We recorded your answer: 4 out of 5.');
    expect(await answer()).toEqual([
      { score: 4, comment: 'You warned me in time.', show_address: false, changes: 0 },
    ]);

    let comments = (await t.api().get(`/v1/reports/trust-comments?month=${month}`).expect(200))
      .body;
    expect(comments.comments).toContainEqual(
      expect.objectContaining({
        messageId: id,
        score: 4,
        comment: 'You warned me in time.',
        email: null,
        kind: 'notice',
        topic: topics.renewals.key,
      }),
    );

    // The same link again: the answer is replaced, never counted twice; the address is shown
    // only now that the subscriber allowed it.
    await t
      .http()
      .post(base)
      .type('form')
      .send({
        score: '5',
        comment: 'You warned me in time.',
        showAddress: 'yes',
        form: formToken(recorded.text),
      })
      .expect(200);
    expect(await answer()).toEqual([
      { score: 5, comment: 'You warned me in time.', show_address: true, changes: 1 },
    ]);
    comments = (await t.api().get(`/v1/reports/trust-comments?month=${month}`).expect(200)).body;
    expect(comments.comments).toContainEqual(
      expect.objectContaining({ messageId: id, score: 5, email: s.email }),
    );

    await settled(t.dataSource, clock.now());
    const after = (await t.api().get(`/v1/reports/trust-score?month=${month}`).expect(200)).body;
    const row = (r: { rows: Array<{ topic: string | null; kind: string }> }) =>
      r.rows.find((x) => x.topic === topics.renewals.key && x.kind === 'notice') as
        { asked: number; answered: number; scores: number[] } | undefined;
    const was = row(before) ?? { asked: 0, answered: 0, scores: [0, 0, 0, 0, 0] };
    expect(row(after)).toMatchObject({
      asked: was.asked + 1,
      answered: was.answered + 1,
      scores: [...was.scores.slice(0, 4), was.scores[4] + 1],
    });
    expect(after.total.answered).toBe(before.total.answered + 1);
    // A recount from the rows.
    const [{ answered, mean }] = await t.dataSource.query(
      `SELECT count(a.score)::int AS answered, round(avg(a.score), 2)::float AS mean
         FROM trust_question_asks a JOIN outbound_messages m ON m.id = a.message_id AND m.status = 'sent'
        WHERE a.asked_at >= $1 AND a.asked_at < $2`,
      [after.from, after.to],
    );
    expect(after.total.answered).toBe(answered);
    expect(after.total.averageScore).toBe(mean);

    await t.api().get('/v1/reports/trust-score?month=2026-13').expect(400);
  });

  it('stores "what would you like to hear about?" from the preference center and counts similar answers', async () => {
    const month = clock.now().toISOString().slice(0, 7);
    const tokens = t.app.get(TokensService);
    const answers: Array<[string, string]> = [
      ['en', 'Renewal reminders!'],
      ['nl', 'renewal   REMINDERS'],
      ['en', 'Tips for saving on car insurance'],
    ];
    for (const [locale, text] of answers) {
      clock.advance(60_000);
      const s = await subscriber(locale);
      const token = tokens.sign('manage', s.id, { now: clock.now() });
      const page = await t.http().get(`/p/${token}?lang=${locale}`).expect(200);
      expect(page.text).toContain('name="expectation"');
      const saved = await t
        .http()
        .post(`/p/${token}/expectations?lang=${locale}`)
        .type('form')
        .send({ csrf: csrfOf(page.text), expectation: text })
        .expect(303);
      expect(saved.headers.location).toContain('done=expectation_saved');
      const [row] = await t.dataSource.query(
        `SELECT text, locale, created_at FROM trust_expectations WHERE subscriber_id = $1`,
        [s.id],
      );
      expect(row).toEqual({ text: text.trim(), locale, created_at: clock.now() });
    }
    const report = (await t.api().get(`/v1/reports/expectations?month=${month}`).expect(200)).body;
    expect(report.total).toBe(3);
    expect(report.groups[0]).toMatchObject({
      normalised: 'renewal reminders',
      count: 2,
      subscribers: 2,
      locales: { en: 1, nl: 1 },
      example: 'renewal   REMINDERS',
    });
    expect(report.groups[1]).toMatchObject({
      normalised: 'tips for saving on car insurance',
      count: 1,
    });
  });
  it('erasure deletes expectations and comments and the address choice; the score stays as a figure', async () => {
    const s = await subscriber();
    const { id, mail } = await notice(s);
    const link = trustLinks(mail)[1];
    const page = await t.http().get(path(link)).expect(200);
    await t
      .http()
      .post(path(link).replace(/\/2$/, ''))
      .type('form')
      .send({
        score: '2',
        comment: 'Too many emails.',
        showAddress: 'yes',
        form: formToken(page.text),
      })
      .expect(200);
    const token = t.app.get(TokensService).sign('manage', s.id, { now: clock.now() });
    const pref = await t.http().get(`/p/${token}?lang=en`).expect(200);
    await t
      .http()
      .post(`/p/${token}/expectations?lang=en`)
      .type('form')
      .send({ csrf: csrfOf(pref.text), expectation: 'Fewer emails' })
      .expect(303);
    const exported = await t.http().get(`/p/${token}/export`).expect(200);
    const data = JSON.parse(exported.text) as Record<string, Array<Record<string, unknown>>>;
    expect(data.expectations).toEqual([
      expect.objectContaining({ text: 'Fewer emails', locale: 'en' }),
    ]);
    expect(data.trustAnswers).toEqual([
      expect.objectContaining({ score: 2, comment: 'Too many emails.', showAddress: true }),
    ]);

    await t.api().delete(`/v1/subscribers/${s.id}`).expect(204);
    expect(
      await t.dataSource.query(
        `SELECT score, comment, show_address FROM trust_question_asks WHERE message_id = $1`,
        [id],
      ),
    ).toEqual([{ score: 2, comment: null, show_address: false }]);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM trust_expectations WHERE subscriber_id = $1`,
      [s.id],
    );
    expect(n).toBe(0);
    // The links of an erased subscriber no longer open anything.
    await t.http().get(path(link)).expect(404);
  });
});
