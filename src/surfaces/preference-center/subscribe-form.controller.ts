import {
  ArgumentsHost,
  Body,
  Catch,
  Controller,
  ExceptionFilter,
  Get,
  Header,
  HttpCode,
  Injectable,
  Logger,
  NestMiddleware,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiExcludeEndpoint,
  ApiExtraModels,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiFormErrors } from '../../platform/http/api-errors';
import type { NextFunction, Request, Response } from 'express';
import { Public } from '../../platform/http/auth.decorators';
import { AppConfig } from '../../platform/config/configuration';
import { Clock } from '../../platform/clock';
import {
  AllExceptionsFilter,
  ErrorBody,
  mapError,
} from '../../platform/errors/http-exception.filter';
import { html } from '../../platform/http/page';
import { isLocale, localeOr } from '../../platform/locale';
import { TopicsService } from '../../audience/topics/topics.service';
import type { Topic } from '../../audience/topics/topic.entity';
import { signupTexts } from '../../programmes/signup/signup-text';
import { SubscribeRequestDto, SubscribeResponseDto } from '../../programmes/signup/signup.dto';
import { SignupService } from '../../programmes/signup/signup.service';
import { PageFrame, pickLocale } from './page-frame';
import { SubscribeRateLimit } from '../../platform/http/rate-limit';
import {
  FormError,
  postedValues,
  SUBSCRIBE_FORM_SCRIPT,
  subscribeFormPage,
} from './subscribe-form.page';
import { PageTexts, pageTexts } from './texts/texts';

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

/** A browser's form post (the HTML form), as opposed to a JSON client of POST /subscribe. */
function isFormPost(req: Request): boolean {
  return req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
}

/** Topics the public form lists: customers-only topics are left out (sign-up drops them for prospects). */
async function formTopics(topics: TopicsService): Promise<Topic[]> {
  return (await topics.list()).filter((t) => t.isPublic && t.prospectsAllowed);
}

/** What went wrong, per field of the form, in the page's language (the API's messages are English). */
export function formErrors(body: ErrorBody, t: PageTexts): FormError[] {
  if (body.statusCode === 429) return [{ field: 'form', message: t.errors.tooManyBody }];
  const raw = body.errors?.length ? body.errors : [{ field: body.field ?? '', message: '' }];
  const out: FormError[] = [];
  for (const { field } of raw) {
    const e = t.formErrors;
    const error: FormError =
      field === 'email' || field === 'name' || field === 'timezone' || field === 'locale'
        ? { field, message: e[field] }
        : field === 'topics'
          ? { field: 'topics', message: e.topics }
          : field.startsWith('topics.')
            ? { field: 'topics', message: e.topicClosed }
            : { field: 'form', message: e.other };
    if (!out.some((o) => o.field === error.field)) out.push(error);
  }
  return out;
}

/**
 * A refused form post comes back as the form: branded, in the page's language, every error next
 * to its field and listed (and focused) at the top, with what was typed and chosen kept. JSON
 * clients, and failures that are not the person's (5xx), get the API's answer.
 */
@Catch()
@Injectable()
export class SubscribeFormErrors implements ExceptionFilter {
  private readonly logger = new Logger('SubscribeForm');
  private readonly api = new AllExceptionsFilter();
  private readonly defaultTimezone: string;

  constructor(
    private readonly topics: TopicsService,
    private readonly frame: PageFrame,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    this.defaultTimezone = config.get('app', { infer: true }).defaultTimezone;
  }

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const req = host.switchToHttp().getRequest<Request>();
    const res = host.switchToHttp().getResponse<Response>();
    const { body } = mapError(exception, req);
    // A browser's form post wants the form back; a script posting a form asks for JSON.
    const wantsPage = isFormPost(req) && req.accepts(['json', 'html']) === 'html';
    if (!wantsPage || body.statusCode >= 500 || res.headersSent) {
      this.api.catch(exception, host);
      return;
    }
    // Nest does not await filters: a failure here must still answer.
    await this.respond(req, res, body).catch((err: unknown) => {
      this.logger.error({ err }, 'Form error page failed');
      if (!res.headersSent) this.api.catch(exception, host);
    });
  }

  private async respond(req: Request, res: Response, body: ErrorBody): Promise<void> {
    const posted = (req.body ?? {}) as Record<string, unknown>;
    const locale = pickLocale(
      req.query.lang,
      isLocale(posted.locale) ? posted.locale : undefined,
      req.get('accept-language'),
    );
    const page = subscribeFormPage(locale, await formTopics(this.topics), {
      defaultTimezone: this.defaultTimezone,
      now: this.clock.now(),
      values: postedValues(posted, locale, this.defaultTimezone),
      errors: formErrors(body, pageTexts(locale)),
    });
    if (body.statusCode === 429) res.setHeader('Retry-After', '60');
    res
      .status(body.statusCode)
      .type('html')
      .send(this.frame.render(locale, page.title, page.body, { path: '/subscribe' }));
  }
}

