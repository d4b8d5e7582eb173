import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Redirect,
  Res,
  UseFilters,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../../platform/http/auth.decorators';
import { Clock } from '../../platform/clock';
import { DataExportService } from './data-export.service';
import { FRESH_LINK_HOURS } from '../../programmes/fresh-link-mail';
import { FreshLinkService } from './fresh-link.service';
import { LinkPageFilter, PrivatePageHeaders } from './link-page.filter';
import { erasedPage, erasePage, freshSentPage } from './link-pages';
import { LinkFormGuard, LinkSecurity } from './link-security';
import { PageFrame, pickLocale } from './page-frame';
import {
  ExpectationDto,
  LinkFormDto,
  PauseDto,
  PurposeChangeDto,
  SettingsDto,
  TopicChangeDto,
  WeeklyCapDto,
} from './preference-forms.dto';
import { PageSection, preferencePage } from './preference-page';
import { DoneResult, PreferencesService } from './preferences.service';
import { TokenRateLimit } from '../../platform/http/rate-limit';

/**
 * Where a change lands: the page again (303, so a reload does not post twice), at the section
 * that changed, where the confirmation is shown and focused (see preference-page.ts). A topic
 * change names its topic; `in` says the section when nothing else does.
 */
function back(token: string, lang: unknown, result: DoneResult, section: PageSection) {
  const locale = pickLocale(lang, 'en');
  const topic = result.topic ? `&topic=${encodeURIComponent(result.topic)}` : '';
  const where = !result.topic && result.done === 'unchanged' ? `&in=${section}` : '';
  return {
    url: `/p/${token}?lang=${locale}&done=${result.done}${topic}${where}#${section}`,
    statusCode: 303,
  };
}

/**
 * The preference center, reached from `/p/<manage token>` in every email (or an `elevated` token
 * from a fresh-link email). Server-rendered, works without JavaScript; every form post needs the
 * link's CSRF token and the same origin.
 */
@ApiExcludeController()
@Public()
@Controller('p')
@TokenRateLimit()
@UseFilters(LinkPageFilter)
@UseInterceptors(PrivatePageHeaders)
export class PreferencesController {
  constructor(
    private readonly preferences: PreferencesService,
    private readonly exports: DataExportService,
    private readonly freshLinks: FreshLinkService,
    private readonly security: LinkSecurity,
    private readonly frame: PageFrame,
    private readonly clock: Clock,
  ) {}

  @Get(':token')
  async page(
    @Param('token') token: string,
    @Query('lang') lang: unknown,
    @Query('done') done: unknown,
    @Query('topic') topic: unknown,
    @Query('in') section: unknown,
    @Query('purpose') purpose: unknown,
  ): Promise<string> {
    const view = await this.preferences.view(token);
    const locale = pickLocale(lang, view.access.subscriber.locale);
    const page = preferencePage(view, {
      locale,
      csrf: this.security.csrfFor(token),
      freshLinkHours: this.security.freshLinkHours,
      done: typeof done === 'string' ? done : undefined,
      doneTopic: typeof topic === 'string' ? topic : undefined,
      doneIn: typeof section === 'string' ? section : undefined,
      donePurpose: typeof purpose === 'string' ? purpose : undefined,
    });
    return this.frame.render(locale, page.title, page.body, {
      path: `/p/${token}`,
      personal: true,
    });
  }

  @Post(':token/topics')
  @UseGuards(LinkFormGuard)
  @Redirect()
  async topic(
    @Param('token') token: string,
    @Query('lang') lang: unknown,
    @Body() dto: TopicChangeDto,
  ) {
    const result = await this.preferences.changeTopic(token, dto, pickLocale(lang, 'en'));
    return back(token, lang, result, 'topics');
  }

  @Post(':token/pause')
  @UseGuards(LinkFormGuard)
  @Redirect()
  async pause(@Param('token') token: string, @Query('lang') lang: unknown, @Body() dto: PauseDto) {
    return back(token, lang, await this.preferences.pause(token, dto.days), 'pause');
  }

  @Post(':token/resume')
  @UseGuards(LinkFormGuard)
  @Redirect()
  async resume(
    @Param('token') token: string,
    @Query('lang') lang: unknown,
    @Body() _dto: LinkFormDto,
  ) {
    return back(token, lang, await this.preferences.resume(token), 'pause');
  }

