import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsentModule } from '../../audience/consent/consent.module';
import { PurposesModule } from '../../audience/purposes/purposes.module';
import { DeliveryModule } from '../../messaging/delivery/delivery.module';
import { SubscribersModule } from '../../audience/subscribers/subscribers.module';
import { SuppressionsModule } from '../../audience/suppressions/suppressions.module';
import { TopicsModule } from '../../audience/topics/topics.module';
import { TokensModule } from '../../platform/tokens/tokens.module';
import { UpcomingNoticesModule } from '../upcoming-notices';
import { SignupController } from './signup.controller';
import { SignupRequest } from './signup-request.entity';
import { SignupService } from './signup.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([SignupRequest]),
    TopicsModule,
    PurposesModule,
    SubscribersModule,
    SuppressionsModule,
    ConsentModule,
    DeliveryModule,
    TokensModule,
    UpcomingNoticesModule,
  ],
  providers: [SignupService],
  controllers: [SignupController],
  exports: [SignupService],
})
export class SignupModule {}
