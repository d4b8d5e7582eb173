import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DeliveryModule } from '../../messaging/delivery/delivery.module';
import { RedisModule } from '../../platform/redis/redis.module';
import { StartupNoticesModule } from '../../platform/startup-notices';
import { AccountMail } from './account-mail';
import { AccountTokensService } from './account-tokens.service';
import { AccountsService } from './accounts.service';
import { ActivityController } from './activity.controller';
import { ActivityInterceptor } from './activity.interceptor';
import { ActivityService } from './activity.service';
import { AuthController } from './auth.controller';
import { FirstRunOwnerLink } from './first-run-owner-link';
import { SessionsService } from './sessions.service';
import { SignInService } from './sign-in.service';
import { UsersController } from './users.controller';

/**
 * Console accounts (docs/accounts.md): users with roles, sessions, one-time links (owner set-up,
 * invite, password reset), their emails and the activity log. The API-key guard
 * (src/surfaces/api) asks SessionsService about a session cookie.
 */
@Module({
  imports: [DeliveryModule, RedisModule, StartupNoticesModule],
  providers: [
    AccountMail,
    AccountTokensService,
    AccountsService,
    ActivityService,
    SessionsService,
    SignInService,
    FirstRunOwnerLink,
    { provide: APP_INTERCEPTOR, useClass: ActivityInterceptor },
  ],
  controllers: [AuthController, UsersController, ActivityController],
  exports: [SessionsService, ActivityService],
})
export class AccountsModule {}
