import { Body, Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
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
import { TEST_RECIPIENT_ID } from '../../platform/tokens/test-recipient';
import { EMAIL_CHANNEL } from './channels';
import type { ClaimedMessage } from './claimed-message';
import { completeMail } from './mail-draft';
import { MessageComposer } from './message-composer';
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

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'The headers a real send carries, as sent (List-Unsubscribe, List-Unsubscribe-Post and List-Id for marketing mail)',
  })
  headers!: Record<string, string>;
}

/**
 * Sends one rendered template to a given address as a real send would look: the same headers
 * (List-Unsubscribe, List-Unsubscribe-Post, List-Id) and links signed on PUBLIC_URL, made by the
 * same MessageComposer, but for the test recipient (TEST_RECIPIENT_ID), so the links work and
 * act on nobody real. Straight through the transport, not the ledger: it is not a message to a
 * subscriber. The subject is marked [TEST].
 */
@ApiTags('templates')
@Controller('v1/templates')
export class TestSendController {
  constructor(
    private readonly rendering: RenderingService,
    private readonly composer: MessageComposer,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
  ) {}

  @Post(':key/test-send')
  @HttpCode(200)
  @RequireScopes('templates:write')
  @ApiOperation({
    summary:
      'Send the published template to an address as a real send looks (headers, working links for a test recipient)',
  })
  @ApiOkResponse({ type: TestSendResultDto })
  @ApiErrors(400, 404, [422, 'The data lacks a variable the template uses'])
  async testSend(@Param('key') key: string, @Body() dto: TestSendDto): Promise<TestSendResultDto> {
    const sample = this.rendering.sample(key, dto.locale);
    const { links: sampleLinks, ...data } = { ...sample, ...dto.data } as Record<string, unknown>;
    const marketing = data.marketing === true;
    const message: ClaimedMessage = {
      id: randomUUID(),
      dedupeKey: `test:${key}`,
      subscriberId: TEST_RECIPIENT_ID,
      topicId: null,
      channel: EMAIL_CHANNEL,
      template: key,
      templateVersion: this.rendering.versions().get(key) ?? null,
      kind: marketing ? 'editorial' : 'transactional',
      // Links the platform makes (unsubscribe, preferences, feedback) are real; a template's own
      // (a confirm link) keep the sample's.
      data: { ...data, links: {} },
      attempts: 1,
      claimedBy: 0,
      deadlineAt: null,
      createdAt: new Date(),
      address: dto.to,
      email: dto.to,
      name: null,
      locale: dto.locale,
      timezone: 'UTC',
      subscriberStatus: 'active',
      pausedUntil: null,
      subscriptionStatus: null,
      topicKey: null,
      topicName: null,
    };
    const draft = this.composer.draft(message);
    const links = draft.data.links as Record<string, string>;
    draft.data.links = { ...((sampleLinks ?? {}) as Record<string, string>), ...links };
    const subscriber = (sample.subscriber ?? {}) as Record<string, unknown>;
    draft.data.subscriber = { ...subscriber, email: dto.to };
    const mail = completeMail(
      draft,
      this.rendering.renderVersion(key, draft.version, draft.locale, draft.data),
    );
    const subject = headerSafe(`[TEST] ${mail.subject}`);
    const headers = { ...mail.headers, 'X-Tidings-Test': key };
    const sent = await this.transport.send({ ...mail, subject, headers });
    return { messageId: sent.providerMessageId, subject, headers };
  }
}
