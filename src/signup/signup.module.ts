import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConsentModule } from '../consent/consent.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { SuppressionsModule } from '../suppressions/suppressions.module';
import { TopicsModule } from '../topics/topics.module';
import { SignupController } from './signup.controller';
import { SignupRequest } from './signup-request.entity';
import { SignupService } from './signup.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([SignupRequest]),
    TopicsModule,
    SubscribersModule,
    SuppressionsModule,
    ConsentModule,
    DeliveryModule,
  ],
  providers: [SignupService],
  controllers: [SignupController],
  exports: [SignupService],
})
export class SignupModule {}
