import { Socket } from 'node:net';
import DKIM from 'nodemailer/lib/dkim';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Carry } from './message-transport';

export interface PoolOptions {
  url: string;
  size: number;
  /** Opens the TCP connection (with TCP_NODELAY); nodemailer speaks SMTP over it. */
  connect: (
    options: { host?: string; port?: number; connectionTimeout?: number },
    callback: (err: Error | null, socketOptions?: { connection: Socket }) => void,
  ) => void;
  dkim?: DKIM.Options;
}

interface Connection {
  smtp: SMTPConnection;
  sent: number;
  broken: boolean;
  /** The last message this connection delivered, not yet recorded. */
  carry?: Carry;
}

type Envelope = { from: string; to: string[] };

/** What the sender does around one message's SMTP transaction (see `send`). */
export interface SendHooks {
  /**
   * With a connection held, immediately before the SMTP transaction. `carried` is the previous
   * message of this connection, accepted and not yet recorded: it must be recorded by the same
   * write, whatever is decided (resolving means it was). False withholds this message.
   */
  beforeSend(carried: Carry | undefined): Promise<boolean>;
  /** After the server accepted the message: what its connection carries until it is recorded. */
  afterSend(info: SMTPConnection.SentMessageInfo): Carry;
}

/**
 * A small pool of nodemailer SMTP connections for messages that are already built. nodemailer's
 * own pool sends every message through its mail composer and several stream stages again, even a
 * raw one, which cost a delivery worker about as much CPU as everything else it does per message.
 * SMTP itself (commands, dot-stuffing, responses, TLS, AUTH) stays nodemailer's.
 *
 * A connection is reused after a message the server refused (RSET), and replaced after any other
 * error. A reused connection the server closed in the meantime is retried once on a new one, as
 * nodemailer's pool does.
 */
export class SmtpPool {
  private readonly idle: Connection[] = [];
  private readonly waiting: Array<(c: Connection | Error) => void> = [];
  private open = 0;
  private closed = false;
  private readonly flushing = new Set<Promise<void>>();
  private readonly options: SMTPConnection.Options & { auth?: { user: string; pass: string } };
  private readonly dkim: DKIM | null;

  constructor(private readonly config: PoolOptions) {
    this.options = parseConnectionUrl(config.url);
    this.dkim = config.dkim ? new DKIM(config.dkim) : null;
  }

  /**
   * Sends one message. With `hooks`, `beforeSend` (the last check and the record of the hand-over)
   * also records the connection's previous message, and this message then rides on the
   * connection until the next one records it: a connection never starts a message while another
   * of its messages is accepted and unrecorded, so if the process dies, at most one message per
   * connection can have reached the server unrecorded, for one write per message. Resolves null
   * when `beforeSend` withheld the message.
   */
  async send(
    envelope: Envelope,
    raw: Buffer,
    hooks?: SendHooks,
  ): Promise<SMTPConnection.SentMessageInfo | null> {
    const message = this.dkim ? await this.sign(raw) : raw;
    for (let attempt = 1; ; attempt++) {
      const conn = await this.acquire();
      const reused = conn.sent > 0;
      if (hooks) {
        let go: boolean;
        try {
          go = await hooks.beforeSend(conn.carry);
          conn.carry = undefined;
        } catch (err) {
          this.release(conn);
          throw err;
        }
        if (!go) {
          this.release(conn);
          return null;
        }
      } else if (conn.carry) {
        await this.flushCarry(conn);
      }
      let info: SMTPConnection.SentMessageInfo;
      try {
        info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
          conn.smtp.send(envelope, message, (err, result) => (err ? reject(err) : resolve(result))),
        );
      } catch (err) {
        const e = err as { code?: string; responseCode?: number };
        const refused = (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && e.responseCode !== 421;
        if (refused && !conn.broken) {
          conn.sent += 1;
          this.reset(conn);
        } else {
          this.discard(conn);
        }
        // The server closed a connection that was idle in the pool: nothing was sent yet.
        if (reused && !refused && attempt === 1 && e.code === 'ECONNECTION') continue;
        throw err;
      }
      conn.sent += 1;
      conn.carry = hooks?.afterSend(info);
      this.release(conn);
      return info;
    }
  }

