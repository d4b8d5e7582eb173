import { Controller, Get, Injectable, NestMiddleware, Query, Req } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Public } from '../../platform/http/auth.decorators';
import { AppConfig } from '../../platform/config/configuration';
import { TopicsService } from '../../audience/topics/topics.service';
import { PageFrame, pickLocale } from './page-frame';
import { SubscribeRateLimit } from '../../platform/http/rate-limit';
import { subscribeFormPage } from './subscribe-form.page';

/**
 * The subscribe form (and the page its post answers with) may be embedded in an iframe on the
 * sites SUBSCRIBE_FORM_FRAME_ANCESTORS names; helmet's default allows only this origin.
 */
@Injectable()
export class SubscribeFormFraming implements NestMiddleware {
  private readonly frameAncestors: string;

  constructor(config: ConfigService<AppConfig, true>) {
    this.frameAncestors = config.get('preferences', { infer: true }).subscribeFormFrameAncestors;
  }

  use(_req: Request, res: Response, next: NextFunction): void {
    res.removeHeader('X-Frame-Options');
    const directives = String(res.getHeader('Content-Security-Policy') ?? '')
      .split(';')
      .filter((d) => d.trim() && !/^\s*frame-ancestors\b/i.test(d));
    directives.push(`frame-ancestors ${this.frameAncestors}`);
    res.setHeader('Content-Security-Policy', directives.join(';'));
    next();
  }
}

/** GET /subscribe: the small public form that posts to POST /subscribe (double opt-in). */
@Public()
@Controller()
export class SubscribeFormController {
  constructor(
    private readonly topics: TopicsService,
    private readonly frame: PageFrame,
  ) {}

  @Get('subscribe')
  @SubscribeRateLimit()
  @ApiExcludeEndpoint()
  async form(@Query('lang') lang: unknown, @Req() req: Request): Promise<string> {
    const locale = pickLocale(lang, undefined, req.get('accept-language'));
    // Customers-only topics are left out: sign-up drops them for new (prospect) addresses.
    const topics = (await this.topics.list()).filter((t) => t.isPublic && t.prospectsAllowed);
    const page = subscribeFormPage(locale, topics);
    return this.frame.render(locale, page.title, page.body, { path: '/subscribe' });
  }
}
