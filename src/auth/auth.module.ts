import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from './api-key.entity';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { FirstRunAdminKey } from './first-run-admin-key';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKey])],
  providers: [ApiKeysService, FirstRunAdminKey, { provide: APP_GUARD, useClass: ApiKeyGuard }],
  controllers: [ApiKeysController],
  exports: [ApiKeysService],
})
export class AuthModule {}
