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
import { isTransientDatabaseError } from './transient-database-error';

export interface FieldError {
  field: string;
  message: string;
  /** Where in the field's text (a template's source), 1-based, when it is text. */
  line?: number;
  column?: number;
  code?: string;
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

/** Seconds a client is asked to wait (`Retry-After`) after a transient failure. */
export const RETRY_AFTER_SECONDS = 2;

/** An error as the HTTP answer it becomes; `retryAfter` (seconds) goes into a `Retry-After` header. */
export interface MappedError {
  body: ErrorBody;
  retryAfter?: number;
}

/**
 * Maps domain, HTTP, request-body and database errors to HTTP; a transient database error is a
 * 503 with Retry-After; anything else is a logged 500 without details.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request>();
    if (res.headersSent) return;
    const { body, retryAfter } = mapError(exception, req);
    if (body.statusCode >= 500) {
      const facts = {
        err: exception,
        method: req.method,
        path: (req.route as { path?: string } | undefined)?.path ?? 'unknown',
      };
      if (retryAfter) this.logger.warn(facts, 'Transient failure; answered 503');
      else this.logger.error(facts, 'Unhandled error');
    }
    if (retryAfter && typeof res.setHeader === 'function') {
      res.setHeader('Retry-After', String(retryAfter));
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
}

/** The answer an error becomes; also used by the subscriber pages' own filter. */
export function mapError(exception: unknown, req?: Request): MappedError {
  if (exception instanceof DomainError) {
    return {
      body: withDefaults(exception.status, exception.message, {
        field: exception.field,
        code: exception.code,
        // An error that lists several problems (a template's, with line and column) keeps them.
        ...(Array.isArray((exception as { errors?: unknown }).errors)
          ? { errors: (exception as unknown as { errors: FieldError[] }).errors }
          : {}),
      }),
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'object' && response !== null && 'errors' in response) {
      return { body: { ...(response as ErrorBody), statusCode: status } };
    }
    const message =
      typeof response === 'string'
        ? response
        : ((response as { message?: string | string[] }).message ?? exception.message);
    return { body: withDefaults(status, Array.isArray(message) ? message.join('; ') : message) };
  }
  if (isTransientDatabaseError(exception)) {
    return {
      body: withDefaults(503, 'The database is briefly unavailable; try again in a moment', {
        code: 'temporarily_unavailable',
      }),
      retryAfter: RETRY_AFTER_SECONDS,
    };
  }
  if (exception instanceof QueryFailedError) {
    const pg = exception.driverError as PgError;
    if (pg.code === '23505') {
      return {
        body: withDefaults(409, `Already exists (${pg.constraint ?? 'unique constraint'})`, {
          code: 'conflict',
        }),
      };
    }
    if (pg.code === '22P02' || pg.code === '22007' || pg.code === '22008') {
      return {
        body: withDefaults(400, 'A value has an invalid format', { code: 'invalid_format' }),
      };
    }
  }
  const bodyError = bodyReaderError(exception, req);
  if (bodyError) return { body: bodyError };
  return { body: withDefaults(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error') };
}

/**
 * What body-parser (through raw-body and zlib) refuses a request body with: an http-errors
 * error with a 4xx `status`, `expose` set and a `type` naming the reason.
 */
interface BodyReaderError extends Error {
  status: number;
  expose?: boolean;
  type?: string;
  charset?: string;
  encoding?: string;
  limit?: number;
}

function bodyReaderError(exception: unknown, req?: Request): ErrorBody | null {
  if (!(exception instanceof Error)) return null;
  const e = exception as BodyReaderError;
  if (typeof e.status !== 'number' || e.status < 400 || e.status > 499 || e.expose !== true) {
    return null;
  }
  switch (e.type) {
    case 'charset.unsupported':
      return withDefaults(
        415,
        `The charset "${e.charset ?? 'unknown'}" is not supported: send the body as UTF-8`,
        { field: 'body', code: 'unsupported_charset' },
      );
    case 'encoding.unsupported':
      return withDefaults(
        415,
        `Content-Encoding "${e.encoding ?? 'unknown'}" is not supported: send the body ` +
          `uncompressed (identity) or as ${SUPPORTED_ENCODINGS}`,
        { field: 'body', code: 'unsupported_encoding' },
      );
    case 'entity.too.large':
      return withDefaults(413, `The request body is larger than ${sizeText(e.limit)}`, {
        field: 'body',
        code: 'too_large',
      });
    case 'parameters.too.many':
      return withDefaults(e.status, 'The form has too many fields', {
        field: 'body',
        code: 'too_large',
      });
    case 'entity.parse.failed':
      return withDefaults(400, `The request body is not valid JSON: ${e.message}`, {
        field: 'body',
        code: 'invalid_json',
      });
    case 'request.aborted':
      return withDefaults(400, 'The request body ended before it was complete', { field: 'body' });
    case 'request.size.invalid':
      return withDefaults(400, 'The request body does not have the length Content-Length gives', {
        field: 'body',
      });
    case undefined: {
      // The decompression stream's own error (zlib) carries no type.
      const encoding = req?.headers['content-encoding'];
      if (encoding && encoding.toLowerCase() !== 'identity') {
        return withDefaults(400, `The request body is not valid ${encoding} data`, {
          field: 'body',
          code: 'invalid_encoding',
        });
      }
      return withDefaults(e.status, e.message);
    }
    default:
      return withDefaults(e.status, e.message);
  }
}

const SUPPORTED_ENCODINGS = 'gzip, deflate or br';

function sizeText(bytes: number | undefined): string {
  if (!bytes) return 'the limit';
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / 1024 / 1024} MB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`;
  return `${bytes} bytes`;
}

function withDefaults(
  statusCode: number,
  message: string,
  extra: { field?: string; code?: string; errors?: FieldError[] } = {},
): ErrorBody {
  const body: ErrorBody = { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
  if (extra.field) body.field = extra.field;
  if (extra.code) body.code = extra.code;
  if (extra.errors) body.errors = extra.errors;
  return body;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function errorPage(body: ErrorBody): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${body.statusCode} ${escapeHtml(body.error)}</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem"><h1>${escapeHtml(body.error)}</h1><p>${escapeHtml(body.message)}</p></body></html>`;
}
