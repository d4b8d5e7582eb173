import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../../platform/clock';
import { UnauthorizedError } from '../../platform/errors/domain-errors';
import { AppConfig } from '../../platform/config/configuration';
import { LedgerService } from '../../messaging/delivery/ledger.service';
import type { ClaimedMessage } from '../../messaging/delivery/claimed-message';
import { ContributesLinks, LinkContributor } from '../../messaging/delivery/message-composer';
import { SubscribersService } from '../../audience/subscribers/subscribers.service';
import { TokenPurpose, TokensService } from '../../platform/tokens/tokens.service';
import { FRESH_LINK_TEMPLATE, freshLinkMessage } from '../../programmes/fresh-link-mail';

/** Links that may ask for a fresh one, even when expired (the signature is still checked). */
const REQUESTING_PURPOSES: TokenPurpose[] = ['manage', 'elevated', 'unsubscribe'];

/**
 * "Email me a fresh link": a transactional email with an `elevated` preference link, signed when
 * the email is sent (no token is stored) and valid for 24 hours (see programmes/fresh-link-mail.ts;
 * the subscribe form sends it too, to addresses that are already subscribed). Proving control of the inbox
 * again is what lets an old link's holder join topics, get email more often, resume or erase.
 */
@Injectable()
@ContributesLinks()
export class FreshLinkService implements LinkContributor {
  private readonly logger = new Logger('FreshLink');
  private readonly publicUrl: string;

  constructor(
    private readonly subscribers: SubscribersService,
    private readonly tokens: TokensService,
    private readonly ledger: LedgerService,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    this.publicUrl = config.get('app', { infer: true }).publicUrl;
  }

  /** The fresh-link email's own preference link, `elevated`, signed when the email is sent. */
  linksFor(m: ClaimedMessage): Record<string, string> {
    if (m.template !== FRESH_LINK_TEMPLATE) return {};
    const token = this.tokens.sign('elevated', m.subscriberId, { now: this.clock.now() });
    return { manage: `${this.publicUrl}/p/${token}` };
  }

  /**
   * Queues the email unless one went out in the same ten minutes. Says nothing about whether it
   * will arrive (erased, bounced or unknown subscribers get nothing), so the page cannot be used
   * to probe.
   */
  async request(token: string): Promise<void> {
    const claims = this.tokens.decode(token);
    if (!REQUESTING_PURPOSES.includes(claims.purpose)) {
      throw new UnauthorizedError('This link is not valid here', 'token', 'invalid_token');
    }
    const subscriber = await this.subscribers.find(claims.subscriberId);
    if (!subscriber?.email || !['active', 'pending', 'unsubscribed'].includes(subscriber.status)) {
      return;
    }
    const ids = await this.ledger.send([
      freshLinkMessage(subscriber.id, this.clock.now(), 'preferences'),
    ]);
    if (ids.length)
      this.logger.log({ subscriberId: subscriber.id, messageId: ids[0] }, 'Fresh link queued');
  }
}
