import { ParsedMail, simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  /** The message bytes exactly as the server received them (what DKIM verifies). */
  data: Buffer;
  parsed: ParsedMail;
  /** Date.now() when the server had the whole message (before it answered). */
  receivedAt: number;
  /** Raw header lines, unfolded, as sent (case preserved). */
  header(name: string): string | undefined;
}

interface Failure {
  stage: 'rcpt' | 'data';
  code: number;
  message: string;
  remaining: number;
  match?: (recipient: string) => boolean;
}

/**
 * A real SMTP server in-process (the `smtp-server` package) that keeps what it receives and can be
 * told to answer with temporary (4xx) or permanent (5xx) errors.
 */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  private readonly failures: Failure[] = [];
  private readonly waiters = new Set<() => void>();
  private server?: SMTPServer;
  port = 0;

  /** Wait this long before accepting each message (a slow server). */
  acceptDelayMs = 0;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      size: 10 * 1024 * 1024,
      onRcptTo: (address: SMTPServerAddress, _session, callback) => {
        const failure = this.takeFailure('rcpt', address.address);
        if (failure) return callback(smtpError(failure));
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const receivedAt = Date.now();
          const recipients = session.envelope.rcptTo.map((r) => r.address);
          const failure = this.takeFailure('data', recipients[0] ?? '');
          if (failure) return callback(smtpError(failure));
          const data = Buffer.concat(chunks);
          const raw = data.toString('utf8');
          simpleParser(raw)
            .then((parsed) => {
              const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
              this.messages.push({
                from,
                to: recipients,
                raw,
                data,
                parsed,
                receivedAt,
                header: (name) => rawHeader(raw, name),
              });
              for (const wake of this.waiters) wake();
              if (this.acceptDelayMs) setTimeout(callback, this.acceptDelayMs);
              else callback();
            })
            .catch((err: Error) => callback(err));
        });
      },
    });
    // A client that dies mid-session (a killed worker) resets its socket: not the server's problem.
    this.server.on('error', () => undefined);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** The next `times` matching RCPT TO (or DATA) commands answer with this code. */
  failNext(
    stage: 'rcpt' | 'data',
    code: number,
    message: string,
    times = 1,
    match?: (rcpt: string) => boolean,
  ): void {
    this.failures.push({ stage, code, message, remaining: times, match });
  }

  to(address: string): ReceivedMail[] {
    return this.messages.filter((m) => m.to.includes(address.toLowerCase()));
  }

  /** Resolves when a received message matches, or rejects after the timeout. */
  async waitFor(
    predicate: (m: ReceivedMail) => boolean,
    timeoutMs = 15_000,
  ): Promise<ReceivedMail> {
    const found = this.messages.find(predicate);
    if (found) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(`No matching email within ${timeoutMs} ms (received ${this.messages.length})`),
        );
      }, timeoutMs);
      const check = () => {
        const m = this.messages.find(predicate);
        if (m) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve(m);
        }
      };
      this.waiters.add(check);
    });
  }

  async stop(): Promise<void> {
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private takeFailure(stage: 'rcpt' | 'data', recipient: string): Failure | undefined {
    const f = this.failures.find(
      (x) => x.stage === stage && x.remaining > 0 && (!x.match || x.match(recipient)),
    );
    if (f) f.remaining--;
    return f;
  }
}

function smtpError(f: Failure): Error {
  const err = new Error(f.message) as Error & { responseCode: number };
  err.responseCode = f.code;
  return err;
}

function rawHeader(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head
    .split(/\r?\n/)
    .find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** Polls a condition (for database state) instead of sleeping a fixed time. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
  stepMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(
    `Condition not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`,
  );
}
