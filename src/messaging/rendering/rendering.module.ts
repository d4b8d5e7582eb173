import { Module } from '@nestjs/common';
import { SubscribersModule } from '../../audience/subscribers/subscribers.module';
import { RedisModule } from '../../platform/redis/redis.module';
import { MjmlCompiler } from './mjml-compiler';
import { RenderingService } from './rendering.service';
import { TemplateNudge } from './template-nudge';
import { TemplateStore } from './template-store';
import { TemplatesController } from './templates.controller';
import { TemplatesService } from './templates.service';

/**
 * Email templates: stored and versioned in PostgreSQL (the files under templates/ are the shipped
 * defaults), MJML compiled once per version, Handlebars per recipient.
 */
@Module({
  imports: [RedisModule, SubscribersModule],
  providers: [MjmlCompiler, RenderingService, TemplateStore, TemplateNudge, TemplatesService],
  controllers: [TemplatesController],
  exports: [RenderingService],
})
export class RenderingModule {}
