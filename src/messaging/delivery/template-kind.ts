import type { ClaimedMessage } from './claimed-message';

/** Gives a message's built form when the lane sending it asks for it; rejects when it cannot be built. */
export type PendingBuild<P> = () => Promise<P>;

/**
 * What a channel's messages are made into before their transport sends them: the channel's kind
 * of template. Email's is an email draft (MessageComposer.draft: addressed, links signed,
 * headers) rendered from MJML, subject and text and MIME-encoded (ComposeThreads). Another channel
 * brings its own, carrying `@RendersChannel(channel)` (channels.ts); the transport of that channel
 * sends what it builds (`P`).
 */
export interface TemplateKind<P = unknown> {
  /** The channel whose messages it builds; the same as its `@RendersChannel`. */
  readonly channel: string;
  /**
   * Starts building every message (all of this channel, already prepared by MessageComposer) and
   * returns, per message and in order, its pending build. A build that rejects fails its message
   * with the error (`render: ...`).
   */
  build(messages: ClaimedMessage[]): PendingBuild<P>[];
  /** Called once in processes that deliver (workers enabled), before the first build. */
  start?(): void;
}
