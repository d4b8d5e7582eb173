import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { DomainError } from './domain-errors';

export interface FieldError {
  field: string;
  message: string;
}

/** The one error body every endpoint returns. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  field?: string;
  code?: string;
  errors?: FieldError[];
}

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
}

/** Maps domain, HTTP and database errors to HTTP; anything else is a logged 500 without details. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    if (res.headersSent) return;
    const body = this.toBody(exception, req);
    if (body.statusCode >= 500) {
      this.logger.error(
        {
          err: exception,
          method: req.method,
          path: (req.route as { path?: string } | undefined)?.path ?? 'unknown',
        },
        'Unhandled error',
      );
    }
    if (this.wantsHtml(req) && typeof res.type === 'function') {
      res.status(body.statusCode).type('html').send(errorPage(body));
      return;
    }
    res.status(body.statusCode).json(body);
  }

  private wantsHtml(req: Request): boolean {
    // API clients get JSON; only the public pages (no /v1 prefix) answer browsers with HTML.
    return (
      !req.path.startsWith('/v1/') &&
      !!req.accepts(['json', 'html']) &&
      req.accepts(['json', 'html']) === 'html'
    );
  }

  private toBody(exception: unknown, req: Request): ErrorBody {
    if (exception instanceof DomainError) {
      return withDefaults(exception.status, exception.message, {
        field: exception.field,
        code: exception.code,
      });
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'object' && response !== null && 'errors' in response) {
        return { ...(response as ErrorBody), statusCode: status };
      }
      const message =
        typeof response === 'string'
          ? response
          : ((response as { message?: string | string[] }).message ?? exception.message);
      return withDefaults(status, Array.isArray(message) ? message.join('; ') : message);
    }
    if (exception instanceof QueryFailedError) {
      const pg = exception.driverError as PgError;
      if (pg.code === '23505') {
        return withDefaults(409, `Already exists (${pg.constraint ?? 'unique constraint'})`, {
          code: 'conflict',
        });
      }
      if (pg.code === '22P02' || pg.code === '22007' || pg.code === '22008') {
        return withDefaults(400, 'A value has an invalid format', { code: 'invalid_format' });
      }
    }
    if ((exception as { type?: string }).type === 'entity.parse.failed') {
      return withDefaults(400, 'The request body is not valid JSON', { code: 'invalid_json' });
    }
    if ((exception as { type?: string }).type === 'entity.too.large') {
      return withDefaults(413, 'The request body is too large');
    }
    void req;
    return withDefaults(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }
}

function withDefaults(
  statusCode: number,
  message: string,
  extra: { field?: string; code?: string } = {},
): ErrorBody {
  const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (extra.field) body.field = extra.field;
  if (extra.code) body.code = extra.code;
  return body;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorPage(body: ErrorBody): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${body.statusCode} ${escapeHtml(body.error)}</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem"><h1>${escapeHtml(body.error)}</h1><p>${escapeHtml(body.message)}</p></body></html>`;
}
