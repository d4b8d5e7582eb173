#!/usr/bin/env node
// @ts-check
/**
 * Builds dist/ (`nest build`, then the console into dist/console: .ci/build-console.mjs) only when what it is built from changed since the last build, so
 * `npm start` (prestart), `npm run start:worker` and `npm test` skip the 10 s build when nothing
 * changed. The inputs' contents are hashed (a touched but unchanged file does not count; an added,
 * changed or deleted one does); after a successful build the hash is kept in dist/ next to the
 * output, so a fresh clone, a deleted dist/ or a failed build all build again.
 *
 *   node .ci/build-if-stale.mjs           build if stale
 *   node .ci/build-if-stale.mjs --force   always build (npm run build)
 *
 * Templates are not part of the build (the server reads templates/ at run time).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import process from 'node:process';

/**
 * What `nest build` compiles or is configured by (tsconfig.build.json: src and migrations), and
 * what the console is built from (console/, checked against the API document docs/openapi.json).
 */
const INPUTS = [
  'src',
  'migrations',
  'console',
  'docs/openapi.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
  'package-lock.json',
];
/** Files under the input folders that the build leaves out. */
const IGNORED = /\.spec\.ts$/;
export const FINGERPRINT = join('dist', '.build-inputs.sha256');
const OUTPUT = join('dist', 'src', 'main.js');
const CONSOLE_OUTPUT = join('dist', 'console', 'index.html');

/**
 * A hash of every input file's path and contents.
 * @param {string} root
 * @returns {string}
 */
export function fingerprint(root) {
  const hash = createHash('sha256');
  /** @param {string} path */
  const add = (path) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path).sort()) add(join(path, entry));
      return;
    }
    if (IGNORED.test(path)) return;
    hash.update(relative(root, path).split(sep).join('/')).update('\0');
    hash.update(readFileSync(path)).update('\0');
  };
  for (const input of INPUTS) add(join(root, input));
  return hash.digest('hex');
}

/**
 * True when dist/ was built from exactly the current inputs.
 * @param {string} root
 * @returns {boolean}
 */
export function isFresh(root) {
  const recorded = join(root, FINGERPRINT);
  return (
    existsSync(join(root, OUTPUT)) &&
    existsSync(join(root, CONSOLE_OUTPUT)) &&
    existsSync(recorded) &&
    readFileSync(recorded, 'utf8').trim() === fingerprint(root)
  );
}

/**
 * Builds when stale (or always, with force), then records what the build was made from.
 * @param {string} root
 * @param {{ force?: boolean, build?: (root: string) => void }} [options]
 * @returns {'built' | 'fresh'}
 */
export function buildIfStale(root, options = {}) {
  if (!options.force && isFresh(root)) return 'fresh';
  // Taken before the build: an edit made while it runs makes the next start build again.
  const inputs = fingerprint(root);
  (options.build ?? nestBuild)(root);
  writeFileSync(join(root, FINGERPRINT), `${inputs}\n`);
  return 'built';
}

/** @param {string} root */
function nestBuild(root) {
  const nest = createRequire(join(root, 'package.json')).resolve('@nestjs/cli/bin/nest.js');
  const run = spawnSync(process.execPath, [nest, 'build'], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    throw new Error(`nest build failed (${run.signal ?? `exit code ${run.status}`})`);
  }
  // After nest build, which empties dist/.
  const consoleBuild = spawnSync(process.execPath, [join(root, '.ci', 'build-console.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (consoleBuild.status !== 0) {
    throw new Error(
      `the console build failed (${consoleBuild.signal ?? `exit code ${consoleBuild.status}`})`,
    );
  }
}

// Run as a script (npm runs it from the package root; argv[1] is this file).
if (process.argv[1] && resolve(process.argv[1]).endsWith(join('.ci', 'build-if-stale.mjs'))) {
  const root = resolve(dirname(process.argv[1]), '..');
  try {
    const force = process.argv.includes('--force');
    if (buildIfStale(root, { force }) === 'fresh') {
      process.stderr.write('dist/ is up to date with src/ and migrations/: not building.\n');
    }
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
