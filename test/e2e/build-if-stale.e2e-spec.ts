import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../support/child-processes';

/** What a clone holds that the build reads (no dist/, node_modules shared by a link). */
const CLONED = [
  'src',
  'migrations',
  'templates',
  'console',
  'docs',
  'clients',
  '.ci',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
];
const BUILD_MS = 180_000;

/**
 * `npm start` builds only when the sources changed since the last build: on a fresh clone it
 * builds, on the next start it goes straight to `node dist/src/main.js`.
 */
describe('npm start on a clone: build only when the sources changed', () => {
  let clone: string;
  beforeAll(() => {
    clone = mkdtempSync(join(tmpdir(), 'tidings-clone-'));
    for (const entry of CLONED) {
      if (existsSync(join(ROOT, entry)))
        cpSync(join(ROOT, entry), join(clone, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(clone, { recursive: true, force: true }));

  /** What npm runs before `start` (the server itself is not started here). */
  const prestart = () => {
    const run = spawnSync('npm', ['run', '--silent', 'prestart'], {
      cwd: clone,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      timeout: BUILD_MS,
    });
    expect(run.status).toBe(0);
    return `${run.stdout}${run.stderr}`;
  };
  /** A file the build's clean-up would remove: it survives only a start that did not build. */
  const mark = () => writeFileSync(join(clone, 'dist', 'mark'), '');
  const marked = () => existsSync(join(clone, 'dist', 'mark'));

  it(
    'builds on the first start, and not on the second',
    () => {
      prestart();
      expect(existsSync(join(clone, 'dist', 'src', 'main.js'))).toBe(true);
      expect(existsSync(join(clone, 'dist', 'console', 'index.html'))).toBe(true);
      mark();
      const started = Date.now();
      prestart();
      expect(marked()).toBe(true);
      expect(Date.now() - started).toBeLessThan(5_000);
    },
    2 * BUILD_MS,
  );

  it('does not build after a file was only touched', () => {
    const file = join(clone, 'src', 'main.ts');
    const later = new Date(Date.now() + 60_000);
    utimesSync(file, later, later);
    prestart();
    expect(marked()).toBe(true);
  });

  it(
    'builds after a source changed, and the build has the change',
    () => {
      const file = join(clone, 'src', 'main.ts');
      const probe = `changed-${Date.now()}`;
      writeFileSync(file, `${readFileSync(file, 'utf8')}\nexport const probe = '${probe}';\n`);
      prestart();
      expect(marked()).toBe(false);
      expect(readFileSync(join(clone, 'dist', 'src', 'main.js'), 'utf8')).toContain(probe);
    },
    BUILD_MS,
  );

  it(
    'builds after a console source changed, and dist/console has the change',
    () => {
      mark();
      const file = join(clone, 'console', 'src', 'i18n.ts');
      const probe = `Sign in ${Date.now()}`;
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace("signIn: 'Sign in',", `signIn: '${probe}',`),
      );
      prestart();
      expect(marked()).toBe(false);
      const assets = join(clone, 'dist', 'console', 'assets');
      const bundle = readdirSync(assets)
        .filter((f) => f.endsWith('.js'))
        .map((f) => readFileSync(join(assets, f), 'utf8'))
        .join('\n');
      expect(bundle).toContain(probe);
    },
    BUILD_MS,
  );
});
