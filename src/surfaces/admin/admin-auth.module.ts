import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api/api-keys.module';
import { AdminSessionService } from './admin-session.service';

/** Sessions on their own, so Bull Board's mount can use them without importing the dashboard. */
@Module({
  imports: [ApiKeysModule],
  providers: [AdminSessionService],
  exports: [AdminSessionService],
})
export class AdminAuthModule {}
