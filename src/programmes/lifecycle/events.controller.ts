import { Body, Controller, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import type { Response } from 'express';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { EventDto, IngestEventDto } from './event.dto';
import { EventsService } from './events.service';

@ApiTags('lifecycle')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @RequireScopes('events:write')
  @ApiOperation({
    summary:
      'Ingest an event about a subscriber; matching event rules write their notices (201). A repeated idempotency key changes nothing (200).',
  })
  @ApiCreatedResponse({ type: EventDto, description: 'New event, with what each rule did' })
  @ApiOkResponse({ type: EventDto, description: 'This idempotency key was seen before' })
  @ApiErrors(
    [400, 'A field is invalid; `field` names it'],
    [404, 'Unknown subscriber'],
    [409, 'The idempotency key was used for a different event'],
  )
  async ingest(
    @Body() dto: IngestEventDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<EventDto> {
    const event = await this.events.ingest(dto);
    res.status(event.duplicate ? 200 : 201);
    return event;
  }
}
