/**
 * Surfaces: the doors people and systems use. Owns API keys and their scopes (api), the
 * subscriber's pages (preference-center), the admin dashboard and queue board (admin), incoming
 * bounce and complaint reports (webhooks), outgoing events (webhook-endpoints), and the command-line tools (cli, outside Nest's graph).
 *
 * May use: every other context. Nothing below imports a surface.
 */
import { DynamicModule, Module } from '@nestjs/common';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './api/auth.module';
import { PreferenceCenterModule } from './preference-center/preference-center.module';
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
        WebhookEndpointsModule,
        ...(options.http ? [AdminModule] : []),
      ],
    };
  }
}
