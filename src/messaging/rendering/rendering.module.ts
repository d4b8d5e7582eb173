import { Module } from '@nestjs/common';
import { MjmlCompiler } from './mjml-compiler';
import { RenderingService } from './rendering.service';
import { TemplatesController } from './templates.controller';

/** Email templates: MJML compiled once per template version, Handlebars per recipient. */
@Module({
  providers: [MjmlCompiler, RenderingService],
  controllers: [TemplatesController],
  exports: [RenderingService],
})
export class RenderingModule {}
