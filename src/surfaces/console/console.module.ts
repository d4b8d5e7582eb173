import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Express, NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { consoleStatic } from './console-static';

/**
 * Where `npm run build` puts the console (.ci/build-console.mjs): dist/console of the checkout,
 * found from this file both compiled (dist/src/surfaces/console) and run from source in tests.
 */
export function consoleDir(): string {
  const up = resolve(__dirname, '..', '..', '..');
  const root = basename(up) === 'dist' ? dirname(up) : up;
  return join(root, 'dist', 'console');
}

/**
 * The console (docs/console.md): the single-page app built from console/ into dist/console,
 * served at /console by the API process. Its files are public (the data behind them is not: the
 * app calls /v1 with the user's session); every path under /console that is not a file answers
 * the app's index.html, which picks the page from the path.
 */
@Module({})
export class ConsoleModule implements OnModuleInit {
  private readonly logger = new Logger(ConsoleModule.name);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const dir = consoleDir();
    const express = this.adapterHost.httpAdapter.getInstance<Express>();
    if (!existsSync(join(dir, 'index.html'))) {
      this.logger.warn(`The console is not built (${dir}); npm run build builds it`);
      express.use('/console', (_req: Request, res: Response, next: NextFunction) => {
        if (_req.method !== 'GET' && _req.method !== 'HEAD') return next();
        res.status(503).type('text/plain').send('The console is not built: run npm run build.\n');
      });
      return;
    }
    express.use('/console', consoleStatic(dir));
  }
}