  @Post(':token/unsubscribe-all')
  @UseGuards(LinkFormGuard)
  @Redirect()
  async unsubscribeAll(
    @Param('token') token: string,
    @Query('lang') lang: unknown,
    @Body() _dto: LinkFormDto,
  ) {
    return back(token, lang, await this.preferences.unsubscribeAll(token), 'unsubscribe');
  }

  /** One click: allow or stop a data-use purpose that rests on consent. */
  @Post(':token/purposes')
  @UseGuards(LinkFormGuard)
  @Redirect()
  async purpose(
    @Param('token') token: string,
    @Query('lang') lang: unknown,
    @Body() dto: PurposeChangeDto,
  ) {
    const locale = pickLocale(lang, 'en');
    const result = await this.preferences.decidePurpose(
      token,
      dto.purpose,
      dto.decision === 'grant',
      locale,
    );
    return {
      url: `/p/${token}?lang=${locale}&done=${result.done}&purpose=${encodeURIComponent(result.purpose)}#purposes`,
      statusCode: 303,
    };
  }

  /** The language of our emails and the time zone; the page comes back in the new language. */
  @Post(':token/settings')
  @UseGuards(LinkFormGuard)
  @Redirect()
  async settings(@Param('token') token: string, @Body() dto: SettingsDto) {
    return back(token, dto.locale, await this.preferences.changeSettings(token, dto), 'settings');
  }

  /** The overall limit across topics; empty is the sender's default. */
  @Post(':token/limit')
  @UseGuards(LinkFormGuard)
  @Redirect()
  async limit(
    @Param('token') token: string,
    @Query('lang') lang: unknown,
    @Body() dto: WeeklyCapDto,
  ) {
    return back(
      token,
      lang,
      await this.preferences.changeWeeklyCap(token, dto.weeklyCap ?? null),
      'limit',
    );
  }

  /** "What would you like to hear about?": kept for the marketer with the page's language. */
  @Post(':token/expectations')
  @UseGuards(LinkFormGuard)
  @Redirect()
  async expectation(
    @Param('token') token: string,
    @Query('lang') lang: unknown,
    @Body() dto: ExpectationDto,
  ) {
    const locale = pickLocale(lang, 'en');
    const result = await this.preferences.recordExpectation(token, dto.expectation, locale);
    return back(token, lang, result, 'expectations');
  }

  /** Everything kept about the subscriber, as a JSON download. */
  @Get(':token/export')
  async export(
    @Param('token') token: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const data = await this.exports.export(token);
    const day = this.clock.now().toISOString().slice(0, 10);
    const brand =
      this.frame.brandName
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'email';
    res.type('application/json');
    res.setHeader('Content-Disposition', `attachment; filename="${brand}-my-data-${day}.json"`);
    return JSON.stringify(data, null, 2);
  }

  @Get(':token/erase')
  async eraseConfirm(@Param('token') token: string, @Query('lang') lang: unknown): Promise<string> {
    const access = await this.preferences.open(token);
    const locale = pickLocale(lang, access.subscriber.locale);
    const page = erasePage(
      token,
      locale,
      this.security.csrfFor(token),
      access.fresh,
      this.security.freshLinkHours,
    );
    return this.frame.render(locale, page.title, page.body, {
      path: `/p/${token}/erase`,
      personal: true,
    });
  }

  @Post(':token/erase')
  @HttpCode(200)
  @UseGuards(LinkFormGuard)
  async erase(
    @Param('token') token: string,
    @Query('lang') lang: unknown,
    @Body() _dto: LinkFormDto,
  ): Promise<string> {
    await this.preferences.erase(token);
    const locale = pickLocale(lang, 'en');
    const page = erasedPage(locale);
    return this.frame.render(locale, page.title, page.body);
  }

  /** Works with expired links too (the expired page offers it); at most one email per 10 minutes. */
  @Post(':token/fresh-link')
  @HttpCode(200)
  @UseGuards(LinkFormGuard)
  async freshLink(
    @Param('token') token: string,
    @Query('lang') lang: unknown,
    @Body() _dto: LinkFormDto,
  ): Promise<string> {
    await this.freshLinks.request(token);
    const locale = pickLocale(lang, 'en');
    const page = freshSentPage(locale, FRESH_LINK_HOURS);
    return this.frame.render(locale, page.title, page.body);
  }
}
