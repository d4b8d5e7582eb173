import { Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { ApiKeysModule } from '../api/api-keys.module';
import { AdminSessionService } from './admin-session.service';

/**
 * Sessions on their own (the dashboard's, and the console's for the queue board), so Bull Board's
 * mount can use them without importing the dashboard.
 */
@Module({
  imports: [ApiKeysModule, AccountsModule],
  providers: [AdminSessionService],
  exports: [AdminSessionService],
})
export class AdminAuthModule {}
