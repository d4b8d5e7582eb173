import hoodiecrow from 'hoodiecrow-imap';
import type { AddressInfo, Socket } from 'node:net';

/** What the server does to the next command of a kind instead of answering it. */
export type ImapFailure = 'refuse' | 'drop';

/**
 * A real IMAP server in-process over TCP (`hoodiecrow-imap`, by the author of imapflow), with one
 * account and an INBOX the test delivers mail into and reads flags back from. It can refuse logins
 * and answer the next command of a kind with `NO` or by dropping the connection. Nothing is kept
 * on disk; every start is a fresh server.
 */
export class ImapTestServer {
  readonly user = 'inbound@tidings.test';
  readonly password = 'imap-test-password';
  port = 0;
  private server?: hoodiecrow.HoodiecrowServer;
  private readonly sockets = new Set<Socket>();
  private readonly failures = new Map<string, ImapFailure>();

  /** `INBOUND_IMAP_URL` for this server's INBOX (plain IMAP, credentials percent-encoded). */
  get url(): string {
    const user = encodeURIComponent(this.user);
    return `imap://${user}:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/INBOX`;
  }

  /** Starts on a free port with these messages (unseen) already in the INBOX. */
  async start(inbox: Array<Buffer | string> = []): Promise<this> {
    const server = hoodiecrow({
      // What a common IMAP server (Dovecot, Gmail) advertises and imapflow uses when it can.
      plugins: [
        'ID',
        'IDLE',
        'UNSELECT',
        'ENABLE',
        'UIDPLUS',
        'MOVE',
        'LITERALPLUS',
        'NAMESPACE',
        'SASL-IR',
        'AUTH-PLAIN',
      ],
      users: { [this.user]: { password: this.password } },
    });
    this.server = server;
    for (const raw of inbox) this.deliver(raw);
    for (const command of ['UID SEARCH', 'UID FETCH', 'UID STORE']) {
      const handler = server.getCommandHandler(command);
      if (!handler) throw new Error(`hoodiecrow has no ${command}`);
      server.setCommandHandler(command, (connection, parsed, data, callback) => {
        const failure = this.failures.get(command);
        if (!failure) return handler(connection, parsed, data, callback);
        this.failures.delete(command);
        if (failure === 'drop') {
          connection.socket?.destroy();
        } else {
          const text = [{ type: 'TEXT', value: `${command} refused by the test` }];
          connection.send({ tag: parsed.tag, command: 'NO', attributes: text }, 'NO', parsed, data);
        }
        callback();
      });
    }
    server.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.server.address() as AddressInfo).port;
    return this;
  }

  /** A message arrives in the INBOX, unseen, as an MTA would deliver it; its UID. */
  deliver(raw: Buffer | string): number {
    const source = typeof raw === 'string' ? raw : raw.toString('latin1');
    return this.srv.appendMessage('INBOX', [], new Date(), source).message.uid;
  }

  /** The flags of an INBOX message as the server stores them. */
  flags(uid: number): string[] {
    const message = this.inbox().find((m) => m.uid === uid);
    if (!message) throw new Error(`no message ${uid} in the INBOX`);
    return [...message.flags];
  }

  /** UIDs of the INBOX messages without `\Seen`, ascending. */
  unseen(): number[] {
    return this.inbox()
      .filter((m) => !m.flags.includes('\\Seen'))
      .map((m) => m.uid)
      .sort((a, b) => a - b);
  }

  /** Takes `\Seen` off a message again (as a crash before the flag was stored would leave it). */
  markUnseen(uid: number): void {
    const message = this.inbox().find((m) => m.uid === uid);
    if (!message) throw new Error(`no message ${uid} in the INBOX`);
    message.flags = message.flags.filter((f) => f !== '\\Seen');
  }

  /** The next command of this kind is answered `NO` ('refuse') or its connection closed ('drop'). */
  failNext(command: 'UID SEARCH' | 'UID FETCH' | 'UID STORE', how: ImapFailure): void {
    this.failures.set(command, how);
  }

  /** While false, the account's password is refused (`NO` to LOGIN / AUTHENTICATE). */
  acceptLogins(accept: boolean): void {
    const users = this.srv.users;
    if (accept) users[this.user] = { password: this.password };
    else delete users[this.user];
  }

  /** Connections open now (the poller logs out after each poll). */
  get connections(): number {
    return this.sockets.size;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private get srv(): hoodiecrow.HoodiecrowServer {
    if (!this.server) throw new Error('ImapTestServer is not started');
    return this.server;
  }

  private inbox() {
    return this.srv.getMailbox('INBOX')!.messages;
  }
}
