import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TopicsModule } from '../../audience/topics/topics.module';
import { RenderingModule } from '../../messaging/rendering/rendering.module';
import { ContentSizeCheck } from './content-size';
import { ContentDelivery } from './content-delivery.service';
import { ContentItem } from './content-item.entity';
import { ContentController } from './content.controller';
import { ContentService } from './content.service';

@Module({
  imports: [TypeOrmModule.forFeature([ContentItem]), TopicsModule, RenderingModule],
  providers: [ContentService, ContentDelivery, ContentSizeCheck],
  controllers: [ContentController],
  exports: [ContentService, ContentDelivery],
})
export class ContentModule {}
