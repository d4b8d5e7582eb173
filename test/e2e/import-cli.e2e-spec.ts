import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { uniqueEmail } from '../factories';
import { createTestDatabase } from '../support/test-app';

const ROOT = resolve(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'surfaces', 'cli', 'import.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('import CLI (npm run import)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let pg: Client;

  beforeAll(async () => {
    // `npm test` builds first (pretest); a lone run of this file may not have.
    if (!existsSync(CLI)) execFileSync('npx', ['nest', 'build'], { cwd: ROOT, stdio: 'ignore' });
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    await pg.query(`INSERT INTO topics (key, name, kind, allowed_frequencies, default_frequency)
      VALUES ('cli-news', 'CLI news', 'editorial', '{weekly,monthly}', 'monthly')`);
    dir = mkdtempSync(join(tmpdir(), 'tidings-import-cli-'));
  }, 180_000);

  afterAll(async () => {
    await pg.end();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  function runCli(args: string[]): Promise<Run> {
    return new Promise((done, reject) => {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: dir,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          DATABASE_URL: db.url,
          SECRET_KEY: 'cli-test-secret-key-that-is-long-enough-0123',
          DATA_DIR: dir,
          LOG_LEVEL: 'silent',
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  }

  const count = async (sql: string, params: unknown[]) =>
    Number((await pg.query<{ n: string }>(sql, params)).rows[0].n);

  it('imports a file, lists the bad line and exits 0', async () => {
    const good = [uniqueEmail('cli'), uniqueEmail('cli')];
    const file = join(dir, 'people.csv');
    writeFileSync(
      file,
      `email,name,date.renewal_date\n${good[0]},One,2027-04-01\nnot-an-address,Two,\n${good[1]},Three,\n`,
    );
    const run = await runCli([
      file,
      '--topics',
      'cli-news:weekly',
      '--consent-text',
      'Yes, the CLI news please.',
      '--consent-version',
      'cli-v1',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      '3 rows: 2 created, 0 updated, 0 unchanged, 1 failed; 2 new subscriptions',
    );
    expect(run.stdout).toContain('line 3: email: email must be a valid email address');

    expect(await count('SELECT count(*) AS n FROM subscribers WHERE email = ANY($1)', [good])).toBe(
      2,
    );
    expect(
      await count(
        `SELECT count(*) AS n FROM subscriber_dates d JOIN subscribers s ON s.id = d.subscriber_id
          WHERE s.email = $1 AND d.value = '2027-04-01'`,
        [good[0]],
      ),
    ).toBe(1);
    const events = await pg.query<{ source: string; wording: string; wording_version: string }>(
      `SELECT e.source, e.wording, e.wording_version FROM consent_events e
         JOIN subscribers s ON s.id = e.subscriber_id WHERE s.email = ANY($1)`,
      [good],
    );
    expect(events.rows).toEqual([
      { source: 'import', wording: 'Yes, the CLI news please.', wording_version: 'cli-v1' },
      { source: 'import', wording: 'Yes, the CLI news please.', wording_version: 'cli-v1' },
    ]);
  }, 60_000);

  it('exits 1 naming the file and the column when the header is wrong, writing nothing', async () => {
    const email = uniqueEmail('cli');
    const file = join(dir, 'bad-header.csv');
    writeFileSync(file, `email,colour\n${email},red\n`);
    const run = await runCli([file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}: Unknown column "colour" in the header (line 1)`);
    expect(await count('SELECT count(*) AS n FROM subscribers WHERE email = $1', [email])).toBe(0);
  }, 60_000);

  it('exits 1 for a missing file or an unknown extension', async () => {
    const missing = await runCli([join(dir, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.csv: no such file');
    const txt = join(dir, 'people.txt');
    writeFileSync(txt, 'email\n');
    const wrong = await runCli([txt]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('must end in .csv, .ndjson or .jsonl');
  }, 60_000);
});
