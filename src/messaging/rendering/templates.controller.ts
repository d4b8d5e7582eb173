import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { RenderingService } from './rendering.service';
import {
  PreviewTemplateDto,
  RenderedEmailDto,
  TemplateDetailDto,
  TemplateSummaryDto,
} from './template.dto';

@ApiTags('templates')
@Controller('v1/templates')
export class TemplatesController {
  constructor(private readonly rendering: RenderingService) {}

  @Get()
  @RequireScopes('templates:read')
  @ApiOperation({ summary: 'List the loaded email templates with their locales and versions' })
  @ApiOkResponse({ type: TemplateSummaryDto, isArray: true })
  list(): TemplateSummaryDto[] {
    return this.rendering.list();
  }

  @Get(':key')
  @RequireScopes('templates:read')
  @ApiOperation({ summary: 'A template with its sample data (the variables it expects)' })
  @ApiOkResponse({ type: TemplateDetailDto })
  @ApiErrors([404, 'No template with this key'])
  get(@Param('key') key: string): TemplateDetailDto {
    const summary = this.rendering.describe(key);
    const samples = Object.fromEntries(
      summary.locales.map((locale) => [locale, this.rendering.sample(key, locale)]),
    );
    return { ...summary, samples };
  }

  @Post(':key/preview')
  @HttpCode(200)
  @RequireScopes('templates:read')
  @ApiOperation({
    summary: 'Render a template (subject, HTML, text) with sample data, optionally overridden',
  })
  @ApiOkResponse({ type: RenderedEmailDto })
  @ApiErrors([404, 'No template with this key'])
  @ApiErrors([
    422,
    'The data lacks a variable the template uses; the message names it and the line',
  ])
  preview(@Param('key') key: string, @Body() dto: PreviewTemplateDto): RenderedEmailDto {
    return this.rendering.preview(key, dto.locale, dto.data);
  }
}
