#!/usr/bin/env node
// @ts-check
/**
 * Builds the console (console/, a React single-page app) into dist/console, served by Nest at
 * /console. First the typed API client is generated from docs/openapi.json, then the console is
 * type-checked against it (so a console that no longer matches the API breaks the build), then
 * Vite bundles it. Run by .ci/build-if-stale.mjs after `nest build` (which empties dist/).
 *
 *   node .ci/build-console.mjs
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { gzipSync } from 'node:zlib';
import { generateClientTypes } from './openapi-client.mjs';

export const CONSOLE_SOURCE = 'console';
export const CONSOLE_OUTPUT = join('dist', 'console');

/** @param {string} root */
export async function buildConsole(root) {
  await generateClientTypes(root);
  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const check = spawnSync(process.execPath, [tsc, '-p', join(CONSOLE_SOURCE, 'tsconfig.json')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (check.status !== 0) {
    throw new Error(
      `The console (${CONSOLE_SOURCE}/) does not compile against docs/openapi.json ` +
        `(${check.signal ?? `exit code ${check.status}`})`,
    );
  }
  const { build } = await import('vite');
  await build({
    root: join(root, CONSOLE_SOURCE),
    base: '/console/',
    configFile: false,
    logLevel: 'warn',
    oxc: { jsx: { runtime: 'automatic' } },
    build: {
      outDir: join(root, CONSOLE_OUTPUT),
      emptyOutDir: true,
      sourcemap: false,
      rollupOptions: {
        // React Query marks its modules "use client" (for React Server Components); harmless here.
        onwarn(warning, warn) {
          if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
        },
      },
    },
  });
}

/**
 * Gzipped bytes of the JavaScript index.html loads at first (its entry and preloaded chunks).
 * @param {string} root
 */
export function initialScriptGzipBytes(root) {
  const out = join(root, CONSOLE_OUTPUT);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/(?:src|href)="\/console\/(assets\/[^"]+\.js)"/g)].map(
    (m) => m[1],
  );
  return scripts.reduce((sum, file) => sum + gzipSync(readFileSync(join(out, file))).length, 0);
}

if (process.argv[1] && resolve(process.argv[1]).endsWith(join('.ci', 'build-console.mjs'))) {
  const root = resolve(dirname(process.argv[1]), '..');
  const started = Date.now();
  try {
    await buildConsole(root);
    const kb = (initialScriptGzipBytes(root) / 1024).toFixed(1);
    const files = readdirSync(join(root, CONSOLE_OUTPUT, 'assets')).length;
    process.stderr.write(
      `console built into ${CONSOLE_OUTPUT} in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(${files} assets; initial JavaScript ${kb} KB gzipped)\n`,
    );
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
