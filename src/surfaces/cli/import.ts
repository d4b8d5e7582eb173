import { createReadStream, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { ImportFormat } from '../../audience/subscribers/import/import-row';
import { SubscriberImportModule } from '../../audience/subscribers/import/subscriber-import.module';
import { SubscriberImportService } from '../../audience/subscribers/import/subscriber-import.service';
import { createCliContext, fail } from './cli-context';

const USAGE = `Usage: npm run import -- <file.csv|file.ndjson|file.jsonl> [options]

Imports subscribers (see docs/import.md). Row errors are listed and do not stop the import;
the exit code is 1 only when the file could not be processed at all.

Options:
  --topics a,b:weekly     topics every row joins (key or key:frequency)
  --consent-text TEXT     the wording the people in the file agreed to (with --consent-version)
  --consent-version V     the version of that wording
  --dry-run               validate and count, write nothing
  -h, --help              this text`;

const FORMATS: Record<string, ImportFormat> = {
  '.csv': 'csv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};

const PROGRESS_EVERY = 10_000;

async function main(): Promise<void> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals.length !== 1) fail(USAGE);
  const file = positionals[0];
  const format = FORMATS[extname(file).toLowerCase()];
  if (!format) fail(`${file}: the file name must end in .csv, .ndjson or .jsonl`);
  try {
    if (!statSync(file).isFile()) fail(`${file}: not a file`);
  } catch {
    fail(`${file}: no such file`);
  }

  const ctx = await createCliContext([SubscriberImportModule]);
  let exitCode = 0;
  try {
    const service = ctx.app.get(SubscriberImportService);
    const prepared = await service.prepare({
      topics: values.topics,
      consentText: values['consent-text'],
      consentVersion: values['consent-version'],
      dryRun: values['dry-run'] ?? false,
      details: { file: basename(file) },
    });
    let nextReport = PROGRESS_EVERY;
    const result = await service.run(
      createReadStream(file, { highWaterMark: 256 * 1024 }),
      format,
      prepared,
      ({ rows, elapsedMs }) => {
        if (rows < nextReport) return;
        nextReport = (Math.floor(rows / PROGRESS_EVERY) + 1) * PROGRESS_EVERY;
        const perSecond = Math.round(rows / Math.max(elapsedMs / 1000, 0.001));
        process.stderr.write(`${rows} rows, ${perSecond} rows/s\n`);
      },
    );
    const out = process.stdout;
    out.write(
      `${file}: ${result.dryRun ? 'dry run, nothing written; ' : ''}` +
        `${result.rows} rows: ${result.created} created, ${result.updated} updated, ` +
        `${result.unchanged} unchanged, ${result.failed} failed; ` +
        `${result.subscribed} new subscriptions\n`,
    );
    for (const e of result.errors) out.write(`line ${e.line}: ${e.field}: ${e.message}\n`);
    if (result.errorsTruncated) {
      out.write(`(only the first ${result.errors.length} errors are listed)\n`);
    }
  } catch (err) {
    // A bad option or header (a DomainError) or a batch that could not be written: say which.
    exitCode = 1;
    process.stderr.write(`${file}: ${err instanceof Error ? err.message : String(err)}\n`);
  } finally {
    await ctx.close();
  }
  process.exitCode = exitCode;
}

function parse() {
  return parseArgs({
    allowPositionals: true,
    options: {
      topics: { type: 'string' },
      'consent-text': { type: 'string' },
      'consent-version': { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
