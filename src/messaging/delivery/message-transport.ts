/**
 * How delivery hands a built message to the outside world, whatever the channel: SMTP or the
 * outbox for email (mail-transport.ts). A transport registers for its channel with
 * `@DeliversChannel` (channels.ts); delivery picks it per claimed batch by the rows' `channel`.
 */

/**
 * A message the recipient's side accepted whose acceptance is not recorded yet. A transport that
 * keeps connections lets it ride on the connection until the connection's next message records it
 * with its own hand-over (one write for both), or until it is recorded on its own: when the
 * connection goes idle, serves a message without hooks, or closes.
 */
export interface Carry {
  /** Records it on its own; never rejects. */
  flush(): Promise<void>;
}

/** What the transport says about a message it accepted for delivery. */
export interface AcceptedSend {
  providerMessageId: string;
}

/**
 * What delivery does around one ledger message's send: the last check and its record (the
 * hand-over, hand-over.ts) right before the message leaves, together with the record of the
 * previous message the transport still carries; after acceptance, what the message rides on
 * until it is recorded.
 */
export interface HandOverHooks {
  /**
   * Immediately before the message leaves. `carried` is the previous message of the same
   * connection, accepted and not yet recorded: it is recorded by the same write, whatever is
   * decided (resolving means it was; rejecting means it was not, and the transport keeps it).
   * False withholds this message.
   */
  beforeSend(carried: Carry | undefined): Promise<boolean>;
  /** Once the recipient's side accepted the message: what carries it until it is recorded. */
  afterSend(accepted: AcceptedSend): Carry;
}

/** Why a send failed, as delivery needs it: retry later, or fail for good (and maybe suppress). */
export interface SendFailure {
  permanent: boolean;
  /** The address does not exist (or is refused for good): suppress it. */
  hardBounce: boolean;
  message: string;
}

/**
 * What became of one message given to a transport: accepted (its outcome is recorded through the
 * Carry from `afterSend`), withheld by `beforeSend`, or failed (temporary or permanent).
 */
export type TransportOutcome =
  | ({ status: 'accepted' } & AcceptedSend)
  | { status: 'withheld' }
  | ({ status: 'failed' } & SendFailure);

export const WITHHELD: TransportOutcome = Object.freeze({ status: 'withheld' });

/**
 * A way out for the messages of one channel. `P` is what the channel's template kind builds
 * (template-kind.ts): a MIME message for email. Implementations carry `@DeliversChannel(channel)`
 * (channels.ts); one transport per channel in a process.
 */
export interface MessageTransport<P = unknown> {
  /** The channel it delivers; the same as its `@DeliversChannel`. */
  readonly channel: string;
  /** Sends it can have in flight at once: delivery runs that many lanes for a batch. */
  readonly concurrency: number;
  /**
   * Sends one built message between the hooks and resolves its outcome. Rejects only with what a
   * hook threw (the message was then not sent); every failure of its own is an outcome.
   */
  deliver(payload: P, hooks: HandOverHooks): Promise<TransportOutcome>;
  /** Records every accepted message it still carries (the workers have stopped; the database is still open). */
  flush(): Promise<void>;
  /** Stops it at shutdown; what it carries is recorded first. */
  close(): Promise<void>;
  /** Where it sends, for the start-up log (never credentials). */
  describe(): string;
}
