import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../../platform/http/api-errors';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { CreateSendDto, SendDto } from './send.dto';
import { SendsService } from './sends.service';

@ApiTags('sends')
@Controller('v1/sends')
export class SendsController {
  constructor(private readonly sends: SendsService) {}

  @Post()
  @HttpCode(202)
  @RequireScopes('sends:write')
  @ApiOperation({
    summary:
      'Send one message to one subscriber now (transactional, or a notice on a notice topic), checked like every send. A repeated idempotencyKey returns the same message (200).',
  })
  @ApiAcceptedResponse({
    type: SendDto,
    description: 'Written to the send ledger (`queued`); `Location` is its `links.message`',
  })
  @ApiOkResponse({
    type: SendDto,
    description: 'This idempotencyKey was seen before: the message it wrote, as it is now',
  })
  @ApiErrors(
    [
      400,
      'The request is invalid (a field, or `data.<name>` the template needs); `field` names it',
    ],
    [
      404,
      'No such template (`template`) or subscriber (`subscriberId`, `email`) or topic (`topic`)',
    ],
    [409, 'The idempotencyKey was used for a different message (`idempotency_key_reused`)'],
    [
      422,
      'A send check refuses it; `code`: `suppressed`, `subscriber_<status>`, `not_subscribed`, `topic_not_notice`, `topic_archived`',
    ],
  )
  async send(
    @Body() dto: CreateSendDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SendDto> {
    const sent = await this.sends.send(dto);
    res.status(sent.duplicate ? 200 : 202).location(sent.links.message);
    return sent;
  }
}
