import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { ListMessagesQueryDto, MessageDto, MessagePageDto } from './message.dto';
import { MessagesService } from './messages.service';

@ApiTags('messages')
@Controller('v1/messages')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  @RequireScopes('messages:read')
  @ApiOperation({
    summary: 'The send ledger, newest first: every intended email and what became of it',
  })
  @ApiOkResponse({ type: MessagePageDto })
  list(@Query() query: ListMessagesQueryDto): Promise<MessagePageDto> {
    return this.messages.list(query);
  }

  @Get(':id')
  @RequireScopes('messages:read')
  @ApiOperation({
    summary:
      'One message of the send ledger: what became of it, and the template version it was rendered with (the link `POST /v1/sends` returns)',
  })
  @ApiOkResponse({ type: MessageDto })
  @ApiErrors([400, 'The id holds a NUL or invalid UTF-8'], [404, 'No message with this id'])
  get(@Param('id') id: string): Promise<MessageDto> {
    return this.messages.get(id);
  }
}
