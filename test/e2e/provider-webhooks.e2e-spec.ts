import { SuppressionsService } from '../../src/audience/suppressions/suppressions.service';
import { LedgerService } from '../../src/messaging/delivery/ledger.service';
import { SNS_HTTP, SnsHttp } from '../../src/surfaces/provider-webhooks/sns-messages';
import { createSubscriber, topicInput, uniqueEmail } from '../factories';
import {
  mailgunSignature,
  providerFixture,
  sendgridKeys,
  SnsSigner,
} from '../support/provider-signing';
import { SmtpSink } from '../support/smtp-sink';
import { createTestApp, TestApp } from '../support/test-app';

const DOMAIN = 'news.tidings.test';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:tidings-ses-feedback';
const CERT_URL = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem';
const POSTMARK_PASSWORD = 'postmark-password-0123456789';
const MAILGUN_KEY = 'mailgun-signing-key-0123456789abcdef';

/**
 * SNS's certificate and confirmation fetches, served from the test: only the transport is
 * replaced; which URLs may be fetched at all is still decided by the application.
 */
class LocalSns implements SnsHttp {
  readonly requested: string[] = [];
  constructor(private readonly certificates: Map<string, string>) {}
  get(url: URL): Promise<string> {
    this.requested.push(url.href);
    const pem = this.certificates.get(url.href);
    if (url.pathname.endsWith('.pem')) {
      return pem ? Promise.resolve(pem) : Promise.reject(new Error('404'));
    }
    return Promise.resolve('<ConfirmSubscriptionResponse/>');
  }
}

