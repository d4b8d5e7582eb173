import { Injectable, LoggerService, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage } from 'node:http';
import { Logger, LoggerModule } from 'nestjs-pino';
import pino from 'pino';
import type { Options } from 'pino-http';
import pinoPretty from 'pino-pretty';
import { TidingsConfigService } from '../config/configuration';

/** Path segments that are secrets (signed links) or personal data (an address) are masked. */
export function redactPath(url: string | undefined): string {
  if (!url) return '';
  const [path] = url.split('?');
  return path
    .split('/')
    .map((seg) =>
      seg.length > 40 || seg.includes('@') || seg.toLowerCase().includes('%40') ? ':redacted' : seg,
    )
    .join('/');
}

/**
 * What the logger blanks out, whatever a caller logs by mistake: credentials in request headers,
 * the session cookie a sign-in sets (pino-http logs response headers), and addresses.
 */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'email',
  '*.email',
  'to',
  '*.to',
] as const;

/** Nest's own start-up lines: one per module, controller and route (some 170 on a start). */
const ROUTINE_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/**
 * The application logger (nestjs-pino), with Nest's routine start-up lines at debug instead of
 * info, so what an operator must read on a start (warnings, the first-run key) does not scroll
 * away. `LOG_LEVEL=debug` shows them again.
 */
@Injectable()
export class AppLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    if (typeof context === 'string' && ROUTINE_CONTEXTS.has(context)) {
      this.pino.debug(message, ...params);
    } else {
      this.pino.log(message, ...params);
    }
  }
  error(message: unknown, ...params: unknown[]): void {
    this.pino.error(message, ...params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.pino.warn(message, ...params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.pino.debug(message, ...params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.pino.verbose(message, ...params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.pino.fatal(message, ...params);
  }
}

/** Structured logs (pino): JSON in production, readable lines on a terminal. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: TidingsConfigService) => {
        const log = config.get('log', { infer: true });
        const pretty = log.format === 'pretty' || (log.format === 'auto' && process.stdout.isTTY);
        const options: Options = {
          level: log.level,
          // Addresses and secrets never reach the log, whatever a caller logs by mistake.
          redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' },
          serializers: {
            req: (req: IncomingMessage & { id?: unknown }) => ({
              id: req.id,
              method: req.method,
              url: redactPath(req.url),
            }),
          },
          autoLogging: {
            ignore: (req: IncomingMessage) => req.url === '/health' || req.url === '/metrics',
          },
          customLogLevel: (_req: IncomingMessage, res: { statusCode: number }, err?: Error) =>
            err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
        };
        // Lines are written synchronously (readable ones formatted in this thread, not in a
        // transport's worker), so they keep their order with what main.ts prints directly: the
        // first-run key's frame comes after the start-up log, not somewhere inside it.
        const stream = pretty
          ? pinoPretty({ singleLine: true, translateTime: 'SYS:HH:MM:ss.l', sync: true })
          : pino.destination({ dest: 1, sync: true });
        return { pinoHttp: [options, stream] };
      },
    }),
  ],
  providers: [AppLogger],
  exports: [AppLogger],
})
export class LoggingModule {}
