import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Type } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { decoratedProviders, Found } from '../../platform/extension-points';
import type { ClaimedMessage } from './claimed-message';
import type { MessageTransport } from './message-transport';
import type { TemplateKind } from './template-kind';

/** The channel of every ledger row a producer writes without naming one. */
export const EMAIL_CHANNEL = 'email';

interface ChannelOptions {
  channel: string;
}

const DELIVERS_CHANNEL = Reflector.createDecorator<ChannelOptions>();
const RENDERS_CHANNEL = Reflector.createDecorator<ChannelOptions>();

/**
 * Marks the transport that delivers a channel's messages (message-transport.ts). One per channel
 * in a process: two are refused at start. Email's is SMTP, or the outbox without SMTP_URL.
 */
export function DeliversChannel(channel: string) {
  return (target: Type<MessageTransport>): void => {
    DELIVERS_CHANNEL({ channel })(target);
  };
}

/**
 * Marks the template kind that builds a channel's messages for its transport (template-kind.ts).
 * One per channel; a transport without one is refused at start.
 */
export function RendersChannel(channel: string) {
  return (target: Type<TemplateKind>): void => {
    RENDERS_CHANNEL({ channel })(target);
  };
}

/** How one channel's messages are built and sent. */
export interface ChannelRoute<P = unknown> {
  readonly templates: TemplateKind<P>;
  readonly transport: MessageTransport<P>;
}

/** Messages of one channel, with its route, or none when nothing here delivers that channel. */
export interface ChannelGroup {
  readonly channel: string;
  readonly messages: ClaimedMessage[];
  readonly route: ChannelRoute | undefined;
}

/**
 * The channels this process delivers: the `@DeliversChannel` transports paired with the
 * `@RendersChannel` template kinds, found at start. Delivery asks it once per claimed batch which
 * route each message takes, and it runs the transports' lifecycle (flush after the workers
 * stopped, close at shutdown).
 */
@Injectable()
export class DeliveryChannels implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Channels');
  private readonly routes = new Map<string, ChannelRoute>();

  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const transports = byChannel(
      decoratedProviders<MessageTransport, ChannelOptions>(this.discovery, DELIVERS_CHANNEL),
      'transports deliver',
    );
    const kinds = byChannel(
      decoratedProviders<TemplateKind, ChannelOptions>(this.discovery, RENDERS_CHANNEL),
      'template kinds render',
    );
    for (const [channel, transport] of transports) {
      const templates = kinds.get(channel);
      if (!templates) {
        throw new Error(
          `${transport.source} delivers channel "${channel}" but no @RendersChannel("${channel}") template kind builds its messages`,
        );
      }
      this.routes.set(channel, { transport: transport.target, templates: templates.target });
      this.logger.log(`Channel "${channel}": ${transport.target.describe()}`);
    }
  }

  /** Starts what the template kinds need to build (only processes that deliver call it). */
  start(): void {
    for (const route of this.routes.values()) route.templates.start?.();
  }

  /**
   * The messages grouped by channel, in their order, each group with its route. A batch is
   * almost always of one channel: then this is one comparison per message.
   */
  route(messages: ClaimedMessage[]): ChannelGroup[] {
    if (!messages.length) return [];
    const first = messages[0].channel;
    if (messages.every((m) => m.channel === first)) {
      return [{ channel: first, messages, route: this.routes.get(first) }];
    }
    const groups = new Map<string, ClaimedMessage[]>();
    for (const m of messages) {
      const group = groups.get(m.channel);
      if (group) group.push(m);
      else groups.set(m.channel, [m]);
    }
    return [...groups].map(([channel, grouped]) => ({
      channel,
      messages: grouped,
      route: this.routes.get(channel),
    }));
  }

  /** Records what every transport still carries (after the workers stopped). */
  async flush(): Promise<void> {
    await Promise.all([...this.routes.values()].map((r) => r.transport.flush()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.routes.values()].map((r) => r.transport.close()));
  }
}

/**
 * Members of a channel extension point by channel. Two for one channel, or a member whose
 * `channel` is not the one its decorator names, are refused.
 */
function byChannel<T extends { readonly channel: string }>(
  found: Array<Found<T, ChannelOptions>>,
  what: string,
): Map<string, Found<T, ChannelOptions>> {
  const members = new Map<string, Found<T, ChannelOptions>>();
  for (const member of found) {
    const { channel } = member.options;
    if (member.target.channel !== channel) {
      throw new Error(
        `${member.source} is registered for channel "${channel}" but says it serves "${member.target.channel}"`,
      );
    }
    const earlier = members.get(channel);
    if (earlier) {
      throw new Error(`Two ${what} channel "${channel}": ${earlier.source} and ${member.source}`);
    }
    members.set(channel, member);
  }
  return members;
}
