import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable, tap } from 'rxjs';
import { MetricsService } from './metrics.service';

/** Request counts and latency by route pattern (never by raw path: tokens and ids stay out). */
@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  private readonly duration;

  constructor(metrics: MetricsService) {
    this.duration = metrics.histogram(
      'tidings_http_request_duration_seconds',
      'HTTP request latency by route and status',
      ['method', 'route', 'status'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const end = this.duration.startTimer({ method: req.method });
    const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
    const done = (status: number) => end({ route, status: String(status) });
    return next.handle().pipe(
      tap({
        next: () => done(http.getResponse<Response>().statusCode),
        error: (err: { status?: number; getStatus?: () => number }) =>
          done(err.getStatus?.() ?? err.status ?? 500),
      }),
    );
  }
}
