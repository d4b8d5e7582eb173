import { Logger } from '@nestjs/common';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { createTransport, Transporter } from 'nodemailer';
import type { AppConfig } from '../../platform/config/configuration';
import { BuiltMessage, buildMessage } from './mime';
import type { OutgoingMail } from './outgoing-mail';
import { Carry, SmtpPool } from './smtp-pool';

export type { OutgoingMail };

export interface SentMail {
  providerMessageId: string;
  response?: string;
}

/**
 * What delivery does around a ledger message's hand-over (see SmtpPool.send): the last check and
 * its record right before the SMTP transaction, together with the record of the connection's
 * previous message (`carried`); after acceptance, the message rides on its connection (a Carry)
 * until it is recorded.
 */
export interface HandOverHooks {
  /** Immediately before the message is handed over; false withholds it. */
  beforeSend(carried: Carry | undefined): Promise<boolean>;
  afterSend(sent: SentMail): Carry;
}

/** The port delivery talks to; SMTP in production, files in the outbox on a first run. */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<SentMail>;
  /**
   * A message already built (mime.ts), for example by a compose thread. Resolves null when
   * `hooks.beforeSend` withheld it.
   */
  sendBuilt(message: BuiltMessage, hooks?: HandOverHooks): Promise<SentMail | null>;
  /** Records every delivered message its connections still carry (before the workers' database closes). */
  flush(): Promise<void>;
  close(): Promise<void>;
  describe(): string;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/**
 * DKIM signs these header fields. nodemailer's default list signs List-Unsubscribe but not
 * List-Unsubscribe-Post, which RFC 8058 requires to be signed for one-click to be honoured.
 */
export const DKIM_SIGNED_HEADERS = [
  'From',
  'Sender',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'Cc',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
].join(':');

function dkimOptions(config: AppConfig['mail']) {
  return config.dkim ? { ...config.dkim, headerFieldNames: DKIM_SIGNED_HEADERS } : undefined;
}

/**
 * Opens the TCP connection for nodemailer with Nagle's algorithm off. With Nagle on, every message
 * on a loopback or LAN connection stalls about 40 ms waiting for a delayed ACK (about 22 messages
 * a second per connection); with TCP_NODELAY one connection does hundreds.
 */
export function connectNoDelay(
  options: { host?: string; port?: number; connectionTimeout?: number },
  callback: (err: Error | null, socketOptions?: { connection: Socket }) => void,
): void {
  const socket = connect({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 25,
    noDelay: true,
  });
  socket.setNoDelay(true);
  const fail = (err: Error) => {
    socket.destroy();
    callback(err);
  };
  socket.once('error', fail);
  socket.setTimeout(options.connectionTimeout ?? 30_000, () =>
    fail(new Error('SMTP connection timed out')),
  );
  socket.once('connect', () => {
    socket.removeListener('error', fail);
    socket.setTimeout(0);
    callback(null, { connection: socket });
  });
}

export class SmtpMailTransport implements MailTransport {
  private readonly pool: SmtpPool;
  private readonly target: string;

  constructor(private readonly config: AppConfig['mail']) {
    const url = new URL(config.smtpUrl!);
    this.target = `${url.protocol}//${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 25)}`;
    this.pool = new SmtpPool({
      url: config.smtpUrl!,
      size: config.poolSize,
      connect: connectNoDelay,
      dkim: dkimOptions(config),
    });
  }

  /**
   * Builds the whole message into one buffer (see mime.ts) and sends it over the pool. Letting
   * nodemailer compose it streams every part through several stream stages and writes it to the
   * socket in many small pieces; measured on a 30 KB message that was most of a delivery
   * worker's CPU (docs/campaigns.md, benchmark).
   */
  async send(mail: OutgoingMail): Promise<SentMail> {
    return (await this.sendBuilt(buildMessage(mail)))!;
  }

  async sendBuilt(
    { raw, envelope, messageId }: BuiltMessage,
    hooks?: HandOverHooks,
  ): Promise<SentMail | null> {
    const sent = (response: string) => ({ providerMessageId: messageId, response });
    const info = await this.pool.send(
      envelope,
      raw,
      hooks && {
        beforeSend: (carried) => hooks.beforeSend(carried),
        afterSend: (accepted) => hooks.afterSend(sent(accepted.response)),
      },
    );
    return info && sent(info.response);
  }

  async flush(): Promise<void> {
    await this.pool.flush();
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  describe(): string {
    return `SMTP ${this.target} (pool of ${this.config.poolSize})`;
  }
}

/**
 * Without SMTP_URL (a first run), every email becomes an .eml file in DATA_DIR/outbox that any mail
 * client opens, so nothing is lost and everything can be previewed.
 */
export class OutboxMailTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(
    private readonly dir: string,
    config: AppConfig['mail'],
  ) {
    mkdirSync(dir, { recursive: true });
    this.transporter = createTransport({
      streamTransport: true,
      buffer: true,
      newline: 'unix',
      dkim: dkimOptions(config),
    });
  }

  /** Built as for SMTP (mime.ts), so a file shows exactly what a server would receive. */
  async send(mail: OutgoingMail): Promise<SentMail> {
    return (await this.sendBuilt(buildMessage(mail)))!;
  }

  /** The built message as it is (DKIM-signed when configured). */
  async sendBuilt(
    { raw, envelope, messageId }: BuiltMessage,
    hooks?: HandOverHooks,
  ): Promise<SentMail | null> {
    if (hooks && !(await hooks.beforeSend(undefined))) return null;
    const info = (await this.transporter.sendMail({ raw, envelope })) as { message: Buffer };
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const id = messageId.replace(/[<>]/g, '').replace(/[^A-Za-z0-9@._-]/g, '_');
    writeFileSync(join(this.dir, `${stamp}-${id}.eml`), info.message);
    const sent = { providerMessageId: messageId, response: 'written to outbox' };
    // No connection to ride on: recorded at once.
    if (hooks) await hooks.afterSend(sent).flush();
    return sent;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.transporter.close();
  }

  describe(): string {
    return `outbox ${this.dir}`;
  }
}

export function createMailTransport(mail: AppConfig['mail'], dataDir: string): MailTransport {
  if (mail.smtpUrl) return new SmtpMailTransport(mail);
  const outbox = join(dataDir, 'outbox');
  new Logger('Mail').log(
    `No SMTP_URL: emails are written as .eml files to ${outbox} (open them in any mail client)`,
  );
  return new OutboxMailTransport(outbox, mail);
}
