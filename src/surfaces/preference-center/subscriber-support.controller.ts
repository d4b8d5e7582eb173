import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { ConsentService } from '../../audience/consent/consent.service';
import { DEFAULT_WORDING_VERSION, defaultWording } from '../../audience/consent/wording';
import type { Subscriber } from '../../audience/subscribers/subscriber.entity';
import { SubscriberDto } from '../../audience/subscribers/subscriber.dto';
import { SubscriberStatusService } from '../../audience/subscribers/subscriber-status.service';
import { SubscribersService } from '../../audience/subscribers/subscribers.service';
import { SubscriptionsService } from '../../audience/subscribers/subscriptions.service';
import { LedgerService } from '../../messaging/delivery/ledger.service';
import { Clock } from '../../platform/clock';
import { InvalidInputError, NotFoundError } from '../../platform/errors/domain-errors';
import { ApiErrors } from '../../platform/http/api-errors';
import { CallerRef, CurrentCaller, RequireScopes } from '../../platform/http/auth.decorators';
import { freshLinkMessage } from '../../programmes/fresh-link-mail';
import { SignupService } from '../../programmes/signup/signup.service';
import { DataExportService } from './data-export.service';
import { ChangedDto, PauseSubscriberDto, QueuedEmailDto } from './subscriber-support.dto';

const ID_PARAM = { name: 'id', description: 'Subscriber id, or the email address (URL-encoded)' };
const VIA = 'the API';
const MAX_PAUSE_DAYS = 365;

/**
 * What support does for a subscriber who asks (the console's subscriber profile): send the
 * confirmation email again, email a preference link, pause, unsubscribe from everything, and
 * download their data as the preference center's export. All need `subscribers:write`; the
 * activity log records each (src/surfaces/accounts/activity.interceptor.ts).
 */
