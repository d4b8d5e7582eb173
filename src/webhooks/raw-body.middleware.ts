import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Raw reports (a whole DSN or ARF message with the original attached) exceed a JSON body's limit. */
export const MAX_REPORT_BYTES = 10 * 1024 * 1024;

/**
 * Reads a non-JSON, non-form body (a raw email as `message/rfc822`, `text/plain`, ...) into
 * `req.body` as a Buffer. JSON bodies were already parsed by the global parser.
 */
@Injectable()
export class RawBodyMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    // Without credentials the guard refuses the request; no reason to buffer its body first.
    const unauthenticated = !req.headers.authorization;
    if (unauthenticated || req.body !== undefined || req.readableEnded || req.method !== 'POST') {
      next();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is drained, not kept, so the answer can still be sent.
      if (size <= MAX_REPORT_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_REPORT_BYTES) {
        res.status(413).json({
          statusCode: 413,
          error: 'Payload Too Large',
          message: `The report is larger than ${MAX_REPORT_BYTES / 1024 / 1024} MB`,
          field: 'body',
        });
        return;
      }
      req.body = Buffer.concat(chunks);
      next();
    });
    req.on('error', (err) => next(err));
  }
}
