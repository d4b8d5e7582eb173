import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../platform/config/configuration';
import { StartupNotices } from '../../platform/startup-notices';
import { TOKEN_LIFETIME_HOURS } from './account-tokens.service';
import { AccountsService } from './accounts.service';

/**
 * While no console user exists, every start of an API process prints a one-time link that
 * creates the owner (POST /v1/auth/owner), framed beside the first-run admin key. The token is
 * stored hashed, works once and expires; a later start prints a fresh one.
 */
@Injectable()
export class FirstRunOwnerLink implements OnApplicationBootstrap {
  constructor(
    private readonly accounts: AccountsService,
    private readonly config: ConfigService<AppConfig, true>,
    private readonly notices: StartupNotices,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.get('app', { infer: true }).role !== 'api') return;
    if ((await this.accounts.count()) > 0) return;
    const token = await this.accounts.issueOwnerSetup();
    this.notices.add({
      lines: [
        'Create the owner account of the console with this one-time link',
        `(it works once, for ${TOKEN_LIFETIME_HOURS.owner_setup} hours; every start prints a new one until an owner exists):`,
        '',
        `  ${this.accounts.ownerSetupLink(token)}`,
      ],
    });
  }
}
