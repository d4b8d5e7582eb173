import { TokensService } from '../../src/platform/tokens/tokens.service';
import { createSubscriber, unique, uniqueEmail } from '../factories';
import { createTopic, linkPath, pageText } from '../support/preference-center';
import { eventually, SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const PUBLIC_URL = 'https://form.tidings.test';

/** A form post as a browser sends it (`application/x-www-form-urlencoded`, wants HTML). */
function formBody(fields: Array<[string, string]>): string {
  return fields.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
}

describe('The subscribe form: time zone and language, known addresses, notice topics, errors on the form', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let news: { key: string; name: string };
  let reminders: { key: string; name: string };

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        PUBLIC_URL,
        SMTP_URL: smtp.url,
        BRAND_NAME: 'Acme',
        DISPATCH_INTERVAL_MS: '500',
        DEFAULT_TIMEZONE: 'Europe/Amsterdam',
      },
    });
    news = await createTopic(t, {
      name: 'Product news',
      allowedFrequencies: ['weekly', 'monthly'],
      defaultFrequency: 'monthly',
    });
    reminders = await createTopic(t, {
      name: 'Account notices',
      kind: 'notice',
      allowedFrequencies: ['monthly'],
    });
    // A notice the subscriber will get a week after confirming: the welcome can name it.
    await t
      .api()
      .post('/v1/lifecycle-rules')
      .send({
        key: unique('first-week'),
        name: 'First week tips',
        topic: reminders.key,
        template: 'notice',
        trigger: { type: 'confirmed', offsetDays: 7 },
        content: {
          en: {
            heading: 'Your first week',
            intro: 'Tips.',
            reason: 'You get this because you signed up on {date}.',
            summary: 'Tips a week after you joined',
          },
          nl: {
            heading: 'Je eerste week',
            intro: 'Tips.',
            reason: 'Je krijgt dit omdat je je op {date} aanmeldde.',
            summary: 'Tips een week na je aanmelding',
          },
        },
      })
      .expect((r) => expect([r.status, r.body.message]).toEqual([201, undefined]));
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  const subscriberRow = async (email: string) =>
    (
      await t.dataSource.query(
        `SELECT id, status, locale, timezone FROM subscribers WHERE email = $1`,
        [email],
      )
    )[0] as { id: string; status: string; locale: string; timezone: string } | undefined;

  describe('time zone and language (item 6)', () => {
    it('offers a language and a time zone select (every IANA zone), with a script that detects the zone', async () => {
      const res = await t.http().get('/subscribe?lang=en').expect(200);
      expect(res.text).toMatch(/<select[^>]*id="timezone"[^>]*name="timezone"/);
      expect(res.text).toMatch(/<select[^>]*id="locale"[^>]*name="locale"/);
      for (const zone of ['Australia/Sydney', 'America/New_York', 'Europe/Amsterdam', 'UTC']) {
        expect(res.text).toContain(`value="${zone}"`);
      }
      // Without JavaScript the operator's zone is chosen, and the language of the page.
      expect(res.text).toMatch(/<option value="Europe\/Amsterdam"[^>]*selected/);
      expect(res.text).toMatch(/<option value="en"[^>]*selected/);
      expect(pageText(res.text)).toContain('Time zone');
      expect(res.text).toContain('<script src="/subscribe/form.js" defer></script>');
      const script = await t.http().get('/subscribe/form.js').expect(200);
      expect(script.headers['content-type']).toContain('javascript');
      expect(script.text).toContain('resolvedOptions().timeZone');

      const nl = await t.http().get('/subscribe?lang=nl').expect(200);
      expect(pageText(nl.text)).toContain('Tijdzone');
      expect(nl.text).toMatch(/<option value="nl"[^>]*selected/);
    });

    it('stores the zone and language the form sends, and refuses an unknown zone with 400 naming the field', async () => {
      const email = uniqueEmail('sydney');
      await t
        .http()
        .post('/subscribe')
        .type('form')
        .send(
          formBody([
            ['email', email],
            ['locale', 'nl'],
            ['timezone', 'Australia/Sydney'],
            ['topics', `${news.key}:weekly`],
          ]),
        )
        .expect(202);
      expect(await subscriberRow(email)).toMatchObject({
        locale: 'nl',
        timezone: 'Australia/Sydney',
      });
      const bad = await t
        .http()
        .post('/subscribe')
        .send({ email: uniqueEmail(), timezone: 'Mars/Olympus_Mons', topics: [news.key] })
        .expect(400);
      expect(bad.body.field).toBe('timezone');
    });
  });

  describe('an address that is already subscribed (item 7)', () => {
    it('gets a preference link by email; whoever typed it sees exactly what a new address sees', async () => {
      const known = await createSubscriber(t, { topics: [{ topic: news.key }] });
      const fresh = uniqueEmail('fresh');
      const post = (email: string) =>
        t
          .http()
          .post('/subscribe')
          .type('form')
          .send(
            formBody([
              ['email', email],
              ['locale', 'en'],
              ['timezone', 'Europe/Amsterdam'],
              ['topics', `${reminders.key}:monthly`],
            ]),
          )
          .expect(202);
      const forNew = await post(fresh);
      const forKnown = await post(known.email);
      expect(pageText(forKnown.text)).toBe(pageText(forNew.text));
      const json = (email: string) =>
        t
          .http()
          .post('/subscribe')
          .send({ email, topics: [reminders.key] })
          .expect(202);
      expect((await json(known.email)).body).toEqual((await json(uniqueEmail())).body);

      const mail = await smtp.waitFor((m) => m.to.includes(known.email));
      expect(mail.parsed.subject).toBe('Your link to manage your email from Acme');
      expect(mail.parsed.text).toContain('sign-up form');
      const link = linkPath(mail.parsed.text!, PUBLIC_URL, '/p/');
      expect(t.app.get(TokensService).decode(link.slice(3)).purpose).toBe('elevated');
      // The link can add the topic they asked for.
      const page = await t.http().get(link).expect(200);
      expect(page.text).toContain(`name="change" value="join"`);
      expect(page.text).toContain(`value="${reminders.key}"`);
      // At most one such email per ten minutes, however often the form is sent.
      await eventually(async () => {
        const [{ n }] = await t.dataSource.query(
          `SELECT count(*)::int AS n FROM outbound_messages
            WHERE subscriber_id = $1 AND template = 'fresh-link' AND status = 'sent'`,
          [known.id],
        );
        return n === 1;
      });
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM outbound_messages WHERE subscriber_id = $1`,
        [known.id],
      );
      expect(n).toBe(1);
      // Nothing was subscribed by the form itself.
      const subs = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM subscriptions WHERE subscriber_id = $1`,
        [known.id],
      );
      expect(subs[0].n).toBe(1);
    });
  });

  describe('notice topics in the confirmation, on the confirmed page and in the welcome (item 8)', () => {
    it('promise notices when something is due, not a frequency or a first regular message', async () => {
      const email = uniqueEmail('notices');
      await t
        .http()
        .post('/subscribe')
        .send({
          email,
          locale: 'en',
          timezone: 'Europe/Amsterdam',
          topics: [`${news.key}:weekly`, reminders.key],
        })
        .expect(202);
      const confirmation = await smtp.waitFor((m) => m.to.includes(email));
      const text = confirmation.parsed.text!;
      expect(text).toContain(`${news.name} (weekly)`);
      expect(text).toContain(`${reminders.name} (only when something is due for you)`);
      expect(text).not.toMatch(/monthly/i);

      const page = await t
        .http()
        .get(linkPath(text, PUBLIC_URL, '/confirm/'))
        .expect(200);
      const confirmed = pageText(page.text);
      expect(confirmed).toMatch(
        /Product news ?, weekly\. Your first regular message is due around/,
      );
      expect(confirmed).not.toMatch(/monthly/i);
      expect(confirmed).toMatch(
        /Account notices ?, only when something is due for you\. Planned: Tips a week after you joined \(\d{1,2} \w+ \d{4}\)\./,
      );

      const welcome = await smtp.waitFor((m) => m.to.includes(email) && m !== confirmation);
      const body = welcome.parsed.text!;
      expect(body).not.toMatch(/monthly/i);
      expect(body.match(/First message expected/g)).toHaveLength(1);
      expect(body).toContain('only when something is due for you');
      expect(body).toMatch(/Tips a week after you joined: \d{1,2} \w+ \d{4}/);
      expect(welcome.parsed.html).toContain('Tips a week after you joined');
    });
  });

  describe('errors come back on the form (item 12)', () => {
    it('shows the form again, branded, in the page language, naming the field, with the values kept', async () => {
      const res = await t
        .http()
        .post('/subscribe?lang=nl')
        .type('form')
        .set('Accept', 'text/html')
        .send(
          formBody([
            ['email', 'a@b'],
            ['name', 'Ada <Lovelace>'],
            ['locale', 'nl'],
            ['timezone', 'Australia/Sydney'],
            ['topics', ''],
            ['topics', `${news.key}:weekly`],
          ]),
        )
        .expect(400);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.text).toContain('<html lang="nl">');
      const text = pageText(res.text);
      expect(text).not.toContain('Bad Request');
      expect(text).toContain('Acme');
      expect(text).toContain('Vul een volledig e-mailadres in, zoals naam@voorbeeld.nl.');
      // The form again, with what was typed and chosen.
      expect(res.text).toMatch(/<form[^>]*action="\/subscribe\?lang=nl"/);
      expect(res.text).toMatch(/id="email"[^>]*value="a@b"/);
      expect(res.text).toMatch(/id="email"[^>]*aria-invalid="true"/);
      expect(res.text).toContain('value="Ada &#60;Lovelace&#62;"');
      expect(res.text).toMatch(new RegExp(`<option value="${news.key}:weekly"[^>]*selected`));
      expect(res.text).toMatch(/<option value="Australia\/Sydney"[^>]*selected/);
      // The error summary links to the field.
      expect(res.text).toContain('href="#email"');
      expect(res.headers['x-frame-options']).toBeUndefined();

      const noTopic = await t
        .http()
        .post('/subscribe')
        .type('form')
        .set('Accept', 'text/html')
        .send(
          formBody([
            ['email', uniqueEmail()],
            ['locale', 'en'],
            ['topics', ''],
          ]),
        )
        .expect(400);
      expect(pageText(noTopic.text)).toContain('Choose at least one topic.');
      expect(noTopic.text).toContain('<html lang="en">');

      const badZone = await t
        .http()
        .post('/subscribe')
        .type('form')
        .set('Accept', 'text/html')
        .send(
          formBody([
            ['email', uniqueEmail()],
            ['locale', 'en'],
            ['timezone', 'Mars/Base'],
            ['topics', news.key],
          ]),
        )
        .expect(400);
      expect(pageText(badZone.text)).toContain('Choose your time zone from the list.');
      // JSON clients still get the JSON error.
      const json = await t
        .http()
        .post('/subscribe')
        .send({ email: 'a@b', topics: [news.key] })
        .expect(400);
      expect(json.body.field).toBe('email');
      // Nothing half-written.
      expect(await subscriberRow('a@b')).toBeUndefined();
    });
  });
});
