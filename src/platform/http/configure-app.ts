import { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { AppConfig } from '../config/configuration';
import { AllExceptionsFilter } from '../errors/http-exception.filter';
import { createOpenApiDocument } from './openapi';
import { useRequestInputChecks } from './request-input';
import { TransientReadRetryInterceptor } from './transient-read-retry.interceptor';
import { createValidationPipe } from './validation';

/** HTTP wiring shared by main.ts and the end-to-end tests, so tests exercise what users run. */
export function configureHttpApp(app: INestApplication): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  express.set('trust proxy', 'loopback');
  express.use(helmet(helmetOptions(app.get(ConfigService<AppConfig, true>))));
  useRequestInputChecks(express);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalInterceptors(new TransientReadRetryInterceptor());
  app.useGlobalFilters(new AllExceptionsFilter());

  const document = createOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
}

/**
 * Security headers for everything (API, Swagger UI, subscriber pages). The CSP is helmet's default
 * (scripts only from this origin, which Swagger UI's separate init script satisfies) plus the
 * brand logo's origin; `upgrade-insecure-requests` only when the public URL is https, so a plain
 * http installation on a laptop keeps working. Pages that may be framed set their own CSP.
 */
export function helmetOptions(
  config: ConfigService<AppConfig, true>,
): Parameters<typeof helmet>[0] {
  const logo = config.get('rendering', { infer: true }).brand.logoUrl;
  const https = config.get('app', { infer: true }).publicUrl.startsWith('https:');
  return {
    contentSecurityPolicy: {
      directives: {
        'img-src': ["'self'", 'data:', ...(logo ? [new URL(logo).origin] : [])],
        'upgrade-insecure-requests': https ? [] : null,
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: https,
  };
}
