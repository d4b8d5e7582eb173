import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { ListMessagesQueryDto, MessagePageDto } from './message.dto';
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
}
