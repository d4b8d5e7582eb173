import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ImapFlow } from 'imapflow';
import type { AppConfig } from '../../platform/config/configuration';
import { InboundMailService } from './inbound-mail.service';

/** One message of the polled mailbox. */
export interface MailboxMessage {
  uid: number;
  /** The message's size in bytes, as the server reports it. */
  size: number;
  /** Reads the whole message. */
  source(): Promise<Buffer>;
}

/**
 * The seam between the poller and an IMAP server: the unread messages, oldest first, and marking
 * one handled (`\Seen`). `ImapFlowMailbox` is the real one; tests give the poller their own.
 */
export interface InboundMailbox {
  unread(): AsyncIterable<MailboxMessage>;
  markHandled(uid: number): Promise<void>;
  close(): Promise<void>;
}

/** Opens the configured mailbox for one poll (a fresh IMAP connection each time). */
@Injectable()
export class ImapMailboxes {
  private readonly settings: AppConfig['inbound']['imap'];

  constructor(config: ConfigService<AppConfig, true>) {
    this.settings = config.get('inbound', { infer: true }).imap;
  }

  async open(): Promise<InboundMailbox> {
    const s = this.settings!;
    const client = new ImapFlow({
      host: s.host,
      port: s.port,
      secure: s.secure,
      auth: { user: s.user, pass: s.password },
      logger: false,
    });
    // An EventEmitter's unhandled 'error' would end the process; a failed poll is retried instead.
    client.on('error', () => undefined);
    await client.connect();
    try {
      const lock = await client.getMailboxLock(s.mailbox);
      return new ImapFlowMailbox(client, () => lock.release());
    } catch (err) {
      await client.logout().catch(() => undefined);
      throw err;
    }
  }
}

export class ImapFlowMailbox implements InboundMailbox {
  constructor(
    private readonly client: ImapFlow,
    private readonly release: () => void,
  ) {}

  async *unread(): AsyncIterable<MailboxMessage> {
    // imapflow resolves false (the server answered NO or BAD) or undefined (the connection was
    // lost and the mailbox with it) instead of rejecting; either must fail the poll, not read as
    // an empty mailbox.
    const uids = await this.client.search({ seen: false }, { uid: true });
    if (!Array.isArray(uids)) throw new Error('IMAP search for unseen messages failed');
    for (const uid of uids.sort((a, b) => a - b)) {
      const meta = await this.client.fetchOne(String(uid), { size: true }, { uid: true });
      if (!meta) continue;
      yield {
        uid,
        size: meta.size ?? 0,
        source: async () => {
          const full = await this.client.fetchOne(String(uid), { source: true }, { uid: true });
          if (!full || !full.source) throw new Error(`IMAP message ${uid} has no source`);
          return full.source;
        },
      };
    }
  }

  async markHandled(uid: number): Promise<void> {
    // false when the server refused the STORE, the mailbox does not take \Seen, or the connection
    // was lost: the message is still unseen and must not count as handled.
    const stored = await this.client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
    if (!stored) throw new Error(`IMAP message ${uid} could not be marked \\Seen`);
  }

  async close(): Promise<void> {
    this.release();
    await this.client.logout().catch(() => undefined);
  }
}

export interface PollResult {
  handled: number;
  /** Messages over INBOUND_MAX_MESSAGE_BYTES: marked handled without reading them. */
  tooLarge: number;
  /**
   * Left unread for the next poll: handling failed on our side, or the server did not store
   * `\Seen` (then the next read is a replay that changes nothing).
   */
  failed: number;
}

/**
 * Polls a mailbox elsewhere (INBOUND_IMAP_URL) every INBOUND_IMAP_INTERVAL_SECONDS: each unread
 * message is handled like mail to the listener (an unsubscribe or a report, decided by its
 * recipient headers and content) and then marked `\Seen`. A message whose handling failed stays
 * unread for the next poll; one handled before (a crash before `\Seen`) is a replay and changes
 * nothing.
 */
@Injectable()
export class ImapPoller implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('InboundImap');
  private readonly settings: AppConfig['inbound'];
  private timer: NodeJS.Timeout | null = null;
  /** The poll in progress (or the last one): polls of one process run one at a time. */
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly inbound: InboundMailService,
    private readonly mailboxes: ImapMailboxes,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('inbound', { infer: true });
  }

  onApplicationBootstrap(): void {
    if (!this.settings.imap) return;
    this.logger.log(
      { host: this.settings.imap.host, mailbox: this.settings.imap.mailbox },
      'IMAP poller started',
    );
    this.schedule(0);
  }

  /** Before the database closes, so a message in flight is still handled (or answered 451). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => undefined);
  }

  /**
   * One poll of the configured mailbox now (the timer's, or an operator's or test's): connects,
   * handles the unread messages, logs out. Waits for a poll already in progress first. Rejects
   * when the mailbox cannot be read (connection, login, mailbox, search).
   */
  pollNow(): Promise<PollResult> {
    const next = this.running.catch(() => undefined).then(() => this.pollMailbox());
    this.running = next;
    return next;
  }

  /** One poll of a mailbox: every unread message handled and marked, oldest first. */
  async poll(mailbox: InboundMailbox): Promise<PollResult> {
    const result: PollResult = { handled: 0, tooLarge: 0, failed: 0 };
    for await (const message of mailbox.unread()) {
      if (this.stopped) break;
      if (message.size > this.settings.maxMessageBytes) {
        this.logger.warn(
          { uid: message.uid, size: message.size },
          'Inbound message too large; skipped',
        );
        await mailbox.markHandled(message.uid);
        result.tooLarge++;
        continue;
      }
      try {
        await this.inbound.receive(await message.source(), 'imap');
      } catch (err) {
        // Our failure (the database, the connection): leave it unread and stop this poll.
        this.logger.error(
          { uid: message.uid, err: String(err) },
          'Inbound message not handled; retried next poll',
        );
        result.failed++;
        break;
      }
      try {
        await mailbox.markHandled(message.uid);
      } catch (err) {
        // Handled, but still unread on the server: the next poll reads it again as a replay.
        this.logger.error(
          { uid: message.uid, err: String(err) },
          'Inbound message handled but not marked \\Seen; read again next poll',
        );
        result.failed++;
        break;
      }
      result.handled++;
    }
    return result;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pollNow()
        .then((result) => {
          if (result.handled || result.failed || result.tooLarge) {
            this.logger.log(result, 'IMAP mailbox polled');
          }
        })
        .catch((err: unknown) => {
          this.logger.warn(
            { err: String(err) },
            'IMAP poll failed; trying again at the next interval',
          );
        })
        .finally(() => this.schedule(this.settings.imap!.intervalMs));
    }, delay);
    this.timer.unref();
  }

  private async pollMailbox(): Promise<PollResult> {
    if (!this.settings.imap) throw new Error('INBOUND_IMAP_URL is not set');
    const mailbox = await this.mailboxes.open();
    try {
      return await this.poll(mailbox);
    } finally {
      await mailbox.close().catch(() => undefined);
    }
  }
}
