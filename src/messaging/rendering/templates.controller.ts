import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  Put,
  Req,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { AuthenticatedRequest, RequireScopes } from '../../platform/http/auth.decorators';
import { RenderingService } from './rendering.service';
import type { StoredTemplate } from './template-store';
import {
  ContentPreviewDto,
  CreateTemplateDto,
  PreviewAllDto,
  PreviewAllResultDto,
  PreviewTemplateDto,
  SavedTemplateDto,
  TemplateContentDto,
  TemplateDetailDto,
  TemplateSummaryDto,
  TemplateVersionDetailDto,
  TemplateVersionDto,
} from './template.dto';
import { SavedTemplate, TemplatesService } from './templates.service';

@ApiTags('templates')
@Controller('v1/templates')
export class TemplatesController {
  constructor(
    private readonly templates: TemplatesService,
    private readonly rendering: RenderingService,
  ) {}

  @Get()
  @RequireScopes('templates:read')
  @ApiOperation({
    summary: 'List the templates with their published version and whether a draft exists',
  })
  @ApiOkResponse({ type: TemplateSummaryDto, isArray: true })
  async list(): Promise<TemplateSummaryDto[]> {
    return (await this.templates.list()).map(summary);
  }

  @Post()
  @RequireScopes('templates:write')
  @ApiOperation({ summary: 'Create a template as a draft (validated; publish it to use it)' })
  @ApiCreatedResponse({ type: SavedTemplateDto })
  @ApiErrors(
    [400, 'Invalid input, or template errors in `errors[]` with field, line and column'],
    409,
  )
  async create(@Body() dto: CreateTemplateDto): Promise<SavedTemplateDto> {
    const { key, ...content } = dto;
    return saved(await this.templates.create(key, content));
  }

  @Get(':key')
  @RequireScopes('templates:read')
  @ApiOperation({ summary: 'A template: its published version, its draft and sample data' })
  @ApiOkResponse({ type: TemplateDetailDto })
  @ApiErrors(404)
  async get(@Param('key') key: string): Promise<TemplateDetailDto> {
    return detail(await this.templates.get(key));
  }

  @Put(':key')
  @RequireScopes('templates:write')
  @ApiOperation({ summary: 'Save the draft (validated; the published version is untouched)' })
  @ApiOkResponse({ type: SavedTemplateDto })
  @ApiErrors(
    [400, 'Invalid input, or template errors in `errors[]` with field, line and column'],
    404,
  )
  async saveDraft(
    @Param('key') key: string,
    @Body() dto: TemplateContentDto,
  ): Promise<SavedTemplateDto> {
    return saved(await this.templates.saveDraft(key, dto));
  }

  @Post(':key/publish')
  @HttpCode(200)
  @RequireScopes('templates:write')
  @ApiOperation({
    summary: 'Publish the draft as the next version; every process renders it within 5 s',
  })
  @ApiOkResponse({ type: SavedTemplateDto })
  @ApiErrors(
    [400, 'The draft has template errors (`errors[]`)'],
    404,
    [409, 'The draft changed while it was published'],
    [422, 'There is no draft (`code` no_draft)'],
  )
  async publish(
    @Param('key') key: string,
    @Req() req: AuthenticatedRequest,
  ): Promise<SavedTemplateDto> {
    const by = req.user?.email ?? req.apiKey?.name ?? null;
    return saved(await this.templates.publish(key, by));
  }

  @Get(':key/versions')
  @RequireScopes('templates:read')
  @ApiOperation({ summary: 'Every published version, newest first' })
  @ApiOkResponse({ type: TemplateVersionDto, isArray: true })
  @ApiErrors(404)
  async versions(@Param('key') key: string): Promise<TemplateVersionDto[]> {
    return this.templates.versions(key);
  }

