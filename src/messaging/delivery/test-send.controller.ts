import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors } from '../../platform/http/api-errors';
import { Transform } from 'class-transformer';
import { IsEmail, IsObject, IsOptional, MaxLength } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { RequireScopes } from '../../platform/http/auth.decorators';
import { NormaliseLineEndings } from '../../platform/http/validation';
import { AppConfig } from '../../platform/config/configuration';
import { RenderingService } from '../rendering/rendering.service';
import { lowerTrim } from '../../audience/subscribers/subscriber.dto';
import { MAIL_TRANSPORT, MailTransport } from './mail-transport';
import { headerSafe } from './outgoing-mail';
import { IsConfiguredLocale, Locale, LOCALE_API_PROPERTY } from '../../platform/locale';

export class TestSendDto {
  @ApiProperty({
    example: 'me@acme.example',
    description: 'Where to send the test (not added as a subscriber)',
  })
  @Transform(lowerTrim)
  @IsEmail({}, { message: 'to must be a valid email address' })
  @MaxLength(254)
  to!: string;

  @ApiProperty(LOCALE_API_PROPERTY)
  @IsConfiguredLocale()
  locale!: Locale;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "Overrides the template's sample data",
  })
  @IsOptional()
  @NormaliseLineEndings()
  @IsObject()
  data?: Record<string, unknown>;
}

export class TestSendResultDto {
  @ApiProperty() messageId!: string;
  @ApiProperty() subject!: string;
}

/**
 * Sends one rendered template to a given address, straight through the transport (not the ledger:
 * it is not a message to a subscriber). The subject is marked [TEST].
 */
@ApiTags('templates')
@Controller('v1/templates')
export class TestSendController {
  private readonly mail: AppConfig['mail'];

  constructor(
    private readonly rendering: RenderingService,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
    config: ConfigService<AppConfig, true>,
  ) {
    this.mail = config.get('mail', { infer: true });
  }

  @Post(':key/test-send')
  @HttpCode(200)
  @RequireScopes('templates:write')
  @ApiOperation({ summary: 'Send a rendered template to an address, to see it in a real inbox' })
  @ApiOkResponse({ type: TestSendResultDto })
  @ApiErrors([404, 'No template with this key'], [422, 'The template cannot be rendered'])
  async testSend(@Param('key') key: string, @Body() dto: TestSendDto): Promise<TestSendResultDto> {
    const rendered = this.rendering.preview(key, dto.locale, dto.data);
    const subject = headerSafe(`[TEST] ${rendered.subject}`);
    const sent = await this.transport.send({
      from: this.mail.from,
      replyTo: this.mail.replyTo,
      to: { name: '', address: dto.to },
      subject,
      html: rendered.html,
      text: rendered.text,
      messageId: `<test-${randomUUID()}@${this.mail.domain}>`,
      headers: { 'X-Tidings-Test': key },
    });
    return { messageId: sent.providerMessageId, subject };
  }
}
