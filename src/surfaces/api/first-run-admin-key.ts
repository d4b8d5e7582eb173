import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from '../../platform/config/configuration';
import { ApiKeysService } from './api-keys.service';

/**
 * On embedded defaults (a first run) an empty key table gets an admin key, printed once to stdout.
 * With DATABASE_URL the operator creates keys with the CLI instead, and is told so.
 */
@Injectable()
export class FirstRunAdminKey implements OnApplicationBootstrap {
  private readonly logger = new Logger('ApiKeys');

  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly config: ConfigService<AppConfig, true>,
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
    process.stdout.write(
      [
        '',
        '  ┌──────────────────────────────────────────────────────────────────────────',
        '  │ Tidings generated an admin API key. It is shown only this once:',
        '  │',
        `  │   ${key}`,
        '  │',
        '  │ Send it as `Authorization: Bearer <key>`. Make more (or narrower) keys with',
        '  │   npm run apikey -- create --name NAME --scopes topics:read,subscribers:write',
        '  │ and revoke one with  npm run apikey -- revoke <id>',
        '  └──────────────────────────────────────────────────────────────────────────',
        '',
        '',
      ].join('\n'),
    );
  }
}
