import {
  type NextFunction,
  type Request,
  type Response,
  Router,
  static as serveStatic,
} from 'express';
import { join } from 'node:path';

/**
 * The console's files: hashed assets (their names change with their contents) are cached for a
 * year; index.html is never cached, so a new build is picked up at the next visit. A GET or HEAD
 * of any other path under /console answers index.html (a page of the app, e.g. /console/setup).
 */
export function consoleStatic(dir: string): Router {
  const router = Router();
  router.use(
    '/assets',
    serveStatic(join(dir, 'assets'), {
      index: false,
      fallthrough: false,
      immutable: true,
      maxAge: '365d',
    }),
  );
  router.use(serveStatic(dir, { index: false, maxAge: 0 }));
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(join(dir, 'index.html'));
  });
  return router;
}
