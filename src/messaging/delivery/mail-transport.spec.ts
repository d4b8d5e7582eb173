import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { AddressInfo, createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AppConfig } from '../../platform/config/configuration';
import { OutboxMailTransport, OutgoingMail, SmtpMailTransport } from './mail-transport';
import { classifySmtpError } from './smtp-errors';

const mailConfig = (over: Partial<AppConfig['mail']> = {}): AppConfig['mail'] => ({
  smtpUrl: undefined,
  poolSize: 2,
  from: '"Acme" <news@acme.test>',
  replyTo: undefined,
  unsubscribeMailto: 'unsubscribe@acme.test',
  domain: 'acme.test',
  dkim: undefined,
  ...over,
});

const mail: OutgoingMail = {
  from: '"Acme" <news@acme.test>',
  to: { name: 'Ada', address: 'ada@example.test' },
  subject: 'Hello',
  html: '<p>Hello</p>',
  text: 'Hello',
  messageId: '<m1@acme.test>',
  headers: {
    'List-Unsubscribe':
      '<https://tidings.test/u/abc>, <mailto:unsubscribe@acme.test?subject=unsubscribe%20abc>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  },
};

describe(SmtpMailTransport.name, () => {
  let server: SMTPServer;
  let port: number;
  const received: string[] = [];
  const recipients: string[][] = [];

  beforeAll(async () => {
    server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      onData(stream, session, cb) {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString()));
        stream.on('end', () => {
          received.push(raw);
          recipients.push(session.envelope.rcptTo.map((r) => r.address));
          cb();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('turns Nagle off (TCP_NODELAY) on the sockets it opens to the SMTP server', async () => {
    const spy = jest.spyOn(Socket.prototype, 'setNoDelay');
    const transport = new SmtpMailTransport(mailConfig({ smtpUrl: `smtp://127.0.0.1:${port}` }));
    try {
      await transport.send(mail);
      const smtpSockets = spy.mock.contexts.filter((s) => (s as Socket).remotePort === port);
      expect(smtpSockets.length).toBeGreaterThan(0);
      const calls = spy.mock.calls.filter(
        (_, i) => (spy.mock.contexts[i] as Socket).remotePort === port,
      );
      expect(calls.every(([flag]) => flag === undefined || flag === true)).toBe(true);
      expect(received.length).toBe(1);
    } finally {
      spy.mockRestore();
      await transport.close();
    }
  });

  it('DKIM-signs what it sends, List-Unsubscribe-Post included, and delivers to Cc too', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const transport = new SmtpMailTransport(
      mailConfig({
        smtpUrl: `smtp://127.0.0.1:${port}`,
        dkim: { domainName: 'acme.test', keySelector: 's1', privateKey: pem },
      }),
    );
    try {
      const before = received.length;
      await transport.send({ ...mail, headers: { ...mail.headers, Cc: 'boss@acme.test' } });
      const raw = received[before];
      const signature =
        /^DKIM-Signature:(.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1].replace(/\s+/g, '') ?? '';
      expect(signature).toContain('d=acme.test');
      const signed = (/(?:^|;)h=([^;]+)/.exec(signature)?.[1] ?? '').toLowerCase().split(':');
      expect(signed).toEqual(
        expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from', 'subject']),
      );
      expect(recipients[before]).toEqual(['ada@example.test', 'boss@acme.test']);
    } finally {
      await transport.close();
    }
  });
});

describe(`${SmtpMailTransport.name} without a server`, () => {
  it('fails a send (as a temporary error) instead of waiting when nothing answers', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise((r) => probe.close(r));
    const transport = new SmtpMailTransport(mailConfig({ smtpUrl: `smtp://127.0.0.1:${port}` }));
    try {
      const err = await transport.send(mail).catch((e: unknown) => e);
      expect(String((err as { message?: string }).message)).toMatch(/ECONNREFUSED/);
      expect(classifySmtpError(err)).toMatchObject({ permanent: false });
    } finally {
      await transport.close();
    }
  });
});

describe(OutboxMailTransport.name, () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'outbox-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes each email as an .eml file', async () => {
    const transport = new OutboxMailTransport(dir, mailConfig());
    await transport.send(mail);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/m1@acme\.test\.eml$/);
    const raw = readFileSync(join(dir, files[0]), 'utf8');
    expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(raw).toContain('Subject: Hello');
  });

  it('DKIM-signs both List-Unsubscribe headers (RFC 8058 requires List-Unsubscribe-Post to be signed)', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const transport = new OutboxMailTransport(
      dir,
      mailConfig({ dkim: { domainName: 'acme.test', keySelector: 's1', privateKey: pem } }),
    );
    await transport.send(mail);
    const raw = readFileSync(join(dir, readdirSync(dir)[0]), 'utf8');
    const signature =
      /^DKIM-Signature:(.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1].replace(/\s+/g, '') ?? '';
    expect(signature).toContain('d=acme.test');
    const signed = (/(?:^|;)h=([^;]+)/.exec(signature)?.[1] ?? '').toLowerCase().split(':');
    expect(signed).toEqual(
      expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'from', 'subject']),
    );
  });
});