describe('Sending services’ webhooks (SES via SNS, Postmark, SendGrid, Mailgun)', () => {
  let t: TestApp;
  let smtp: SmtpSink;
  let suppressions: SuppressionsService;
  let ledger: LedgerService;
  let topicId: string;
  let topicKey: string;
  const signer = new SnsSigner();
  const sns = new LocalSns(new Map([[CERT_URL, signer.certificatePem]]));
  const sendgrid = sendgridKeys();

  beforeAll(async () => {
    smtp = await new SmtpSink().start();
    t = await createTestApp({
      env: {
        SMTP_URL: smtp.url,
        MAIL_FROM: `"Tidings" <no-reply@${DOMAIN}>`,
        SES_SNS_TOPIC_ARNS: TOPIC_ARN,
        POSTMARK_WEBHOOK_USERNAME: 'pm',
        POSTMARK_WEBHOOK_PASSWORD: POSTMARK_PASSWORD,
        SENDGRID_WEBHOOK_PUBLIC_KEY: sendgrid.publicKeyBase64,
        MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
      },
      overrides: [{ provide: SNS_HTTP, useValue: sns }],
    });
    suppressions = t.app.get(SuppressionsService);
    ledger = t.app.get(LedgerService);
    const topic = topicInput();
    topicKey = topic.key;
    topicId = (await t.api().post('/v1/topics').send(topic).expect(201)).body.id;
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  /** A subscriber who got one real email; its ledger id is what the providers' events quote. */
  async function mailed() {
    const s = await createSubscriber(t, {
      email: uniqueEmail('pw'),
      topics: [{ topic: topicKey }],
    });
    const [messageId] = await ledger.send([
      {
        dedupeKey: `test:provider:${s.id}`,
        subscriberId: s.id,
        topicId,
        template: 'welcome',
        kind: 'editorial',
        data: { topics: [] },
      },
    ]);
    await smtp.waitFor((m) => m.to.includes(s.email));
    return { ...s, messageId, values: { recipient: s.email, ledgerId: messageId, domain: DOMAIN } };
  }

  async function suppressed(email: string): Promise<string | null> {
    const [row] = await t.dataSource.query(
      `SELECT reason FROM suppressions WHERE address_hash = $1`,
      [suppressions.hash(email)],
    );
    return (row?.reason as string | undefined) ?? null;
  }

  const status = async (id: string) =>
    (await t.api().get(`/v1/subscribers/${id}`).expect(200)).body.status as string;

  const postSns = (body: Record<string, string>) =>
    t
      .http()
      .post('/v1/webhooks/providers/ses')
      .set('Content-Type', 'text/plain; charset=UTF-8')
      .set('x-amz-sns-message-type', body.Type)
      .send(JSON.stringify(body));

  describe('ses', () => {
    it('a signed SNS notification of an SES bounce suppresses the address, once', async () => {
      const s = await mailed();
      const body = signer.message({
        Type: 'Notification',
        TopicArn: TOPIC_ARN,
        SigningCertURL: CERT_URL,
        Message: providerFixture('ses-bounce.json', s.values),
      });
      const res = await postSns(body).expect(200);
      expect(res.body).toMatchObject({
        provider: 'ses',
        reports: [
          {
            replayed: false,
            format: 'ses',
            signals: [
              {
                type: 'hard_bounce',
                outcome: 'suppressed',
                matchedBy: 'message',
                messageId: s.messageId,
                subscriberId: s.id,
                status: '5.1.1',
              },
            ],
          },
        ],
      });
      expect(await suppressed(s.email)).toBe('hard_bounce');
      expect(await status(s.id)).toBe('bounced');
      const again = await postSns(body).expect(200);
      expect(again.body.reports[0].replayed).toBe(true);
      expect(sns.requested.filter((u) => u === CERT_URL)).toHaveLength(1); // cached
    });

    it('an SES complaint (SignatureVersion 2) unsubscribes and suppresses', async () => {
      const s = await mailed();
      const body = signer.message({
        Type: 'Notification',
        TopicArn: TOPIC_ARN,
        SigningCertURL: CERT_URL,
        SignatureVersion: '2',
        Message: providerFixture('ses-complaint.json', s.values),
      });
      const res = await postSns(body).expect(200);
      expect(res.body.reports[0].signals[0]).toMatchObject({
        type: 'complaint',
        outcome: 'unsubscribed',
      });
      expect(await suppressed(s.email)).toBe('complaint');
      expect(await status(s.id)).toBe('complained');
    });

    it('refuses a tampered message, a foreign certificate host and another topic with 403', async () => {
      const s = await mailed();
      const message = providerFixture('ses-bounce.json', s.values);
      const body = signer.message({
        Type: 'Notification',
        TopicArn: TOPIC_ARN,
        SigningCertURL: CERT_URL,
        Message: message,
      });
      const tampered = await postSns({
        ...body,
        Message: message.replace('Permanent', 'Transient'),
      }).expect(403);
      expect(tampered.body).toMatchObject({ code: 'invalid_signature', field: 'Signature' });

      const foreignUrl = 'https://sns.eu-west-1.amazonaws.com.evil.test/cert.pem';
      const foreign = signer.message({
        Type: 'Notification',
        TopicArn: TOPIC_ARN,
        SigningCertURL: foreignUrl,
        Message: message,
      });
      const refused = await postSns(foreign).expect(403);
      expect(refused.body).toMatchObject({ code: 'invalid_signature', field: 'SigningCertURL' });
      expect(sns.requested).not.toContain(foreignUrl);

      const other = signer.message({
        Type: 'Notification',
        TopicArn: 'arn:aws:sns:eu-west-1:999999999999:someone-else',
        SigningCertURL: CERT_URL,
        Message: message,
      });
      expect((await postSns(other).expect(403)).body.code).toBe('topic_not_allowed');
      expect(await suppressed(s.email)).toBeNull();
    });

    it('confirms a subscription to a configured topic by visiting its SubscribeURL', async () => {
      const subscribeUrl =
        'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=abc';
      const body = signer.message({
        Type: 'SubscriptionConfirmation',
        TopicArn: TOPIC_ARN,
        SigningCertURL: CERT_URL,
        Message: 'You have chosen to subscribe to the topic.',
        Token: 'abc',
        SubscribeURL: subscribeUrl,
      });
      const res = await postSns(body).expect(200);
      expect(res.body).toEqual({ provider: 'ses', reports: [], subscription: 'confirmed' });
      expect(sns.requested).toContain(subscribeUrl);
    });

    it('does not visit a SubscribeURL outside SNS', async () => {
      const elsewhere = 'https://attacker.test/?Action=ConfirmSubscription';
      const body = signer.message({
        Type: 'SubscriptionConfirmation',
        TopicArn: TOPIC_ARN,
        SigningCertURL: CERT_URL,
        Message: 'You have chosen to subscribe to the topic.',
        Token: 'abc',
        SubscribeURL: elsewhere,
      });
      expect((await postSns(body).expect(400)).body.field).toBe('SubscribeURL');
      expect(sns.requested).not.toContain(elsewhere);
    });
  });

  describe('postmark', () => {
    /** The documented example with an id of its own (the example's id is the same in every test). */
    const postmarkBounce = (values: Parameters<typeof providerFixture>[1]) =>
      JSON.stringify({
        ...(JSON.parse(providerFixture('postmark-bounce.json', values)) as object),
        ID: Math.floor(Math.random() * 1e12),
      });

    const post = (body: string, auth?: string) => {
      const r = t
        .http()
        .post('/v1/webhooks/providers/postmark')
        .set('Content-Type', 'application/json');
      return (
        auth ? r.set('Authorization', `Basic ${Buffer.from(auth).toString('base64')}`) : r
      ).send(body);
    };

    it('a Postmark hard bounce with the right basic auth suppresses the address', async () => {
      const s = await mailed();
      const res = await post(postmarkBounce(s.values), `pm:${POSTMARK_PASSWORD}`).expect(200);
      expect(res.body.reports[0]).toMatchObject({
        format: 'postmark',
        replayed: false,
        signals: [
          {
            type: 'hard_bounce',
            outcome: 'suppressed',
            matchedBy: 'recipient',
            subscriberId: s.id,
          },
        ],
      });
      expect(await suppressed(s.email)).toBe('hard_bounce');
    });

    it('refuses missing or wrong credentials with 401', async () => {
      const s = await mailed();
      const body = postmarkBounce(s.values);
      expect((await post(body).expect(401)).body.code).toBe('missing_credentials');
      expect((await post(body, 'pm:wrong-password-0123456789').expect(401)).body.code).toBe(
        'invalid_credentials',
      );
      expect(await suppressed(s.email)).toBeNull();
    });
  });

  describe('sendgrid', () => {
    const post = (body: string, signature: string, timestamp: string) =>
      t
        .http()
        .post('/v1/webhooks/providers/sendgrid')
        .set('Content-Type', 'application/json')
        .set('X-Twilio-Email-Event-Webhook-Signature', signature)
        .set('X-Twilio-Email-Event-Webhook-Timestamp', timestamp)
        .send(body);

    it('a signed batch: the bounce suppresses, the delivery is ignored', async () => {
      const s = await mailed();
      const body = providerFixture('sendgrid-events.json', { ...s.values, eventId: `sg-${s.id}` });
      const timestamp = String(Math.floor(Date.now() / 1000));
      const res = await post(body, sendgrid.sign(timestamp, body), timestamp).expect(200);
      expect(res.body.reports).toHaveLength(1);
      expect(res.body.reports[0].signals[0]).toMatchObject({
        type: 'hard_bounce',
        outcome: 'suppressed',
        matchedBy: 'message',
        messageId: s.messageId,
      });
      expect(await suppressed(s.email)).toBe('hard_bounce');
    });

    it('refuses a signature over other bytes with 403', async () => {
      const s = await mailed();
      const body = providerFixture('sendgrid-events.json', s.values);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = sendgrid.sign(timestamp, body);
      const res = await post(body.replace('5.0.0', '5.1.1'), signature, timestamp).expect(403);
      expect(res.body).toMatchObject({ code: 'invalid_signature' });
      expect(await suppressed(s.email)).toBeNull();
    });
  });

  describe('mailgun', () => {
    const post = (body: object) =>
      t
        .http()
        .post('/v1/webhooks/providers/mailgun')
        .set('Content-Type', 'application/json')
        .send(body);

    it('a signed permanent failure suppresses the address', async () => {
      const s = await mailed();
      const event = JSON.parse(providerFixture('mailgun-failed.json', s.values)) as object;
      const res = await post({ ...event, signature: mailgunSignature(MAILGUN_KEY) }).expect(200);
      expect(res.body.reports[0].signals[0]).toMatchObject({
        type: 'hard_bounce',
        outcome: 'suppressed',
        status: '5.1.1',
        matchedBy: 'message',
      });
      expect(await suppressed(s.email)).toBe('hard_bounce');
    });

    it('refuses a signature made with another key with 403', async () => {
      const s = await mailed();
      const event = JSON.parse(providerFixture('mailgun-failed.json', s.values)) as object;
      const res = await post({
        ...event,
        signature: mailgunSignature('not-the-signing-key-0123456789'),
      }).expect(403);
      expect(res.body).toMatchObject({ code: 'invalid_signature', field: 'signature.signature' });
      expect(await suppressed(s.email)).toBeNull();
    });
  });

  it('is documented: the providers, the result and every error with the shared error schema', async () => {
    const doc = (await t.http().get('/docs/openapi.json').expect(200)).body;
    const op = doc.paths['/v1/webhooks/providers/{provider}'].post;
    expect(op.parameters[0]).toMatchObject({
      name: 'provider',
      in: 'path',
      schema: { enum: ['ses', 'postmark', 'sendgrid', 'mailgun'] },
    });
    expect(op.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/ProviderWebhookResultDto',
    );
    for (const status of ['400', '401', '403', '404', '413', '503']) {
      expect(op.responses[status].content['application/json'].schema.$ref).toBe(
        '#/components/schemas/ErrorResponse',
      );
    }
    expect(Object.keys(op.requestBody.content)).toEqual(['application/json', 'text/plain']);
  });

  it('answers 404 for an unknown provider', async () => {
    const res = await t.http().post('/v1/webhooks/providers/sparkpost').send({}).expect(404);
    expect(res.body).toMatchObject({ code: 'unknown_provider', field: 'provider' });
  });
});
