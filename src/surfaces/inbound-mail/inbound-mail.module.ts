import { Module } from '@nestjs/common';
import { MetricsModule } from '../../platform/metrics/metrics.module';
import { TokensModule } from '../../platform/tokens/tokens.module';
import { PreferenceCenterModule } from '../preference-center/preference-center.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ImapMailboxes, ImapPoller } from './imap-poller';
import { InboundMailService } from './inbound-mail.service';
import { SmtpListener } from './smtp-listener';

/**
 * Inbound mail: the built-in SMTP listener (INBOUND_SMTP_PORT) and the IMAP poller
 * (INBOUND_IMAP_URL), both off unless configured, run in the API process (not in workers).
 * Unsubscribes go through the preference center's unsubscribe, reports through the webhooks'
 * bounce and complaint handling.
 */
@Module({
  imports: [TokensModule, MetricsModule, PreferenceCenterModule, WebhooksModule],
  providers: [InboundMailService, SmtpListener, ImapMailboxes, ImapPoller],
  exports: [InboundMailService],
})
export class InboundMailModule {}
