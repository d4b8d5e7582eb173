import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
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

/** Structured logs (pino): JSON in production, readable lines on a terminal. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: TidingsConfigService) => {
        const log = config.get('log', { infer: true });
        const pretty = log.format === 'pretty' || (log.format === 'auto' && process.stdout.isTTY);
        return {
          pinoHttp: {
            level: log.level,
            transport: pretty
              ? {
                  target: 'pino-pretty',
                  options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
                }
              : undefined,
            // Addresses and secrets never reach the log, whatever a caller logs by mistake.
            redact: {
              paths: [
                'req.headers.authorization',
                'req.headers.cookie',
                'email',
                '*.email',
                'to',
                '*.to',
              ],
              censor: '[redacted]',
            },
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
          },
        };
      },
    }),
  ],
})
export class LoggingModule {}
