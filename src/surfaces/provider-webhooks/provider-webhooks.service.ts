import { Injectable, Logger, ServiceUnavailableException } from '@nestjs/common';
import { Clock } from '../../platform/clock';
import { NotFoundError } from '../../platform/errors/domain-errors';
import { BouncesService } from '../webhooks/bounces.service';
import { ComplaintsService } from '../webhooks/complaints.service';
import { MailgunAdapter } from './mailgun.adapter';
import { PostmarkAdapter } from './postmark.adapter';
import { PROVIDERS, ProviderAdapter, ProviderName, ProviderRequest } from './provider-adapter';
import { ProviderWebhookResultDto } from './provider-webhooks.dto';
import { SendgridAdapter } from './sendgrid.adapter';
import { SesAdapter } from './ses.adapter';

/**
 * `POST /v1/webhooks/providers/:provider`: the provider's adapter verifies the request and maps
 * its events; each becomes a bounce or complaint report, applied exactly like those of
 * `/v1/webhooks/bounces` and `/v1/webhooks/complaints` and idempotent by the provider's event id.
 */
@Injectable()
export class ProviderWebhooksService {
  private readonly logger = new Logger('ProviderWebhooks');
  private readonly adapters: Record<ProviderName, ProviderAdapter>;

  constructor(
    private readonly bounces: BouncesService,
    private readonly complaints: ComplaintsService,
    private readonly clock: Clock,
    ses: SesAdapter,
    postmark: PostmarkAdapter,
    sendgrid: SendgridAdapter,
    mailgun: MailgunAdapter,
  ) {
    this.adapters = { ses, postmark, sendgrid, mailgun };
  }

  async receive(provider: string, req: ProviderRequest): Promise<ProviderWebhookResultDto> {
    if (!(PROVIDERS as readonly string[]).includes(provider)) {
      throw new NotFoundError(
        `Unknown provider "${provider.slice(0, 40)}"; one of ${PROVIDERS.join(', ')}`,
        'provider',
        'unknown_provider',
      );
    }
    const adapter = this.adapters[provider as ProviderName];
    if (!adapter.configured) {
      throw new ServiceUnavailableException(
        `This webhook is not configured: set ${adapter.variable} to enable it`,
      );
    }
    const receipt = await adapter.receive(req, this.clock.now());
    const reports = [];
    for (const { kind, report } of receipt.reports) {
      reports.push(
        kind === 'complaint'
          ? await this.complaints.process(report)
          : await this.bounces.process(report),
      );
    }
    this.logger.log(
      { provider, reports: reports.length, subscription: receipt.subscription ?? null },
      'Provider webhook received',
    );
    return {
      provider: adapter.name,
      reports,
      ...(receipt.subscription ? { subscription: receipt.subscription } : {}),
    };
  }
}
