import { Module } from '@nestjs/common';
import { SubscribersModule } from '../../audience/subscribers/subscribers.module';
import { SuppressionsModule } from '../../audience/suppressions/suppressions.module';
import { TopicsModule } from '../../audience/topics/topics.module';
import { DeliveryModule } from '../delivery/delivery.module';
import { RenderingModule } from '../rendering/rendering.module';
import { SendsController } from './sends.controller';
import { SendsService } from './sends.service';

/** `POST /v1/sends`: one message to one subscriber now, through the ledger (docs/sends.md). */
@Module({
  imports: [DeliveryModule, RenderingModule, SubscribersModule, SuppressionsModule, TopicsModule],
  providers: [SendsService],
  controllers: [SendsController],
})
export class SendsModule {}