  /** Records what the connection carries before anything else uses it. */
  private async flushCarry(conn: Connection): Promise<void> {
    const carry = conn.carry;
    conn.carry = undefined;
    if (!carry) return;
    const done = carry.flush();
    this.flushing.add(done);
    try {
      await done;
    } finally {
      this.flushing.delete(done);
    }
  }

  /** Resolves once every message the pool's connections delivered is recorded. */
  async flush(): Promise<void> {
    await Promise.all(this.idle.map((conn) => this.flushCarry(conn)));
    await Promise.all([...this.flushing]);
  }

  /** Stops the pool; what idle connections carry is recorded first. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    const idle = this.idle.splice(0);
    for (const conn of idle) conn.smtp.quit();
    for (const wake of this.waiting.splice(0)) wake(new Error('SMTP pool closed'));
  }

  private sign(raw: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const stream = this.dkim!.sign(raw);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  }

  private acquire(): Promise<Connection> {
    if (this.closed) return Promise.reject(new Error('SMTP pool closed'));
    const conn = this.idle.pop();
    if (conn) return Promise.resolve(conn);
    if (this.open < this.config.size) return this.create();
    return new Promise((resolve, reject) =>
      this.waiting.push((c) => (c instanceof Error ? reject(c) : resolve(c))),
    );
  }

  private release(conn: Connection): void {
    if (conn.broken || this.closed) return this.discard(conn);
    const wake = this.waiting.shift();
    // A waiting sender records the carry with its own hand-over.
    if (wake) return wake(conn);
    if (!conn.carry) return void this.idle.push(conn);
    // Nobody needs it right now: record what it carries, then offer it again.
    void this.flushCarry(conn).then(() => this.release(conn));
  }

  private reset(conn: Connection): void {
    conn.smtp.reset((err) => (err ? this.discard(conn) : this.release(conn)));
  }

  /** Closes a connection and, if someone waits for one, opens a replacement for them. */
  private discard(conn: Connection): void {
    if (conn.carry) void this.flushCarry(conn);
    if (!conn.broken) {
      conn.broken = true;
      this.open -= 1;
      conn.smtp.close();
    }
    const idleAt = this.idle.indexOf(conn);
    if (idleAt >= 0) this.idle.splice(idleAt, 1);
    const wake = this.waiting.shift();
    if (wake) this.create().then(wake, wake);
  }

  private create(): Promise<Connection> {
    this.open += 1;
    return new Promise((resolve, reject) => {
      let settled = false;
      // Until the session is ready, trouble fails this attempt (nodemailer reports connection
      // errors as events, not through the connect callback); afterwards it retires the connection.
      const failEarly = (err: Error, smtp?: SMTPConnection) => {
        if (settled) return;
        settled = true;
        this.open -= 1;
        smtp?.close();
        reject(err);
      };
      this.config.connect(
        {
          host: this.options.host,
          // nodemailer's defaults when the URL names no port.
          port: Number(this.options.port) || (this.options.secure ? 465 : 587),
          connectionTimeout: this.options.connectionTimeout,
        },
        (err, socket) => {
          if (err || !socket) return failEarly(err ?? new Error('No SMTP socket'));
          const smtp = new SMTPConnection({ ...this.options, connection: socket.connection });
          const onEarlyError = (e: Error) => failEarly(e, smtp);
          const onEarlyEnd = () =>
            failEarly(new Error('SMTP connection closed while opening'), smtp);
          smtp.on('error', onEarlyError);
          smtp.once('end', onEarlyEnd);
          const ready = () => {
            if (settled) return;
            settled = true;
            const conn: Connection = { smtp, sent: 0, broken: false };
            smtp.removeListener('error', onEarlyError);
            smtp.removeListener('end', onEarlyEnd);
            // A connection the server closes while idle leaves the pool at once.
            smtp.on('error', () => this.discard(conn));
            smtp.once('end', () => this.discard(conn));
            resolve(conn);
          };
          smtp.connect((connectErr) => {
            if (connectErr) return onEarlyError(connectErr);
            if (!this.options.auth) return ready();
            smtp.login(this.options.auth, (loginErr) =>
              loginErr ? onEarlyError(loginErr) : ready(),
            );
          });
        },
      );
    });
  }
}
