import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { keepRawJsonBody } from '../../platform/http/request-input';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { MailgunAdapter } from './mailgun.adapter';
import { PostmarkAdapter } from './postmark.adapter';
import { ProviderBodyMiddleware } from './provider-body.middleware';
import { ProviderWebhooksController } from './provider-webhooks.controller';
import { ProviderWebhooksService } from './provider-webhooks.service';
import { SendgridAdapter } from './sendgrid.adapter';
import { SesAdapter } from './ses.adapter';
import { HttpsSnsClient, SNS_HTTP, SnsMessages } from './sns-messages';

/** Sending services' bounce and complaint webhooks, applied by the webhooks module's handling. */
@Module({
  imports: [WebhooksModule],
  providers: [
    { provide: SNS_HTTP, useClass: HttpsSnsClient },
    SnsMessages,
    SesAdapter,
    PostmarkAdapter,
    SendgridAdapter,
    MailgunAdapter,
    ProviderWebhooksService,
  ],
  controllers: [ProviderWebhooksController],
})
export class ProviderWebhooksModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // SendGrid signs the exact bytes of its JSON body.
    keepRawJsonBody('/v1/webhooks/providers/');
    consumer
      .apply(ProviderBodyMiddleware)
      .forRoutes({ path: 'v1/webhooks/providers/:provider', method: RequestMethod.POST });
  }
}
