import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../../platform/config/configuration';
import { StartupNotices } from '../../platform/startup-notices';
import { ApiKeysService } from './api-keys.service';

/**
 * On embedded defaults (a first run) an empty key table gets an admin key, shown once: framed,
 * at the end of the start-up output (StartupNotices). With DATABASE_URL the operator creates keys
 * with the CLI instead, and is told so.
 */
@Injectable()
export class FirstRunAdminKey implements OnApplicationBootstrap {
  private readonly logger = new Logger('ApiKeys');

  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly notices: StartupNotices,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const config = this.config;
    if (config.get('app', { infer: true }).role !== 'api') return;
    if ((await this.apiKeys.list()).length > 0) return;
    const db = config.get('database', { infer: true });
    if (!db.embedded) {
      this.logger.warn(
        'No API keys exist yet. Create one with: npm run apikey -- create --name admin --scopes admin',
      );
      return;
    }
    const { key } = await this.apiKeys.create('first-run admin', ['admin']);
    const { publicUrl } = config.get('app', { infer: true });
    this.notices.add({
      lines: [
        'Tidings generated an admin API key. It is shown only this once:',
        '',
        `  ${key}`,
        '',
        'Try it (it may do everything; keep it safe):',
        `  curl -H "Authorization: Bearer <key>" ${publicUrl}/v1/topics`,
        `The dashboard: ${publicUrl}/admin (log in with the key).`,
        '',
        'Make more (or narrower) keys with',
        '  npm run apikey -- create --name NAME --scopes topics:read,subscribers:write',
        'and revoke one with  npm run apikey -- revoke <id>',
      ],
    });
  }
}
