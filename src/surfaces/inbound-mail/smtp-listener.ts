import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { AppConfig } from '../../platform/config/configuration';
import { StartupError } from '../../platform/errors/startup-error';
import { InboundAddressing, InboundMailService } from './inbound-mail.service';

/** Recipients one message may have; ours are two addresses, so more is not a real sender. */
const MAX_RECIPIENTS = 10;

/** An SMTP reply for smtp-server: the code and text the client sees. */
function reply(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * The built-in SMTP listener for inbound mail (INBOUND_SMTP_PORT; the API process runs it). It
 * takes mail for two addresses only, the mailto: List-Unsubscribe address and the bounce address
 * (each also with a `+tag`), and refuses every other recipient at RCPT with 550: it relays
 * nothing, so it is not an open relay. No AUTH, no STARTTLS; messages over
 * INBOUND_MAX_MESSAGE_BYTES are refused with 552. A message is answered 250 only after it was
 * handled and committed; a failure on our side is a 451, so the sender tries again later.
 */
@Injectable()
export class SmtpListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('InboundSmtp');
  private readonly settings: AppConfig['inbound'];
  private server: SMTPServer | null = null;

  constructor(
    private readonly inbound: InboundMailService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('inbound', { infer: true });
  }

  /** The port it listens on (useful with INBOUND_SMTP_PORT=0), or null when it is off. */
  get port(): number | null {
    const address = this.server?.server.address() as AddressInfo | null | undefined;
    return address?.port ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    const smtp = this.settings.smtp;
    if (!smtp) return;
    const server = new SMTPServer({
      name: this.settings.unsubscribeAddress.split('@')[1],
      banner: 'Tidings inbound mail',
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      size: this.settings.maxMessageBytes,
      maxClients: 100,
      socketTimeout: 60_000,
      closeTimeout: 10_000,
      logger: false,
      onRcptTo: (address, session, callback) => {
        if (session.envelope.rcptTo.length >= MAX_RECIPIENTS) {
          callback(reply(452, '4.5.3 Too many recipients'));
          return;
        }
        if (!this.inbound.recipient(address.address)) {
          callback(reply(550, '5.1.1 No such mailbox here; this server does not relay'));
          return;
        }
        callback();
      },
      onData: (stream, session, callback) => {
        this.receive(stream, session).then(
          () => callback(null, 'Message handled'),
          (err: unknown) => callback(err as Error),
        );
      },
    });
    server.on('error', (err) => this.logger.warn({ err: String(err) }, 'SMTP listener error'));
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          new StartupError(
            err.code === 'EADDRINUSE'
              ? `INBOUND_SMTP_PORT ${smtp.port} is already in use on ${smtp.host}; choose another port or stop what uses it`
              : err.code === 'EACCES'
                ? `INBOUND_SMTP_PORT ${smtp.port} needs privileges this process does not have; use a port above 1023 and forward port 25 to it`
                : `The inbound SMTP listener could not listen on ${smtp.host}:${smtp.port} (${err.message})`,
          ),
        );
      });
      server.listen(smtp.port, smtp.host, () => resolve());
    });
    this.server = server;
    this.logger.log({ host: smtp.host, port: this.port }, 'Inbound SMTP listener started');
  }

  /** Before the database closes, so a message in flight is still handled (or answered 451). */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    // Read to the end (the client waits for our answer), keeping no more than the limit.
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= this.settings.maxMessageBytes) chunks.push(chunk);
    }
    if (stream.sizeExceeded || size > this.settings.maxMessageBytes) {
      throw reply(552, `5.3.4 Message larger than ${this.settings.maxMessageBytes} bytes`);
    }
    const addressing = session.envelope.rcptTo
      .map((r) => this.inbound.recipient(r.address))
      .filter((r): r is InboundAddressing => r !== null);
    try {
      await this.inbound.receive(Buffer.concat(chunks), 'smtp', addressing);
    } catch (err) {
      this.logger.error(
        { err: String(err) },
        'Inbound message not handled; asked the sender to retry',
      );
      throw reply(451, '4.3.0 Temporary failure; try again later');
    }
  }
}
