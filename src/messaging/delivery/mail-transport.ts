import { Logger } from '@nestjs/common';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { join } from 'node:path';
import { createTransport, Transporter } from 'nodemailer';
import type { AppConfig } from '../../platform/config/configuration';
import { DeliversChannel, EMAIL_CHANNEL } from './channels';
import { HandOverHooks, MessageTransport, TransportOutcome, WITHHELD } from './message-transport';
import { BuiltMessage, buildMessage } from './mime';
import type { OutgoingMail } from './outgoing-mail';
import { classifySmtpError } from './smtp-errors';
import { SmtpPool } from './smtp-pool';

export type { OutgoingMail };

export interface SentMail {
  providerMessageId: string;
  response?: string;
}

/**
 * Email's transports: SMTP in production, files in the outbox on a first run. Delivery gives them
 * ledger messages built by email's template kind (`deliver`); alerts and test sends give them an
 * email outside the ledger (`send`).
 */
export interface MailTransport extends MessageTransport<BuiltMessage> {
  /** Builds the email and sends it at once; rejects with the transport's error on failure. */
  send(mail: OutgoingMail): Promise<SentMail>;
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

/**
 * Email over SMTP: a pool of connections (smtp-pool.ts) on which an accepted message rides until
 * the connection's next hand-over records it.
 */
@DeliversChannel(EMAIL_CHANNEL)
export class SmtpMailTransport implements MailTransport {
  readonly channel = EMAIL_CHANNEL;
  /** Twice as many sends in flight as connections, so a connection never waits for a message to be built. */
  readonly concurrency: number;
  private readonly pool: SmtpPool;
  private readonly target: string;

  constructor(private readonly config: AppConfig['mail']) {
    const url = new URL(config.smtpUrl!);
    this.target = `${url.protocol}//${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 25)}`;
    this.concurrency = config.poolSize * 2;
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
    const { raw, envelope, messageId } = buildMessage(mail);
    const info = await this.pool.send(envelope, raw);
    return { providerMessageId: messageId, response: info!.response };
  }

  /**
   * The hand-over runs with a connection held, right before the SMTP transaction, and records
   * the connection's previous message with it (SmtpPool.send). SMTP errors become outcomes
   * (smtp-errors.ts); what the hand-over throws is passed on.
   */
  async deliver(
    { raw, envelope, messageId }: BuiltMessage,
    hooks: HandOverHooks,
  ): Promise<TransportOutcome> {
    let handOverFailed = false;
    try {
      const info = await this.pool.send(envelope, raw, {
        beforeSend: async (carried) => {
          try {
            return await hooks.beforeSend(carried);
          } catch (err) {
            handOverFailed = true;
            throw err;
          }
        },
        afterSend: () => hooks.afterSend({ providerMessageId: messageId }),
      });
      return info ? { status: 'accepted', providerMessageId: messageId } : WITHHELD;
    } catch (err) {
      if (handOverFailed) throw err;
      return { status: 'failed', ...classifySmtpError(err) };
    }
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
@DeliversChannel(EMAIL_CHANNEL)
export class OutboxMailTransport implements MailTransport {
  readonly channel = EMAIL_CHANNEL;
  readonly concurrency: number;
  private readonly transporter: Transporter;

  constructor(
    private readonly dir: string,
    config: AppConfig['mail'],
  ) {
    mkdirSync(dir, { recursive: true });
    this.concurrency = config.poolSize * 2;
    this.transporter = createTransport({
      streamTransport: true,
      buffer: true,
      newline: 'unix',
      dkim: dkimOptions(config),
    });
  }

  /** Built as for SMTP (mime.ts), so a file shows exactly what a server would receive. */
  async send(mail: OutgoingMail): Promise<SentMail> {
    const { raw, envelope, messageId } = buildMessage(mail);
    await this.write(raw, envelope, messageId);
    return { providerMessageId: messageId, response: 'written to outbox' };
  }

  /** The built message as it is (DKIM-signed when configured). */
  async deliver(
    { raw, envelope, messageId }: BuiltMessage,
    hooks: HandOverHooks,
  ): Promise<TransportOutcome> {
    if (!(await hooks.beforeSend(undefined))) return WITHHELD;
    try {
      await this.write(raw, envelope, messageId);
    } catch (err) {
      // A full or read-only disk may come back: tried again later.
      return {
        status: 'failed',
        permanent: false,
        hardBounce: false,
        message: `outbox: ${(err as Error).message}`,
      };
    }
    // No connection to ride on: recorded at once.
    await hooks.afterSend({ providerMessageId: messageId }).flush();
    return { status: 'accepted', providerMessageId: messageId };
  }

  private async write(
    raw: Buffer,
    envelope: BuiltMessage['envelope'],
    messageId: string,
  ): Promise<void> {
    const info = (await this.transporter.sendMail({ raw, envelope })) as { message: Buffer };
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const id = messageId.replace(/[<>]/g, '').replace(/[^A-Za-z0-9@._-]/g, '_');
    writeFileSync(join(this.dir, `${stamp}-${id}.eml`), info.message);
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
