import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { CreateTopicDto, ListTopicsQueryDto, TopicDto, UpdateTopicDto } from './topic.dto';
import { TopicsService } from './topics.service';

@ApiTags('topics')
@Controller('v1/topics')
export class TopicsController {
  constructor(private readonly topics: TopicsService) {}

  @Post()
  @RequireScopes('topics:write')
  @ApiOperation({ summary: 'Create a topic' })
  @ApiCreatedResponse({ type: TopicDto })
  @ApiErrors([409, 'A topic with this key exists'])
  async create(@Body() dto: CreateTopicDto): Promise<TopicDto> {
    return TopicDto.from(await this.topics.create(dto));
  }

  @Get()
  @RequireScopes('topics:read')
  @ApiOperation({
    summary:
      'List topics (archived ones only on request; with counts=true, their active subscriptions per frequency)',
  })
  @ApiOkResponse({ type: TopicDto, isArray: true })
  async list(@Query() query: ListTopicsQueryDto): Promise<TopicDto[]> {
    const topics = await this.topics.list(query.includeArchived);
    const dtos = topics.map((t) => TopicDto.from(t));
    if (!query.counts) return dtos;
    const counts = await this.topics.subscriberCounts(topics.map((t) => t.id));
    return dtos.map((d) => ({ ...d, subscribers: counts.get(d.id) }));
  }

  @Get(':idOrKey')
  @RequireScopes('topics:read')
  @ApiOperation({ summary: 'Get a topic by id or key' })
  @ApiOkResponse({ type: TopicDto })
  @ApiErrors(404)
  async get(@Param('idOrKey') idOrKey: string): Promise<TopicDto> {
    return TopicDto.from(await this.topics.get(idOrKey));
  }

  @Patch(':idOrKey')
  @RequireScopes('topics:write')
  @ApiOperation({ summary: 'Update a topic (the key never changes)' })
  @ApiOkResponse({ type: TopicDto })
  @ApiErrors(404, [409, 'allowedFrequencies drops a frequency subscribers chose'])
  async update(@Param('idOrKey') idOrKey: string, @Body() dto: UpdateTopicDto): Promise<TopicDto> {
    return TopicDto.from(await this.topics.update(idOrKey, dto));
  }

  @Delete(':idOrKey')
  @HttpCode(200)
  @RequireScopes('topics:write')
  @ApiOperation({ summary: 'Archive a topic: it keeps its history and takes no new subscribers' })
  @ApiOkResponse({ type: TopicDto })
  @ApiErrors(404)
  async archive(@Param('idOrKey') idOrKey: string): Promise<TopicDto> {
    return TopicDto.from(await this.topics.archive(idOrKey));
  }
}
