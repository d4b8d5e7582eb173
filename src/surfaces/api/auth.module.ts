import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysController } from './api-keys.controller';
import { LocalesController } from './locales.controller';
import { ApiKeysModule } from './api-keys.module';
import { FirstRunAdminKey } from './first-run-admin-key';
import { StartupNoticesModule } from '../../platform/startup-notices';
import { AccountsModule } from '../accounts/accounts.module';

@Module({
  imports: [ApiKeysModule, AccountsModule, StartupNoticesModule],
  providers: [FirstRunAdminKey, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  controllers: [ApiKeysController, LocalesController],
  exports: [ApiKeysModule],
})
export class AuthModule {}
