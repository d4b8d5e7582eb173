import {
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { Throttle } from '@nestjs/throttler';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../../platform/http/auth.decorators';
import { InvalidInputError } from '../../platform/errors/domain-errors';
import { LinkPageFilter, PrivatePageHeaders } from './link-page.filter';
import { unsubscribedPage, unsubscribePage } from './link-pages';
import { PageFrame, pickLocale } from './page-frame';
import { perAddressAndToken, TokenRateLimit } from '../../platform/http/rate-limit';
import { UnsubscribeService } from './unsubscribe.service';

const MULTIPART_LIMIT = 16 * 1024;

/**
 * RFC 8058: the body must say `List-Unsubscribe=One-Click`, form-encoded or multipart. Express
 * parses the first; a small multipart body is read here (its parser is not installed).
 */
async function isOneClickBody(req: Request): Promise<boolean> {
  if (req.is('multipart/form-data')) {
    let raw = '';
    for await (const chunk of req as AsyncIterable<Buffer>) {
      raw += chunk.toString('utf8');
      if (raw.length > MULTIPART_LIMIT) return false;
    }
    return /name="?List-Unsubscribe"?\r?\n(?:[^\r\n]+\r?\n)*\r?\n\s*One-Click\s*\r?\n/i.test(raw);
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  return body['List-Unsubscribe'] === 'One-Click';
}

/**
 * `/u/<unsubscribe token>` from the List-Unsubscribe header and the visible link. GET only shows
 * a button (link scanners open links; they must not unsubscribe anyone). POST unsubscribes at
 * once, with no cookie, login, CSRF token or redirect, and answers 200, also when repeated.
 */
@ApiExcludeController()
@Public()
@Controller('u')
@TokenRateLimit()
@UseFilters(LinkPageFilter)
@UseInterceptors(PrivatePageHeaders)
export class UnsubscribeController {
  constructor(
    private readonly unsubscribe: UnsubscribeService,
    private readonly frame: PageFrame,
  ) {}

  @Get(':token')
  async page(@Param('token') token: string, @Query('lang') lang: unknown): Promise<string> {
    const target = await this.unsubscribe.describe(token);
    const locale = pickLocale(lang, target.locale);
    const page = unsubscribePage(token, locale, target);
    return this.frame.render(locale, page.title, page.body, {
      path: `/u/${token}`,
      personal: true,
    });
  }

  @Post(':token')
  @HttpCode(200)
  @Throttle({ token: { getTracker: perAddressAndToken } })
  async oneClick(
    @Param('token') token: string,
    @Query('lang') lang: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    if (!(await isOneClickBody(req))) {
      throw new InvalidInputError(
        'The body must be List-Unsubscribe=One-Click (RFC 8058)',
        'List-Unsubscribe',
      );
    }
    const result = await this.unsubscribe.oneClick(token);
    const locale = pickLocale(lang, result.locale);
    if (req.accepts(['html', 'text']) !== 'html') {
      res.type('text/plain');
      return result.changed ? 'Unsubscribed\n' : 'Already unsubscribed\n';
    }
    const page = unsubscribedPage(locale, result, result.changed);
    return this.frame.render(locale, page.title, page.body);
  }
}
