import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TopicsModule } from '../../audience/topics/topics.module';
import { ContentDelivery } from './content-delivery.service';
import { ContentItem } from './content-item.entity';
import { ContentController } from './content.controller';
import { ContentService } from './content.service';

@Module({
  imports: [TypeOrmModule.forFeature([ContentItem]), TopicsModule],
  providers: [ContentService, ContentDelivery],
  controllers: [ContentController],
  exports: [ContentService, ContentDelivery],
})
export class ContentModule {}
