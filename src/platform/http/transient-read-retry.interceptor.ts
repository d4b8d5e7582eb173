import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable, retry, throwError, timer } from 'rxjs';
import { isTransientDatabaseError } from '../errors/transient-database-error';

/** Attempts after the first, and the wait before each (ms). */
export const READ_RETRY_DELAYS_MS = [50, 250];

/**
 * A GET or HEAD that failed on a transient database error (a dropped connection, a restarting
 * server) runs again, up to twice, so a blip is invisible to a reader. Reads change nothing, so
 * running one twice is harmless; writes are not retried here (their caller gets 503 with
 * Retry-After and decides). Nothing is retried once the response has started.
 */
@Injectable()
export class TransientReadRetryInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Http');

  constructor(private readonly delaysMs: readonly number[] = READ_RETRY_DELAYS_MS) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    if (req.method !== 'GET' && req.method !== 'HEAD') return next.handle();
    const res = http.getResponse<Response>();
    return next.handle().pipe(
      retry({
        count: this.delaysMs.length,
        delay: (err: unknown, attempt: number) => {
          if (!isTransientDatabaseError(err) || res.headersSent) return throwError(() => err);
          this.logger.warn(
            { err, method: req.method, path: (req.route as { path?: string })?.path, attempt },
            'Transient database error on a read; trying again',
          );
          return timer(this.delaysMs[attempt - 1]);
        },
      }),
    );
  }
}
