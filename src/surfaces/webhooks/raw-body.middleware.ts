import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { raw } from 'express';

/** Raw reports (a whole DSN or ARF message with the original attached) exceed a JSON body's limit. */
export const MAX_REPORT_BYTES = 10 * 1024 * 1024;

/**
 * Reads a non-JSON, non-form body (a raw email as `message/rfc822`, `text/plain`, ...) into
 * `req.body` as a Buffer with body-parser: gzip, deflate and br are inflated, another
 * Content-Encoding is 415, more than MAX_REPORT_BYTES (inflated) is 413; the global filter
 * answers those. JSON and form bodies were already parsed by the global parsers.
 */
@Injectable()
export class RawBodyMiddleware implements NestMiddleware {
  private readonly read = raw({
    limit: MAX_REPORT_BYTES,
    inflate: true,
    // Without credentials the guard refuses the request; no reason to buffer its body first.
    type: (req: IncomingMessage) => !!req.headers.authorization,
  });

  use(req: Request, res: Response, next: NextFunction): void {
    if (req.body !== undefined || req.method !== 'POST') {
      next();
      return;
    }
    this.read(req, res, next);
  }
}