@ApiTags('subscribers')
@Controller('v1/subscribers')
export class SubscriberSupportController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly subscribers: SubscribersService,
    private readonly subscriptions: SubscriptionsService,
    private readonly status: SubscriberStatusService,
    private readonly consent: ConsentService,
    private readonly ledger: LedgerService,
    private readonly signup: SignupService,
    private readonly exports: DataExportService,
    private readonly clock: Clock,
  ) {}

  @Post(':id/resend-confirmation')
  @HttpCode(202)
  @RequireScopes('subscribers:write')
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary: 'Send the confirmation email of a pending sign-up again (at most once a minute)',
  })
  @ApiAcceptedResponse({ type: QueuedEmailDto })
  @ApiErrors(
    404,
    [409, 'The subscriber is not awaiting confirmation (status is not `pending`): `not_pending`'],
    [422, 'No sign-up of this subscriber waits for confirmation: `no_signup`'],
  )
  async resendConfirmation(@Param('id') id: string): Promise<QueuedEmailDto> {
    const s = await this.found(id);
    return { messageId: await this.signup.resendConfirmation(s.id) };
  }

  @Post(':id/preference-link')
  @HttpCode(202)
  @RequireScopes('subscribers:write')
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary:
      'Email the subscriber a link to their preferences (valid 24 hours; at most one per ten minutes)',
  })
  @ApiAcceptedResponse({ type: QueuedEmailDto })
  @ApiErrors(404)
  async preferenceLink(@Param('id') id: string): Promise<QueuedEmailDto> {
    const s = await this.found(id);
    const ids = await this.ledger.insert(this.dataSource.manager, [
      freshLinkMessage(s.id, this.clock.now(), 'support'),
    ]);
    await this.ledger.enqueue(ids);
    return { messageId: ids[0] ?? null };
  }

  @Post(':id/pause')
  @HttpCode(200)
  @RequireScopes('subscribers:write')
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary:
      'Pause all email but transactional until a day (in the subscriber’s time zone), as the preference center does',
  })
  @ApiOkResponse({ type: SubscriberDto })
  @ApiErrors([400, 'until is not a date from tomorrow to 365 days ahead'], 404)
  async pause(
    @Param('id') id: string,
    @Body() dto: PauseSubscriberDto,
    @CurrentCaller() caller: CallerRef,
  ): Promise<SubscriberDto> {
    const s = await this.found(id);
    const now = DateTime.fromJSDate(this.clock.now(), { zone: s.timezone });
    const day = DateTime.fromISO(dto.until, { zone: s.timezone });
    const today = now.startOf('day');
    if (!day.isValid) throw new InvalidInputError('until must be a calendar date', 'until');
    if (day <= today || day > today.plus({ days: MAX_PAUSE_DAYS })) {
      throw new InvalidInputError(
        `until must be a day from tomorrow to ${MAX_PAUSE_DAYS} days ahead (in the subscriber's time zone, ${s.timezone})`,
        'until',
      );
    }
    const until = day.startOf('day').toJSDate();
    await this.subscriptions.inTransaction(s.id, async (m, locked) => {
      await this.status.setPausedUntil(m, locked.id, until);
      await this.consent.record(m, [
        {
          subscriberId: locked.id,
          action: 'pause',
          topicId: null,
          wording: `Paused all email until ${dto.until} through ${VIA}.`,
          wordingVersion: DEFAULT_WORDING_VERSION,
          source: 'api',
          details: { ...caller, pausedUntil: until.toISOString() },
        },
      ]);
    });
    return this.subscribers.get(s.id);
  }

  @Delete(':id/pause')
  @HttpCode(200)
  @RequireScopes('subscribers:write')
  @ApiParam(ID_PARAM)
  @ApiOperation({ summary: 'End a pause now (nothing changes when there is none)' })
  @ApiOkResponse({ type: SubscriberDto })
  @ApiErrors(404)
  async resume(
    @Param('id') id: string,
    @CurrentCaller() caller: CallerRef,
  ): Promise<SubscriberDto> {
    const s = await this.found(id);
    const now = this.clock.now();
    await this.subscriptions.inTransaction(s.id, async (m, locked) => {
      if (!locked.pausedUntil || locked.pausedUntil.getTime() <= now.getTime()) return;
      await this.status.setPausedUntil(m, locked.id, null);
      await this.consent.record(m, [
        {
          subscriberId: locked.id,
          action: 'resume',
          topicId: null,
          wording: defaultWording('resume', { via: VIA }),
          wordingVersion: DEFAULT_WORDING_VERSION,
          source: 'api',
          details: { ...caller, pausedUntil: locked.pausedUntil.toISOString() },
        },
      ]);
    });
    return this.subscribers.get(s.id);
  }

  @Post(':id/unsubscribe-all')
  @HttpCode(200)
  @RequireScopes('subscribers:write')
  @ApiParam(ID_PARAM)
  @ApiOperation({
    summary:
      'Unsubscribe from every topic: status `unsubscribed` (bounced and complained stay), one opt-out for all email',
  })
  @ApiOkResponse({ type: ChangedDto })
  @ApiErrors(404)
  async unsubscribeAll(
    @Param('id') id: string,
    @CurrentCaller() caller: CallerRef,
  ): Promise<ChangedDto> {
    const s = await this.found(id);
    const changed = await this.subscriptions.inTransaction(s.id, (m, locked) =>
      this.status.leaveAll(
        m,
        locked,
        { source: 'api', via: VIA, details: { ...caller } },
        this.clock.now(),
      ),
    );
    return { changed };
  }

  @Get(':id/export')
  @RequireScopes('subscribers:write')
  @ApiParam(ID_PARAM)
  @ApiProduces('application/json')
  @ApiOperation({
    summary:
      'Everything kept about the subscriber, as the preference center’s download (a JSON attachment)',
  })
  @ApiOkResponse({
    description:
      'profile, attributes, dates, subscriptions, consentHistory, dataPurposes, messages, expectations, trustAnswers (docs/preference-center.md)',
    content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
  })
  @ApiErrors(404)
  async export(
    @Param('id') id: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Record<string, unknown>> {
    const s = await this.found(id);
    const day = this.clock.now().toISOString().slice(0, 10);
    res.setHeader('Content-Disposition', `attachment; filename="subscriber-${s.id}-${day}.json"`);
    return this.exports.exportOf(s);
  }

  private async found(idOrEmail: string): Promise<Subscriber> {
    const s = await this.subscribers.find(idOrEmail);
    if (!s || s.status === 'erased')
      throw new NotFoundError(
        `Subscriber ${idOrEmail.includes('@') ? 'with that email' : idOrEmail} not found`,
        'id',
      );
    return s;
  }
}
