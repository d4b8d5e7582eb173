/**
 * Writes the OpenAPI document of the application to docs/openapi.json (`npm run openapi`).
 *
 * The Nest application is created in preview mode: modules and routes are scanned, nothing is
 * instantiated, so no database, Redis or port is needed. `test/e2e/openapi-document.e2e-spec.ts`
 * fails when the committed file differs from what the running application serves.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import * as prettier from 'prettier';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/platform/config/configuration';
import { createOpenApiDocument } from '../src/platform/http/openapi';

export const OPENAPI_PATH = join(__dirname, '..', 'docs', 'openapi.json');

/** The document, formatted as prettier formats it (so `prettier --check .` holds). */
export async function renderOpenApiDocument(document: object): Promise<string> {
  const options = (await prettier.resolveConfig(OPENAPI_PATH)) ?? {};
  return prettier.format(JSON.stringify(document), { ...options, parser: 'json' });
}

async function main(): Promise<void> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const app = await NestFactory.create(AppModule.forRoot(config), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    writeFileSync(OPENAPI_PATH, await renderOpenApiDocument(createOpenApiDocument(app)));
  } finally {
    await app.close();
  }
  process.stdout.write(`Wrote ${OPENAPI_PATH}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
