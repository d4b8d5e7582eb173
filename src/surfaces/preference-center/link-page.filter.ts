import {
  ArgumentsHost,
  CallHandler,
  Catch,
  ExceptionFilter,
  ExecutionContext,
  HttpException,
  Injectable,
  Logger,
  NestInterceptor,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { DomainError } from '../../platform/errors/domain-errors';
import { mapError } from '../../platform/errors/http-exception.filter';
import { isUuid } from '../../platform/ids';
import { TokensService } from '../../platform/tokens/tokens.service';
import { errorPage } from './link-pages';
import { LinkSecurity } from './link-security';
import { PageFrame, pickLocale } from './page-frame';
import { Locale } from '../../platform/locale';

/** Token pages are private: not cached, not indexed, and their URL never leaks as a referrer. */
export function setPrivatePageHeaders(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
}

@Injectable()
export class PrivatePageHeaders implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    setPrivatePageHeaders(context.switchToHttp().getResponse<Response>());
    return next.handle();
  }
}

interface ErrorFacts {
  status: number;
  code?: string;
  message?: string;
  /** Seconds, for a `Retry-After` header (a transient database error). */
  retryAfter?: number;
}

/**
 * Errors on the subscriber pages become a branded page in the subscriber's language with the
 * right status (401 invalid, 410 expired or erased, 403 refused, 429 too many, ...). An expired
 * link's page offers "email me a new link"; nothing ever shows a stack trace.
 */
@Catch()
@Injectable()
export class LinkPageFilter implements ExceptionFilter {
  private readonly logger = new Logger('PreferenceCenter');

  constructor(
    private readonly frame: PageFrame,
    private readonly security: LinkSecurity,
    private readonly tokens: TokensService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    // Nest does not await filters: a failure here must still answer, and never with details.
    await this.respond(exception, host.switchToHttp().getRequest<Request>(), res).catch(
      (err: unknown) => {
        this.logger.error({ err }, 'Error page failed');
        if (!res.headersSent) res.status(500).type('text').send('Something went wrong.');
      },
    );
  }

  private async respond(exception: unknown, req: Request, res: Response): Promise<void> {
    const facts = this.facts(exception);
    if (facts.status >= 500) {
      const details = { err: exception, path: (req.route as { path?: string } | undefined)?.path };
      if (facts.retryAfter) this.logger.warn(details, 'Transient failure; answered 503');
      else this.logger.error(details, 'Unhandled error');
    }
    const token = typeof req.params?.token === 'string' ? req.params.token : undefined;
    const locale = await this.locale(req, token);
    const offerFreshLink =
      token &&
      ((facts.status === 410 && facts.code === 'expired_token') ||
        facts.code === 'fresh_link_required');
    const page = errorPage(locale, {
      ...facts,
      freshLink: offerFreshLink
        ? {
            token,
            csrf: this.security.csrfFor(token),
            freshLinkHours: this.security.freshLinkHours,
          }
        : undefined,
    });
    setPrivatePageHeaders(res);
    if (facts.status === 429) res.setHeader('Retry-After', '60');
    if (facts.retryAfter) res.setHeader('Retry-After', String(facts.retryAfter));
    res
      .status(facts.status)
      .type('html')
      .send(this.frame.render(locale, page.title, page.body));
  }

  private facts(exception: unknown): ErrorFacts {
    if (exception instanceof DomainError) {
      return { status: exception.status, code: exception.code, message: exception.message };
    }
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const raw =
        typeof response === 'string'
          ? response
          : ((response as { message?: string | string[] }).message ?? exception.message);
      return { status: exception.getStatus(), message: Array.isArray(raw) ? raw.join('; ') : raw };
    }
    // Database and body errors as the API answers them (503 with Retry-After when transient).
    const { body, retryAfter } = mapError(exception);
    return { status: body.statusCode, code: body.code, retryAfter };
  }

  /** `?lang=`, else the language of the link's subscriber (the signature is checked), else the browser's. */
  private async locale(req: Request, token: string | undefined): Promise<Locale> {
    let subscriberLocale: Locale | undefined;
    if (token && typeof req.query.lang !== 'string') {
      try {
        const { subscriberId } = this.tokens.decode(token);
        if (isUuid(subscriberId)) {
          const rows = await this.dataSource.query<{ locale: Locale }[]>(
            'SELECT locale FROM audience_subscribers WHERE id = $1',
            [subscriberId],
          );
          subscriberLocale = rows[0]?.locale;
        }
      } catch {
        // an invalid token has no subscriber; fall back to the browser's language
      }
    }
    return pickLocale(req.query.lang, subscriberLocale, req.get('accept-language'));
  }
}
