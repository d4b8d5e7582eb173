#!/usr/bin/env node
// @ts-check
/**
 * The typed TypeScript client of the API, checked in every `npm run build` (npm's `prebuild`):
 * generates clients/typescript/tidings-api.ts from the committed docs/openapi.json with
 * openapi-typescript, then type-checks the client and its sample (clients/typescript) against it,
 * so a document from which a client does not compile breaks the build.
 *
 *   node .ci/openapi-client.mjs
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';

export const DOCUMENT = join('docs', 'openapi.json');
export const CLIENT_DIR = join('clients', 'typescript');
export const TYPES = join(CLIENT_DIR, 'tidings-api.ts');

/**
 * @param {string} root
 * @returns {Promise<void>}
 */
export async function generateClientTypes(root) {
  const { default: openapiTS, astToString } = await import('openapi-typescript');
  const document = JSON.parse(readFileSync(join(root, DOCUMENT), 'utf8'));
  // enumValues: each enum of the document also as a runtime list (`activityEntryDtoActionValues`),
  // so the console lists what the API defines without a copy of its own.
  const ast = await openapiTS(document, {
    alphabetize: true,
    defaultNonNullable: false,
    enumValues: true,
  });
  const header =
    '// Generated from docs/openapi.json by .ci/openapi-client.mjs (npm run build). Do not edit.\n';
  writeFileSync(join(root, TYPES), header + astToString(ast));
}

/** @param {string} root */
export function typeCheckClient(root) {
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(CLIENT_DIR, 'tsconfig.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (run.status !== 0) {
    throw new Error(
      `The typed client (${CLIENT_DIR}) does not compile against ${DOCUMENT} ` +
        `(${run.signal ?? `exit code ${run.status}`})`,
    );
  }
}

if (process.argv[1] && resolve(process.argv[1]).endsWith(join('.ci', 'openapi-client.mjs'))) {
  const root = resolve(dirname(process.argv[1]), '..');
  try {
    await generateClientTypes(root);
    typeCheckClient(root);
    process.stderr.write(`${TYPES} generated from ${DOCUMENT}; the client compiles.\n`);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
