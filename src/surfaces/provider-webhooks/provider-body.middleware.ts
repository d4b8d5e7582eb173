import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { raw } from 'express';

/** An SNS message is far smaller (256 KB at most); a larger non-JSON body is refused with 413. */
const MAX_PROVIDER_BODY_BYTES = 1024 * 1024;

/**
 * SNS posts its JSON as `text/plain`, which the global parsers leave alone: read such a body as
 * bytes (inflated, at most 1 MB; the global filter answers 413 and 415) for the adapter to parse.
 */
@Injectable()
export class ProviderBodyMiddleware implements NestMiddleware {
  private readonly read = raw({ limit: MAX_PROVIDER_BODY_BYTES, inflate: true, type: () => true });

  use(req: Request, res: Response, next: NextFunction): void {
    if (req.body !== undefined) {
      next();
      return;
    }
    this.read(req, res, next);
  }
}
