import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveryModule } from '../delivery/delivery.module';
import { SubscribersModule } from '../subscribers/subscribers.module';
import { FeedbackVote } from './feedback-vote.entity';
import { FeedbackController } from './feedback.controller';
import { FeedbackService } from './feedback.service';

/** "Was this useful?" links in editorial and notice emails, and the page that records the answer. */
@Module({
  imports: [TypeOrmModule.forFeature([FeedbackVote]), DeliveryModule, SubscribersModule],
  providers: [FeedbackService],
  controllers: [FeedbackController],
})
export class FeedbackModule {}
