import { Controller, Get, Param, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../../platform/http/auth.decorators';
import { DomainError } from '../../platform/errors/domain-errors';
import { html, PageOptions, renderPage } from '../../platform/http/page';
import { AppConfig } from '../../platform/config/configuration';
import { Locale, localeOr } from '../../platform/locale';
import { signupTexts } from './signup-text';
import { SignupService } from './signup.service';

const HTML_PAGE = { 'text/html': { schema: { type: 'string' } } };

/** The confirmation link's page. The form and `POST /subscribe` are the preference center's (surfaces). */
@ApiTags('public')
@Public()
@Controller()
export class SignupController {
  private readonly brand: AppConfig['rendering']['brand'];

  constructor(
    private readonly signup: SignupService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.brand = config.get('rendering', { infer: true }).brand;
  }

  /** The same branded frame as the preference center. */
  private page(o: Pick<PageOptions, 'title' | 'lang' | 'body'>): string {
    return renderPage({
      ...o,
      brandName: this.brand.name,
      brandColor: this.brand.color,
      brandLogoUrl: this.brand.logoUrl,
    });
  }

  @Get('confirm/:token')
  @ApiOperation({
    summary: 'Confirm a sign-up from the link in the confirmation email (shows a page)',
  })
  @ApiResponse({ status: 200, description: 'Confirmed (or confirmed before)', content: HTML_PAGE })
  @ApiResponse({ status: 401, description: 'The link is not valid', content: HTML_PAGE })
  @ApiResponse({ status: 410, description: 'The link has expired', content: HTML_PAGE })
  async confirm(@Param('token') token: string, @Res() res: Response): Promise<void> {
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', 'no-store');
    try {
      const result = await this.signup.confirm(token);
      const t = signupTexts(result.locale);
      const items = result.topics.map(
        (x) =>
          html`<li>
            <strong>${x.name}</strong>, ${x.frequencyLabel}.
            ${x.firstExpected !== null ? t.firstExpected(x.firstExpected) : t.noticesPlanned(x.notices.map((n) => `${n.description} (${n.date})`))}
          </li>`,
      );
      res
        .status(200)
        .type('html')
        .send(
          this.page({
            title: result.alreadyConfirmed ? t.alreadyTitle : t.confirmedTitle,
            lang: result.locale,
            body: html`<h1>${result.alreadyConfirmed ? t.alreadyTitle : t.confirmedTitle}</h1>
              <p>${t.confirmedBody}</p>
              <ul>
                ${items}
              </ul>
              <p class="muted">${t.changeAnytime}</p>`,
          }),
        );
    } catch (err) {
      if (!(err instanceof DomainError) || (err.status !== 401 && err.status !== 410)) throw err;
      const locale: Locale = localeOr('en');
      const t = signupTexts(locale);
      const expired = err.status === 410;
      res
        .status(err.status)
        .type('html')
        .send(
          this.page({
            title: expired ? t.expiredTitle : t.invalidTitle,
            lang: locale,
            body: html`<h1>${expired ? t.expiredTitle : t.invalidTitle}</h1>
              <p>${expired ? t.expiredBody : t.invalidBody}</p>`,
          }),
        );
    }
  }
}
