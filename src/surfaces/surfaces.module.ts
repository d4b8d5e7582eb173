/**
 * Surfaces: the doors people and systems use. Owns API keys and their scopes (api), console
 * accounts, roles, sessions and the activity log (accounts), the console app (console), the
 * subscriber's pages (preference-center), the admin dashboard and queue board (admin), incoming
 * bounce and complaint reports (webhooks, provider-webhooks, inbound-mail), outgoing events (webhook-endpoints), and the command-line tools (cli, outside Nest's graph).
 *
 * May use: every other context. Nothing below imports a surface.
 */
import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './api/auth.module';
import { ConsoleModule } from './console/console.module';
import { PreferenceCenterModule } from './preference-center/preference-center.module';
import { InboundMailModule } from './inbound-mail/inbound-mail.module';
import { ProviderWebhooksModule } from './provider-webhooks/provider-webhooks.module';
import { WebhookEndpointsModule } from './webhook-endpoints/webhook-endpoints.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class SurfacesModule {
  /** `http: false` for worker processes: the dashboard and Bull Board mount Express routes. */
  static forRoot(options: { http: boolean }): DynamicModule {
    return {
      module: SurfacesModule,
      imports: [
        AuthModule,
        PreferenceCenterModule,
        WebhooksModule,
        ProviderWebhooksModule,
        WebhookEndpointsModule,
        // The SMTP listener and the IMAP poller run once per deployment's API process, not per worker.
        ...(options.http ? [AdminModule, ConsoleModule, InboundMailModule] : []),
      ],
    };
  }
}
