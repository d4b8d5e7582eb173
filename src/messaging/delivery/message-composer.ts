import { Injectable, OnModuleInit, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { decoratedProviders, inOrder, Ordered } from '../../platform/extension-points';
import { AppConfig } from '../../platform/config/configuration';
import { RenderingService } from '../rendering/rendering.service';
import { TokensService } from '../../platform/tokens/tokens.service';
import type { ClaimedMessage } from './claimed-message';
import { completeMail, MailDraft } from './mail-draft';
import { headerSafe, OutgoingMail } from './outgoing-mail';
import type { SendDecision } from './send-checks';

/** Adds links to a message's template data (confirm link, feedback links, ...), keyed by link name. */
export interface LinkContributor {
  linksFor(m: ClaimedMessage): Record<string, string>;
}

const CONTRIBUTES_LINKS = Reflector.createDecorator<Record<string, never>>();

/**
 * Marks a provider whose `linksFor` adds links to every message's template data, signed at send
 * time so no token is stored. Contributors run after the standard links (unsubscribe,
 * preferences) and before the links a ledger row carries itself, which win.
 */
export function ContributesLinks() {
  return (target: Type<LinkContributor>): void => {
    CONTRIBUTES_LINKS({})(target);
  };
}

/**
 * Fills in template data at send time for rows that carry references instead of content (a
 * campaign id, content item ids), for a whole batch at once. It may decide a message is not to
 * be sent after all (its content was withdrawn).
 */
export interface MessagePreparer {
  prepare(messages: ClaimedMessage[], now: Date): Promise<Map<string, SendDecision> | void>;
}

export type PreparesMessagesOptions = Ordered;

const PREPARES_MESSAGES = Reflector.createDecorator<PreparesMessagesOptions>();

/**
 * Marks a provider that prepares claimed messages at send time, after the send checks, in
 * `order`; each sees only the messages no earlier preparer decided not to send.
 */
export function PreparesMessages(options: PreparesMessagesOptions = {}) {
  return (target: Type<MessagePreparer>): void => {
    PREPARES_MESSAGES(options)(target);
  };
}

/**
 * What every channel's messages get at send time: template data from the `@PreparesMessages`
 * providers and links with signed tokens (`@ContributesLinks`). For email it also makes the
 * email draft, the input of email's template kind (template-kind.ts, built by ComposeThreads):
 * addressed, with the RFC 8058 headers on everything that is not transactional, rendered per
 * recipient (MJML compiled once per template version; Handlebars per recipient).
 */
@Injectable()
export class MessageComposer implements OnModuleInit {
  private readonly publicUrl: string;
  private readonly mail: AppConfig['mail'];
  private contributors: readonly LinkContributor[] = [];
  private preparers: readonly MessagePreparer[] = [];

  constructor(
    private readonly rendering: RenderingService,
    private readonly tokens: TokensService,
    private readonly discovery: DiscoveryService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.publicUrl = config.get('app', { infer: true }).publicUrl;
    this.mail = config.get('mail', { infer: true });
  }

  onModuleInit(): void {
    this.contributors = decoratedProviders<LinkContributor, Record<string, never>>(
      this.discovery,
      CONTRIBUTES_LINKS,
    ).map((c) => c.target);
    this.preparers = inOrder(
      decoratedProviders<MessagePreparer, PreparesMessagesOptions>(
        this.discovery,
        PREPARES_MESSAGES,
      ),
    ).map((p) => p.target);
  }

  /** Runs every preparer over the messages still to be sent; returns the ones not to send. */
  async prepare(messages: ClaimedMessage[], now: Date): Promise<Map<string, SendDecision>> {
    const decisions = new Map<string, SendDecision>();
    for (const preparer of this.preparers) {
      const remaining = messages.filter((m) => !decisions.has(m.id));
      if (!remaining.length) break;
      for (const [id, d] of (await preparer.prepare(remaining, now)) ?? []) decisions.set(id, d);
    }
    return decisions;
  }

  links(m: ClaimedMessage): Record<string, string> {
    const unsubscribe = this.tokens.sign('unsubscribe', m.subscriberId, { ref: m.id });
    const manage = this.tokens.sign('manage', m.subscriberId);
    const links: Record<string, string> = {
      unsubscribe: `${this.publicUrl}/u/${unsubscribe}`,
      preferences: `${this.publicUrl}/p/${manage}`,
    };
    for (const contributor of this.contributors) Object.assign(links, contributor.linksFor(m));
    const given = (m.data.links ?? {}) as Record<string, string>;
    return { ...links, ...given };
  }

  /**
   * The email draft of a message on the `email` channel: everything but the rendering (links with
   * signed tokens, template data, headers), addressed to the message's address.
   */
  draft(m: ClaimedMessage): MailDraft {
    const marketing = m.kind !== 'transactional';
    const links = this.links(m);
    const headers: Record<string, string> = { 'X-Tidings-Message': m.id };
    if (marketing) {
      const token = links.unsubscribe.slice(links.unsubscribe.lastIndexOf('/') + 1);
      headers['List-Unsubscribe'] =
        `<${links.unsubscribe}>, <mailto:${this.mail.unsubscribeMailto}?subject=unsubscribe%20${token}>`;
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
      const listKey = m.topicKey ?? 'updates';
      headers['List-Id'] = headerSafe(
        `${m.topicName ?? 'Updates'} <${listKey}.${this.mail.domain}>`,
      );
    }
    return {
      template: m.template,
      version: m.templateVersion ?? null,
      locale: m.locale,
      data: {
        ...m.data,
        subscriber: { name: m.name, email: m.email },
        locale: m.locale,
        marketing,
        links,
      },
      mail: {
        from: this.mail.from,
        replyTo: this.mail.replyTo,
        to: { name: headerSafe(m.name ?? ''), address: m.address! },
        messageId: `<${m.id}@${this.mail.domain}>`,
        headers,
      },
    };
  }

  /** The whole email of a message on the `email` channel, rendered on this thread. */
  compose(m: ClaimedMessage): OutgoingMail {
    const draft = this.draft(m);
    return completeMail(
      draft,
      this.rendering.renderVersion(draft.template, draft.version, draft.locale, draft.data),
    );
  }
}
