import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import {
  ContentItemDto,
  ContentItemPageDto,
  ContentItemPreviewDto,
  ContentVariantViewDto,
  CreateContentItemDto,
  ListContentQueryDto,
  PreviewContentItemDto,
  UpdateContentItemDto,
} from './content.dto';
import { ContentService } from './content.service';

@ApiTags('content')
@ApiExtraModels(ContentVariantViewDto)
@Controller('v1/content-items')
export class ContentController {
  constructor(private readonly content: ContentService) {}

  @Post()
  @RequireScopes('content:write')
  @ApiOperation({
    summary: 'Publish a content item into a topic (now or at publishAt); it goes into digests',
  })
  @ApiCreatedResponse({ type: ContentItemDto })
  @ApiErrors(400, 404, [
    422,
    'A rule refuses it: `content_too_large` (its email would pass 102 KB), a kind the topic does not allow',
  ])
  create(@Body() dto: CreateContentItemDto): Promise<ContentItemDto> {
    return this.content.create(dto);
  }

  @Post('preview')
  @HttpCode(200)
  @RequireScopes('content:write')
  @ApiOperation({
    summary:
      'Render an unsaved content item as its campaign email in every locale, with the size check publishing applies; nothing is written',
  })
  @ApiOkResponse({ type: ContentItemPreviewDto })
  @ApiErrors(
    400,
    [404, 'The topic does not exist'],
    [
      422,
      'The topic does not take this kind of content (`promotional_not_allowed`, `topic_carries_notices`)',
    ],
  )
  preview(@Body() dto: PreviewContentItemDto): Promise<ContentItemPreviewDto> {
    return this.content.preview(dto);
  }

  @Get()
  @RequireScopes('content:read')
  @ApiOperation({ summary: 'List content items, newest first' })
  @ApiOkResponse({ type: ContentItemPageDto })
  list(@Query() query: ListContentQueryDto): Promise<ContentItemPageDto> {
    return this.content.list(query);
  }

  @Get(':id')
  @RequireScopes('content:read')
  @ApiOperation({ summary: 'Get a content item' })
  @ApiOkResponse({ type: ContentItemDto })
  @ApiErrors(404)
  get(@Param('id') id: string): Promise<ContentItemDto> {
    return this.content.get(id);
  }

  @Patch(':id')
  @RequireScopes('content:write')
  @ApiOperation({
    summary: 'Edit a content item until its first copy is sent (409 afterwards, 410 if withdrawn)',
  })
  @ApiOkResponse({ type: ContentItemDto })
  @ApiErrors(400, 404, 409, 410, [
    422,
    'A rule refuses it: `content_too_large` (its email would pass 102 KB), a kind the topic does not allow',
  ])
  update(@Param('id') id: string, @Body() dto: UpdateContentItemDto): Promise<ContentItemDto> {
    return this.content.update(id, dto);
  }

  @Delete(':id')
  @HttpCode(200)
  @RequireScopes('content:write')
  @ApiOperation({
    summary: 'Withdraw a content item: copies not yet sent (digests, campaigns) leave it out',
  })
  @ApiOkResponse({ type: ContentItemDto })
  @ApiErrors(404)
  withdraw(@Param('id') id: string): Promise<ContentItemDto> {
    return this.content.withdraw(id);
  }
}