/**
 * GET /subscribe: the small public form; POST /subscribe: the sign-up it (or any JSON client)
 * sends, double opt-in through SignupService. A form post is answered with a page, a refused one
 * with the form again (SubscribeFormErrors).
 */
@Public()
@Controller()
export class SubscribeFormController {
  private readonly defaultTimezone: string;

  constructor(
    private readonly topics: TopicsService,
    private readonly signup: SignupService,
    private readonly frame: PageFrame,
    private readonly clock: Clock,
    config: ConfigService<AppConfig, true>,
  ) {
    this.defaultTimezone = config.get('app', { infer: true }).defaultTimezone;
  }

  @Get('subscribe')
  @SubscribeRateLimit()
  @ApiExcludeEndpoint()
  async form(@Query('lang') lang: unknown, @Req() req: Request): Promise<string> {
    const locale = pickLocale(lang, undefined, req.get('accept-language'));
    const page = subscribeFormPage(locale, await formTopics(this.topics), {
      defaultTimezone: this.defaultTimezone,
      now: this.clock.now(),
    });
    return this.frame.render(locale, page.title, page.body, { path: '/subscribe' });
  }

  /** The form's only script: the browser's time zone (the form works without it). */
  @Get('subscribe/form.js')
  @ApiExcludeEndpoint()
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  script(): string {
    return SUBSCRIBE_FORM_SCRIPT;
  }

  @Post('subscribe')
  @HttpCode(202)
  @SubscribeRateLimit()
  @UseFilters(SubscribeFormErrors)
  @ApiTags('public')
  @ApiOperation({
    summary:
      'Public sign-up (JSON or HTML form): sends only a confirmation email (or, to an address that is already subscribed, a link to its preferences); the answer never reveals whether the address is known',
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiBody({
    type: SubscribeRequestDto,
    description:
      'As JSON, or as an HTML form post (`application/x-www-form-urlencoded`, `topics` repeated ' +
      'once per topic; an empty value is ignored)',
  })
  @ApiExtraModels(SubscribeResponseDto)
  @ApiAcceptedResponse({
    description: 'Pending confirmation: JSON for a JSON request, an HTML page for a form post',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(SubscribeResponseDto) } },
      'text/html': { schema: { type: 'string' } },
    },
  })
  @ApiFormErrors(
    [400, 'A field is invalid; a form post gets the form again (HTML) with the errors marked'],
    [404, 'A topic does not exist'],
    413,
    415,
    [422, 'A topic does not take sign-ups (archived, customers only); `code` says which'],
    [429, 'Too many sign-ups from this client; see `Retry-After`'],
  )
  async subscribe(
    @Body() dto: SubscribeRequestDto,
    @Query('lang') lang: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SubscribeResponseDto | string> {
    await this.signup.subscribe(dto, 'form');
    if (isFormPost(req)) {
      // The page's language (the form posts with ?lang=), which may differ from the emails'.
      const locale = pickLocale(lang, dto.locale, req.get('accept-language'));
      const t = signupTexts(locale);
      res.type('html');
      return this.frame.render(
        locale,
        t.checkTitle,
        html`<h1>${t.checkTitle}</h1>
          <p role="status">${t.checkBody}</p>`,
      );
    }
    return { status: 'pending', message: signupTexts(dto.locale ?? localeOr('en')).checkBody };
  }
}