  @Get(':key/versions/:n')
  @RequireScopes('templates:read')
  @ApiOperation({ summary: 'One published version with its content' })
  @ApiOkResponse({ type: TemplateVersionDetailDto })
  @ApiErrors([400, 'n is not a number'], [404, 'No such template or version'])
  async version(
    @Param('key') key: string,
    @Param('n', ParseIntPipe) n: number,
  ): Promise<TemplateVersionDetailDto> {
    const v = await this.templates.version(key, n);
    return {
      version: v.version,
      origin: v.origin,
      publishedAt: v.publishedAt,
      publishedBy: v.publishedBy,
      content: v.content,
    };
  }

  @Post(':key/versions/:n/restore')
  @HttpCode(200)
  @RequireScopes('templates:write')
  @ApiOperation({ summary: 'Make version n the draft (publish it to use it)' })
  @ApiOkResponse({ type: SavedTemplateDto })
  @ApiErrors([400, 'n is not a number'], 404)
  async restore(
    @Param('key') key: string,
    @Param('n', ParseIntPipe) n: number,
  ): Promise<SavedTemplateDto> {
    return saved(await this.templates.restore(key, n));
  }

  @Post(':key/reset')
  @HttpCode(200)
  @RequireScopes('templates:write')
  @ApiOperation({
    summary:
      'Make the shipped default (the files under templates/) the draft (publish it to use it)',
  })
  @ApiOkResponse({ type: SavedTemplateDto })
  @ApiErrors([404, 'No such template, or it has no shipped default'])
  async reset(@Param('key') key: string): Promise<SavedTemplateDto> {
    return saved(await this.templates.reset(key));
  }

  @Post(':key/preview')
  @HttpCode(200)
  @RequireScopes('templates:read')
  @ApiOperation({
    summary:
      'Render the published version (or unsaved `content`) in one locale with sample data, optionally overridden',
  })
  @ApiOkResponse({ type: ContentPreviewDto })
  @ApiErrors(
    [
      400,
      'Invalid input, or template errors of `content` in `errors[]` with field, line and column',
    ],
    404,
    [422, 'The data lacks a variable the template uses; the message names it and the line'],
  )
  async preview(
    @Param('key') key: string,
    @Body() dto: PreviewTemplateDto,
  ): Promise<ContentPreviewDto> {
    if (dto.content) {
      return this.templates.previewContent(key, dto.content, dto.locale, dto.data);
    }
    return this.rendering.preview(key, dto.locale, dto.data);
  }

  @Post(':key/previews')
  @HttpCode(200)
  @RequireScopes('templates:read')
  @ApiOperation({
    summary:
      "Render every locale side by side (published version or draft) with sample data or a subscriber's",
  })
  @ApiOkResponse({ type: PreviewAllResultDto })
  @ApiErrors(400, [404, 'No such template, draft or subscriber'], 422)
  previews(@Param('key') key: string, @Body() dto: PreviewAllDto): Promise<PreviewAllResultDto> {
    return this.templates.previewAll(key, dto);
  }
}

function summary(t: StoredTemplate): TemplateSummaryDto {
  const content = t.published ?? t.draft;
  return {
    key: t.key,
    description: content?.description ?? '',
    marketing: content?.marketing ?? false,
    locales: Object.keys(content?.locales ?? {}),
    version: t.publishedVersion,
    hasDraft: t.draft !== null,
    publishedAt: t.publishedAt,
    publishedBy: t.publishedBy,
    updatedAt: t.updatedAt,
  };
}

function detail(t: StoredTemplate): TemplateDetailDto {
  const content = t.published ?? t.draft;
  return {
    ...summary(t),
    samples: Object.fromEntries(
      Object.entries(content?.locales ?? {}).map(([l, own]) => [l, own!.sample]),
    ),
    published: t.published,
    draft: t.draft,
    draftUpdatedAt: t.draftUpdatedAt,
  };
}

function saved(s: SavedTemplate): SavedTemplateDto {
  return { template: detail(s.template), warnings: s.warnings };
}
